"""What each WebSocket of a served fake still has to send: the room's frames, queued under the
fake's lock for the socket's own thread, at most ``max_unsent_bytes`` of them, then one close
frame. A socket whose client reads too slowly to stay under that bound is cut off alone; every
other connection of the room goes on in order."""

from __future__ import annotations

import json
import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from .._service.connection import CLOSED_BY_CLIENT, ChatConnection
from .._service.frames import Frame
from .._service.messaging import Messaging
from .._service.state import RESET
from .._service.tokens import ChatTokenClaims

_log = logging.getLogger("fake_ivschat.server")

SERVER_CLOSED = "server closed"  # the close_reason of the connections server.close() ends
# The close frame a socket gets for each close_reason (any other reason, DisconnectUser with its
# reason included: 1000 and the reason itself). The official SDK reads none of them: any proper
# close is a "serverDisconnect" to it.
CLOSE_CODES = {SERVER_CLOSED: 1001, RESET: 1012}  # going away, service restart
TOO_SLOW_CODE = 1008  # policy violation: the fake's bound on unsent frames
_MAX_REASON_BYTES = 123  # RFC 6455: a close frame's payload is at most 125 bytes


@dataclass(frozen=True)
class CloseFrame:
    code: int
    reason: str


class Outbox:
    """What one socket still has to send, in the room's order: JSON texts (ASCII: one byte a
    character), then maybe a close frame. Filled under the fake's lock (never blocks), emptied by
    the socket's thread."""

    def __init__(self, max_unsent_bytes: int) -> None:
        self._ready = threading.Condition(threading.Lock())
        self._items: deque[str | CloseFrame] = deque()
        self._unsent = 0  # bytes of the texts queued
        self._max_unsent = max_unsent_bytes
        self._done = False

    def put(self, text: str) -> bool:
        """Queue ``text``; False (nothing queued) if it would take the unsent bytes over the
        bound."""
        with self._ready:
            if self._done:
                return True
            if self._unsent + len(text) > self._max_unsent:
                return False
            self._items.append(text)
            self._unsent += len(text)
            self._ready.notify()
            return True

    def close(self, code: int, reason: str, *, drop: bool = False) -> None:
        """Send a close frame after what is queued (``drop``: instead of it), and nothing more."""
        with self._ready:
            if not self._done:
                if drop:
                    self._items.clear()
                    self._unsent = 0
                self._items.append(CloseFrame(code, reason))
                self._done = True
                self._ready.notify()

    def finish(self) -> None:
        """Send nothing more (the client closed)."""
        with self._ready:
            self._done = True
            self._ready.notify()

    def take(self) -> str | CloseFrame | None:
        """The next item, waiting for one; None once finished and empty."""
        with self._ready:
            while not self._items and not self._done:
                self._ready.wait()
            if not self._items:
                return None
            item = self._items.popleft()
            if isinstance(item, str):
                self._unsent -= len(item)
            return item


class Encoder:
    """Each frame encoded once for every socket it goes to (called under the fake's lock, where a
    frame reaches every connection of its room before the next frame is delivered)."""

    def __init__(self) -> None:
        self._frame: Frame | None = None
        self._text = ""

    def __call__(self, frame: Frame) -> str:
        if frame is not self._frame:
            self._frame, self._text = frame, json.dumps(frame, separators=(",", ":"))
        return self._text


def close_frame(reason: str) -> tuple[int, str]:
    """The close code and reason a socket closed for ``reason`` (a close_reason) gets."""
    return CLOSE_CODES.get(reason, 1000), _clip(reason)


def _clip(reason: str) -> str:
    return reason.encode()[:_MAX_REASON_BYTES].decode(errors="ignore")


class SocketConnection(ChatConnection):
    """A connection whose frames go to a WebSocket: each frame delivered to it and its closing
    are queued, under the fake's lock, for the socket's thread to send."""

    def __init__(
        self,
        messaging: Messaging,
        claims: ChatTokenClaims,
        encode: Callable[[Frame], str],
        max_unsent_bytes: int,
    ) -> None:
        super().__init__(messaging, claims)
        self.outbox = Outbox(max_unsent_bytes)
        self._encode = encode
        self._max_unsent = max_unsent_bytes
        self._cut_off = False
        # Checks of idle sockets since the service closed this one, its socket still open.
        self.closing_ticks = 0

    def _receive(self, frame: Frame) -> None:
        if self._closure() is None and not self.outbox.put(self._encode(frame)):
            _log.warning(
                "closed the socket of user %r in %s: over max_unsent_bytes=%d bytes of frames"
                " unsent, its client reads too slowly (close code %d)",
                self.user_id,
                self.room_arn,
                self._max_unsent,
                TOO_SLOW_CODE,
            )
            self._cut_off = True
            self._messaging.close(self, f"over {self._max_unsent} bytes of frames unsent")

    def _mark_closed(self, reason: str, code: int) -> bool:
        if not super()._mark_closed(reason, code):
            return False
        if reason == CLOSED_BY_CLIENT:
            self.outbox.finish()
        elif self._cut_off:  # what it could not take is dropped: memory back at once
            self.outbox.close(TOO_SLOW_CODE, _clip(reason + ": reading too slowly"), drop=True)
        else:
            self.outbox.close(*close_frame(reason))
        return True

    def shut(self, reason: str) -> None:
        """Close from the service's side with ``reason``."""
        with self._messaging.lock:
            self._messaging.close(self, reason)

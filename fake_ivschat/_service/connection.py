"""A Chat Messaging API connection as user code holds it (``fake.connect(token)``): the frames it
received, its publish methods, and why it closed."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from .._hints import describe
from .._records import not_received
from . import clock
from .errors import ChatConnectionError
from .frames import Frame
from .tokens import ChatTokenClaims
from .waiting import CLOCK_RECHECK, DEFAULT_TIMEOUT, Changes, check_timeout


class _Messaging(Protocol):
    """What a connection uses of the hub that connected it (messaging.Messaging)."""

    lock: threading.RLock
    changes: Changes

    def publish(self, connection: ChatConnection, payload: object) -> Frame: ...

    def close(self, connection: ChatConnection, reason: str, code: int = 0) -> None: ...

    def expire(self, connection: ChatConnection, now: int) -> None: ...


# Why a connection closed (``close_reason``), and the code of the ChatConnectionError raised when
# it is used afterwards: 401 for an expired session, 404 for a deleted room, 0 otherwise.
CLOSED_BY_CLIENT = "closed by client"
SESSION_EXPIRED = "session expired"
ROOM_DELETED = "DeleteRoom"
DISCONNECTED = "DisconnectUser"


class ChatConnection:
    """One WebSocket connection to a room, opened with a chat token by ``FakeIvsChat.connect``.

    ``received`` lists every frame delivered to it, in order. Each publish method returns the
    frame that answers it on this connection: the echoed MESSAGE or EVENT, or an ERROR frame.
    A session past its expiry counts as closed as soon as the connection is looked at or used.
    """

    def __init__(self, messaging: _Messaging, claims: ChatTokenClaims) -> None:
        self._messaging = messaging
        self.claims = claims
        self.received: list[Frame] = []
        self._close_reason: str | None = None
        self._close_code = 0
        self._changes = messaging.changes

    @property
    def room_arn(self) -> str:
        """The ARN of the room this connection is in."""
        return self.claims.room_arn

    @property
    def user_id(self) -> str:
        """The user the chat token was issued to."""
        return self.claims.user_id

    @property
    def closed(self) -> bool:
        """True once the connection is closed (by the client, the server, or session expiry)."""
        return self.close_reason is not None

    @property
    def close_reason(self) -> str | None:
        """Why the connection closed: ``"DeleteRoom"``, ``"DisconnectUser"`` (``": <reason>"``
        when one was given), ``"session expired"`` or ``"closed by client"``; None while open."""
        with self._messaging.lock:
            self._messaging.expire(self, clock.now_ns())
            return self._close_reason

    def __repr__(self) -> str:
        state = f"closed ({self.close_reason})" if self.closed else "open"
        return (
            f"<ChatConnection user_id={self.user_id!r} room={self.room_arn!r} {state},"
            f" {len(self.received)} frame(s) received>"
        )

    def send(self, payload: Mapping[str, Any] | str | bytes | bytearray | memoryview) -> Frame:
        """Publish a raw request: a dict, or the JSON text the WebSocket API takes (str, or
        UTF-8 bytes, bytearray or memoryview), read as the service reads it: keys name fields
        whatever their case, the later of two for one field wins, ``null`` is absent.

        Whatever the request holds, it is answered with a frame, never an exception: an invalid
        one with an ERROR frame. Publishing on a closed connection raises ``ChatConnectionError``;
        a payload of any other Python type raises ``TypeError``.
        """
        return self._messaging.publish(self, payload)

    def send_message(
        self,
        content: str,
        attributes: Mapping[str, str] | None = None,
        *,
        request_id: str | None = None,
    ) -> Frame:
        """SEND_MESSAGE; needs the SEND_MESSAGE capability."""
        return self.send(
            _request("SEND_MESSAGE", request_id, Content=content, Attributes=attributes)
        )

    def delete_message(
        self, message_id: str, reason: str | None = None, *, request_id: str | None = None
    ) -> Frame:
        """DELETE_MESSAGE; needs the DELETE_MESSAGE capability."""
        return self.send(_request("DELETE_MESSAGE", request_id, Id=message_id, Reason=reason))

    def disconnect_user(
        self, user_id: str, reason: str | None = None, *, request_id: str | None = None
    ) -> Frame:
        """DISCONNECT_USER; needs the DISCONNECT_USER capability."""
        return self.send(_request("DISCONNECT_USER", request_id, UserId=user_id, Reason=reason))

    def wait_for(
        self,
        predicate: Callable[[Frame], object] | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> Frame:
        """The first frame received for which ``predicate(frame)`` is true (any frame if None):
        one received before the call, or one arriving within ``timeout`` seconds of real time
        (whatever a test clock says). Otherwise AssertionError listing the frames received, at
        once if the connection closes first (its session's end: within 0.05 s of the fake's
        clock passing it).

        ``predicate`` runs in the calling thread, outside the fake's lock.
        """
        __tracebackhide__ = True
        if predicate is not None and not callable(predicate):
            raise TypeError(
                "predicate must be a function taking a frame (a dict) and returning true for the"
                f" frame to wait for, or None for any frame; got {describe(predicate)}"
            )
        seconds = check_timeout(timeout)
        outcome = self._changes.wait(self._arrived, predicate or _any, seconds, CLOCK_RECHECK)
        if outcome.match is not None:
            return outcome.match
        raise not_received(predicate, self.user_id, outcome.seen, seconds, outcome.ended)

    def close(self) -> None:
        """Close the connection from the client side (closing twice does nothing)."""
        with self._messaging.lock:
            self._messaging.close(self, CLOSED_BY_CLIENT)

    # The service's side, under the fake's lock: messaging closes, checks and delivers with these.

    def _mark_closed(self, reason: str, code: int) -> bool:
        """Note why the connection closed and the code that using it afterwards raises; False
        when it was already closed (the first reason stays)."""
        if self._close_reason is not None:
            return False
        self._close_reason, self._close_code = reason, code
        self._changes.notify()
        return True

    def _closure(self) -> tuple[str, int] | None:
        """Why the connection closed and the code using it raises; None while open (no expiry
        check: the caller's)."""
        return None if self._close_reason is None else (self._close_reason, self._close_code)

    def _check_open(self) -> None:
        """ChatConnectionError if the connection is closed (no expiry check: the caller's)."""
        if self._close_reason is not None:
            raise ChatConnectionError(
                self._close_code,
                f"Cannot publish on the connection of {self.user_id!r} to {self.room_arn}: it is"
                f" closed ({self._close_reason}). Connect again with a new chat token.",
            )

    def _receive(self, frame: Frame) -> None:
        """Deliver ``frame`` to this connection, unless it is closed."""
        if self._close_reason is None:
            self.received.append(frame)
            if self._changes.waiting:  # a fan-out pays this check alone while nobody waits
                self._changes.notify()

    def _arrived(self) -> tuple[list[Frame], str | None]:
        """What ``wait_for`` reads under the lock: the frames received, and why it closed."""
        self._messaging.expire(self, clock.now_ns())
        return self.received, self._close_reason


def _any(frame: Frame) -> bool:
    return True


def _request(action: str, request_id: str | None, **fields: Any) -> dict[str, Any]:
    payload = {"Action": action, **{k: v for k, v in fields.items() if v is not None}}
    if request_id is not None:
        payload["RequestId"] = request_id
    return payload

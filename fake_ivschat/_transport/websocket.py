"""The Chat Messaging API over WebSocket (``websockets``' threaded server): the chat token is the
only subprotocol and is echoed; each socket is one more connection sink of its room, fed by the
same hub as in-process connections, in the same order; what a client sends is published as an
in-process connection's request is."""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections import deque
from dataclasses import dataclass
from inspect import signature
from typing import Callable

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.protocol import State
from websockets.sync.server import ServerConnection, serve

from .._service.connection import CLOSED_BY_CLIENT, ChatConnection
from .._service.errors import ChatConnectionError
from .._service.frames import Frame
from .._service.messaging import Messaging
from .._service.state import RESET, ServiceState
from .._service.tokens import ChatTokenClaims
from .guard import Guard, Refusal

_log = logging.getLogger("fake_ivschat.server")

SERVER_CLOSED = "server closed"  # the close_reason of the connections server.close() ends
# The close frame a socket gets for each close_reason (any other reason, DisconnectUser with its
# reason included: 1000 and the reason itself). The official SDK reads none of them: any proper
# close is a "serverDisconnect" to it.
CLOSE_CODES = {SERVER_CLOSED: 1001, RESET: 1012}  # going away, service restart
_MAX_REASON_BYTES = 123  # RFC 6455: a close frame's payload is at most 125 bytes

NO_TOKEN = "Connect with the chat token as the only Sec-WebSocket-Protocol value.\n"
CLOSING = "The server is closing.\n"
# How often sessions of idle sockets are checked for expiry, and pending closes waited for.
TICK_SECONDS = 0.2
CLOSE_TIMEOUT_SECONDS = 2.0


# The server sends no pings (the SDK needs none; clients may ping it): websockets >= 15 would send
# them, earlier threaded servers cannot.
_NO_KEEPALIVE = {"ping_interval": None} if "ping_interval" in signature(serve).parameters else {}


@dataclass(frozen=True)
class _Close:
    code: int
    reason: str


class Outbox:
    """What one socket still has to send, in the room's order: JSON texts, then maybe a close
    frame. Filled under the fake's lock (never blocks), emptied by the socket's thread."""

    def __init__(self) -> None:
        self._ready = threading.Condition(threading.Lock())
        self._items: deque[str | _Close] = deque()
        self._done = False

    def put(self, text: str) -> None:
        with self._ready:
            if not self._done:
                self._items.append(text)
                self._ready.notify()

    def close(self, code: int, reason: str) -> None:
        """Send a close frame after what is queued, and nothing more."""
        with self._ready:
            if not self._done:
                self._items.append(_Close(code, reason))
                self._done = True
                self._ready.notify()

    def finish(self) -> None:
        """Send nothing more (the client closed)."""
        with self._ready:
            self._done = True
            self._ready.notify()

    def take(self) -> str | _Close | None:
        """The next item, waiting for one; None once finished and empty."""
        with self._ready:
            while not self._items and not self._done:
                self._ready.wait()
            return self._items.popleft() if self._items else None


class _Encoder:
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
    text = reason.encode()[:_MAX_REASON_BYTES].decode(errors="ignore")
    return CLOSE_CODES.get(reason, 1000), text


class SocketConnection(ChatConnection):
    """A connection whose frames go to a WebSocket: each frame delivered to it and its closing
    are queued, under the fake's lock, for the socket's thread to send."""

    def __init__(
        self, messaging: Messaging, claims: ChatTokenClaims, encode: Callable[[Frame], str]
    ) -> None:
        super().__init__(messaging, claims)
        self.outbox = Outbox()
        self._encode = encode

    def _receive(self, frame: Frame) -> None:
        if self._closure() is None:
            self.outbox.put(self._encode(frame))

    def _mark_closed(self, reason: str, code: int) -> bool:
        if not super()._mark_closed(reason, code):
            return False
        if reason == CLOSED_BY_CLIENT:
            self.outbox.finish()
        else:
            self.outbox.close(*close_frame(reason))
        return True

    def shut(self, reason: str) -> None:
        """Close from the service's side with ``reason``."""
        with self._messaging.lock:
            self._messaging.close(self, reason)


class ChatServer:
    """The Chat Messaging API of one fake on ``host:port`` (0: any free port)."""

    def __init__(self, state: ServiceState, host: str, port: int, guard: Guard) -> None:
        self._state = state
        self._guard = guard
        self._encode = _Encoder()
        # Both under the fake's lock: each socket's connection, and the threads serving them.
        self._sockets: dict[ServerConnection, SocketConnection] = {}
        self._handlers: set[threading.Thread] = set()
        self._closing = False
        self._stop = threading.Event()
        self._server = serve(
            self._serve_socket,
            host,
            port,
            select_subprotocol=lambda _, offered: offered[0] if len(offered) == 1 else None,
            process_request=self._guarded,
            process_response=self._admit,
            compression=None,
            close_timeout=CLOSE_TIMEOUT_SECONDS,
            logger=_log,
            family=socket.AF_INET6 if ":" in host else socket.AF_INET,
            **_NO_KEEPALIVE,
        )
        self.port = int(self._server.socket.getsockname()[1])
        # Daemon threads (the socket threads serve_forever starts inherit it): a server left open
        # never keeps the interpreter from exiting.
        self._threads = [
            threading.Thread(
                target=self._server.serve_forever, name="fake-ivschat-ws", daemon=True
            ),
            threading.Thread(target=self._tick, name="fake-ivschat-ws-sessions", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def _guarded(self, ws: ServerConnection, request: Request) -> Response | None:
        """Refuse a handshake from a host or page origin not allowed, before its token is
        looked at (so it is not spent)."""
        try:
            self._guard.admit(request.headers.get_all("Host"), request.headers.get_all("Origin"))
        except Refusal as refused:
            return ws.respond(refused.status, refused.reason + "\n")
        return None

    def _admit(self, ws: ServerConnection, request: Request, response: Response) -> Response | None:
        """Once the upgrade is valid: open the connection with the echoed token (now spent), or
        refuse the handshake with the messaging error's status (401, 404)."""
        if response.status_code != 101:
            return None
        token = response.headers.get("Sec-WebSocket-Protocol")
        if token is None:
            return ws.respond(401, NO_TOKEN)
        with self._state.lock:
            if self._closing:
                return ws.respond(503, CLOSING)
            try:
                chat = self._state.messaging.connect(token, self._socket_connection)
            except ChatConnectionError as refused:
                return ws.respond(refused.code, refused.message + "\n")
            assert isinstance(chat, SocketConnection)
            self._sockets[ws] = chat
        return None

    def _socket_connection(self, messaging: Messaging, claims: ChatTokenClaims) -> ChatConnection:
        return SocketConnection(messaging, claims, self._encode)

    def _serve_socket(self, ws: ServerConnection) -> None:
        """One socket, after its handshake: this thread sends, another receives."""
        with self._state.lock:
            chat = self._sockets.get(ws)
            if chat is None:  # closed before its handler ran
                return
            self._handlers.add(threading.current_thread())
        receiver = threading.Thread(target=_receive, args=(ws, chat), daemon=True)
        receiver.start()
        try:
            _send(ws, chat.outbox)
        finally:
            receiver.join()
            chat.close()
            with self._state.lock:
                self._sockets.pop(ws, None)
                self._handlers.discard(threading.current_thread())

    def _tick(self) -> None:
        """Close sockets whose session expired (by the fake's clock) even if the room is idle,
        and forget connections whose handshake never reached a handler."""
        while not self._stop.wait(TICK_SECONDS):
            with self._state.lock:
                for ws, chat in list(self._sockets.items()):
                    if chat.closed:  # reading it closes an expired session
                        continue
                    if ws.protocol.state is State.CLOSED:
                        chat.close()
                        self._sockets.pop(ws, None)

    def close(self) -> None:
        """Close every socket with a close frame (1001), stop serving, join the threads."""
        with self._state.lock:
            if self._closing:
                return
            self._closing = True
            for chat in self._sockets.values():
                chat.shut(SERVER_CLOSED)
            handlers = list(self._handlers)
        self._stop.set()
        for handler in handlers:  # each sends what its socket has queued, then the close frame
            handler.join(timeout=CLOSE_TIMEOUT_SECONDS)
        self._server.shutdown()
        for thread in self._threads:
            thread.join(timeout=CLOSE_TIMEOUT_SECONDS)


def _send(ws: ServerConnection, outbox: Outbox) -> None:
    while True:
        item = outbox.take()
        if item is None:
            return
        try:
            if isinstance(item, _Close):
                ws.close(item.code, item.reason)
                return
            ws.send(item)
        except ConnectionClosed:
            return


def _receive(ws: ServerConnection, chat: ChatConnection) -> None:
    """Publish each frame the client sends, as an in-process connection's ``send`` does."""
    try:
        for data in ws:
            try:
                chat.send(data)
            except ChatConnectionError:  # closed meanwhile: its close frame is on its way
                pass
            except Exception:  # a bug of the fake: logged, the socket goes on
                _log.exception("fake_ivschat failed while answering a WebSocket frame")
    except ConnectionClosed:
        pass
    finally:
        chat.close()

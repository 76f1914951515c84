"""The Chat Messaging API over WebSocket (``websockets``' threaded server): the chat token is the
only subprotocol and is echoed; each socket is one more connection sink of its room, fed by the
same hub as in-process connections, in the same order; what a client sends is published as an
in-process connection's request is.

Closing is bounded whatever clients do: when the server closes, each socket has
``CLOSE_GRACE_SECONDS`` to take its close frame (after the frames queued before it); one that does
not (its client stopped reading, or floods pings and never reads the pongs) is abandoned, its TCP
connection reset, and connections still in their opening handshake are abandoned at once. A
socket the service closes while serving has ``SOCKET_CLOSE_GRACE_SECONDS``."""

from __future__ import annotations

import contextlib
import logging
import socket
import struct
import threading
from inspect import signature
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.protocol import State
from websockets.sync.server import ServerConnection, serve

from .._service.connection import ChatConnection
from .._service.errors import ChatConnectionError
from .._service.messaging import Messaging
from .._service.state import ServiceState
from .._service.tokens import ChatTokenClaims
from .bounds import CLOSE_GRACE_SECONDS, MAX_FRAME_BYTES, SOCKET_CLOSE_GRACE_SECONDS
from .guard import Guard, Refusal
from .outbox import SERVER_CLOSED, CloseFrame, Encoder, Outbox, SocketConnection

_log = logging.getLogger("fake_ivschat.server")

NO_TOKEN = "Connect with the chat token as the only Sec-WebSocket-Protocol value.\n"
CLOSING = "The server is closing.\n"
# How often sessions of idle sockets are checked for expiry, and closing sockets for their grace.
TICK_SECONDS = 0.2
_GRACE_TICKS = round(SOCKET_CLOSE_GRACE_SECONDS / TICK_SECONDS)
# For the threads of a server whose sockets are all closed or abandoned to end (they take
# milliseconds); all are daemons, so one still ending after that never holds up the interpreter.
_STOP_SECONDS = (0.3, 0.1)  # websockets' shutdown(), then each of our own threads


# The server sends no pings (the SDK needs none; clients may ping it): websockets >= 15 would send
# them, earlier threaded servers cannot.
_NO_KEEPALIVE = {"ping_interval": None} if "ping_interval" in signature(serve).parameters else {}


_ABANDONED = "fake_ivschat_abandoned"  # set on a connection the fake abandoned


def _abandon(ws: ServerConnection) -> None:
    """Reset the connection: a thread blocked sending to it or reading it returns at once."""
    setattr(ws, _ABANDONED, True)
    with contextlib.suppress(OSError):  # already closed
        ws.socket.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        ws.socket.shutdown(socket.SHUT_RDWR)


def _not_abandoned(record: logging.LogRecord) -> bool:
    """Drop what websockets reports of a connection the fake abandoned: its threads may race
    over the reset socket ("unexpected internal error"), which is no failure of anyone."""
    websocket = getattr(record, "websocket", None)  # websockets' own records name it
    try:
        return not getattr(websocket, _ABANDONED, False)
    except ReferenceError:  # a weak proxy to a connection gone
        return True


_log.addFilter(_not_abandoned)


class _Tracker:
    """Every connection of a server from its accept on, handshake done or not, so that closing
    can abandon any of them; one made once everything is abandoned is abandoned at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._connections: set[ServerConnection] = set()
        self._abandoning = False
        tracker = self

        class Tracked(ServerConnection):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                tracker._add(self)

        self.connection_class = Tracked

    def _add(self, ws: ServerConnection) -> None:
        with self._lock:
            self._connections.add(ws)
            if self._abandoning:
                _abandon(ws)

    def forget_closed(self) -> None:
        with self._lock:
            self._connections = {
                ws for ws in self._connections if ws.protocol.state is not State.CLOSED
            }

    def abandon_unrequested(self) -> None:
        """Abandon the connections whose opening request has not arrived (all of it)."""
        with self._lock:
            for ws in self._connections:
                if ws.request is None and ws.protocol.state is State.CONNECTING:
                    _abandon(ws)

    def abandon_all(self) -> None:
        with self._lock:
            self._abandoning = True
            for ws in self._connections:
                if ws.protocol.state is not State.CLOSED:
                    _abandon(ws)


class ChatServer:
    """The Chat Messaging API of one fake on ``host:port`` (0: any free port); a socket with
    more than ``max_unsent_bytes`` of frames unsent is cut off."""

    def __init__(
        self, state: ServiceState, host: str, port: int, guard: Guard, max_unsent_bytes: int
    ) -> None:
        self._state = state
        self._guard = guard
        self._encode = Encoder()
        self._max_unsent = max_unsent_bytes
        # Under the fake's lock: each socket's connection, from its admission to its thread's end.
        self._sockets: dict[ServerConnection, SocketConnection] = {}
        self._closing = False
        self._quiet = threading.Event()  # closing, and no socket left
        self._stop = threading.Event()
        self._tracker = _Tracker()
        self._server = serve(
            self._serve_socket,
            host,
            port,
            select_subprotocol=lambda _, offered: offered[0] if len(offered) == 1 else None,
            process_request=self._guarded,
            process_response=self._admit,
            compression=None,
            close_timeout=CLOSE_GRACE_SECONDS,
            max_size=MAX_FRAME_BYTES,
            create_connection=self._tracker.connection_class,
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
        return SocketConnection(messaging, claims, self._encode, self._max_unsent)

    def _serve_socket(self, ws: ServerConnection) -> None:
        """One socket, after its handshake: this thread sends, another receives."""
        with self._state.lock:
            chat = self._sockets.get(ws)
            if chat is None:  # closed before its handler ran
                return
        receiver = threading.Thread(target=_receive, args=(ws, chat), daemon=True)
        receiver.start()
        try:
            _send(ws, chat.outbox)
        finally:
            receiver.join()
            chat.close()
            with self._state.lock:
                self._forget(ws)

    def _tick(self) -> None:
        """Close sockets whose session expired (by the fake's clock) even if the room is idle,
        abandon those the service closed that did not take their close frame in the grace, and
        forget connections whose handshake never reached a handler."""
        while not self._stop.wait(TICK_SECONDS):
            late = []
            with self._state.lock:
                for ws, chat in list(self._sockets.items()):
                    if ws.protocol.state is State.CLOSED:
                        chat.close()
                        self._forget(ws)
                    elif chat.closed:  # reading it closes an expired session
                        chat.closing_ticks += 1
                        if chat.closing_ticks > _GRACE_TICKS:
                            late.append(ws)
            for ws in late:
                _abandon(ws)
            self._tracker.forget_closed()

    def _forget(self, ws: ServerConnection) -> None:
        """A socket is over (under the fake's lock)."""
        self._sockets.pop(ws, None)
        if self._closing and not self._sockets:
            self._quiet.set()

    def close(self) -> None:
        """Close every socket with a close frame (1001) after the frames queued for it, stop
        serving, join the threads: within about ``CLOSE_GRACE_SECONDS``, whatever clients do."""
        with self._state.lock:
            if self._closing:
                return
            self._closing = True
            for chat in self._sockets.values():
                chat.shut(SERVER_CLOSED)
            if not self._sockets:
                self._quiet.set()
        self._server.socket.close()  # no new connection from now on
        self._tracker.abandon_unrequested()  # nothing to answer them
        self._quiet.wait(CLOSE_GRACE_SECONDS)  # each socket sends what it has, then closes
        self._tracker.abandon_all()  # those that could not take it
        self._stop.set()
        stopping = threading.Thread(target=self._server.shutdown, daemon=True)
        stopping.start()
        stopping.join(timeout=_STOP_SECONDS[0])
        for thread in self._threads:
            thread.join(timeout=_STOP_SECONDS[1])


def _send(ws: ServerConnection, outbox: Outbox) -> None:
    while True:
        item = outbox.take()
        if item is None:
            return
        try:
            if isinstance(item, CloseFrame):
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
    except Exception:  # older websockets releases may trip on their own state once reset
        if not getattr(ws, _ABANDONED, False):
            raise
    finally:
        chat.close()

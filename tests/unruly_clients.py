"""Clients of a served fake that misbehave as real ones do: a stock ``websockets`` client that
stops reading (a paused tab, a process at a breakpoint), one that floods pings and never reads
the pongs, TCP connections that never finish their opening handshake, and a room flooded with
large frames fast (in-process DELETE_MESSAGE events: no rate limit, ~2 KB each)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager, suppress
from typing import Any
from urllib.parse import urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.protocol import State
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Subprotocol

from fake_ivschat import ChatConnection, FakeIvsChat
from fake_ivschat._transport.server import Server

ALL = ["SEND_MESSAGE", "DELETE_MESSAGE", "DISCONNECT_USER"]
# A DELETE_MESSAGE event frame as large as requests allow: each "é" is 6 bytes of JSON (\u00e9).
MESSAGE_ID = "m" * 128
REASON = "é" * 256
FRAME_BYTES = 1974
# More than loopback's kernel buffers take for one socket (~2.8 MB here; tcp_wmem's 4 MiB
# at most) before the server's sender blocks.
KERNEL_BYTES = 6 * 1024 * 1024


class Room:
    """A served fake with one room, a moderator connection in it to flood it, and ways in."""

    def __init__(self, fake: FakeIvsChat, server: Server, clients: ExitStack) -> None:
        self.fake, self.server, self._clients = fake, server, clients
        self.client: Any = fake.client("us-west-2")
        self.arn: str = self.client.create_room(name="soak")["arn"]
        self.moderator = fake.connect(self.token("moderator"))

    def token(self, user: str, **kwargs: Any) -> str:
        return str(
            self.client.create_chat_token(
                roomIdentifier=self.arn, userId=user, capabilities=ALL, **kwargs
            )["token"]
        )

    def socket(self, user: str, **kwargs: Any) -> ClientConnection:
        """A stock websockets client (keepalive off unless asked)."""
        token = Subprotocol(self.token(user))
        ws: ClientConnection = connect(
            self.server.chat_url, subprotocols=[token], **_keepalive(kwargs)
        )
        self._clients.enter_context(ws)
        return ws

    def stalled(self, user: str, **kwargs: Any) -> ClientConnection:
        """A stock websockets client that reads nothing unless asked (``stalled``)."""
        ws = stalled(self.server.chat_url, self.token(user), **kwargs)
        self._clients.enter_context(ws)
        self._clients.callback(abort, ws)  # first: its close() could wait on its full buffers
        return ws

    def flood(
        self,
        count: int,
        *,
        until: Callable[[], bool] = lambda: False,
        readers: Sequence[Reader] = (),
        at: Mapping[int, Callable[[], object]] | None = None,
    ) -> int:
        """Publish ``count`` large events (fewer if ``until()`` turns true), at the pace of the
        slowest of ``readers`` (a test publishes far faster than a Python client reads), doing
        ``at[n]()`` before the n-th (a multiple of 50): how many were published."""
        for n in range(count):
            if n % 50 == 0:
                if until():
                    return n
                self._pace(readers)
                if at and n in at:
                    at[n]()
            self.moderator.delete_message(MESSAGE_ID, REASON)
        return count

    def _pace(self, readers: Sequence[Reader]) -> None:
        """Wait until each reader has every frame of the room but the last 100 at most."""
        deadline = time.monotonic() + 10
        for reader in readers:
            while len(reader.frames) < len(self.moderator.received) - 100:
                assert time.monotonic() < deadline, "a reader fell behind"
                time.sleep(0.001)


def stalled(url: str, token: str, **kwargs: Any) -> ClientConnection:
    """A stock websockets client (keepalive off) that reads nothing unless asked: a 4 KiB
    receive buffer, and once ``max_queue`` (1) frames wait unread in it, websockets reads no
    more."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(5)
    sock.connect(_address(url))
    sock.settimeout(None)
    kwargs.setdefault("max_queue", 1)
    ws: ClientConnection = connect(
        url, sock=sock, subprotocols=[Subprotocol(token)], **_keepalive(kwargs)
    )
    return ws


def _keepalive(kwargs: dict[str, Any]) -> dict[str, Any]:
    """``kwargs`` with keepalive off unless asked."""
    return {**kwargs, "ping_interval": kwargs.pop("ping_interval", None)}


def abort(ws: ClientConnection) -> None:
    """End a client's connection at once, whatever its threads are blocked on."""
    with suppress(OSError):
        ws.socket.shutdown(socket.SHUT_RDWR)
    ws.close_socket()


def _address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None
    return parts.hostname, parts.port


@contextmanager
def served(**options: Any) -> Iterator[Room]:
    fake = FakeIvsChat()
    server = fake.serve(**options)
    try:
        with ExitStack() as clients:
            yield Room(fake, server, clients)
            clients.callback(_close_within, server, 15)  # closed before its clients
    finally:
        _close_within(server, 15)


def _close_within(server: Server, seconds: float) -> None:
    """Bounded even if close() hangs (the test has failed then)."""
    closing = threading.Thread(target=server.close, daemon=True)
    closing.start()
    closing.join(seconds)


def half_open(url: str, sent: bytes = b"") -> socket.socket:
    """A TCP connection that sends ``sent`` (nothing: a readiness probe; part of a request: a
    half-sent upgrade) and then waits; the caller closes it."""
    sock = socket.create_connection(_address(url), timeout=5)
    if sent:
        sock.sendall(sent)
    return sock


class PingFlood:
    """Pings over ``ws`` (125-byte payloads) until ``stop()`` or the connection ends, from a
    daemon thread; ``ws`` reads nothing (``Room.stalled``), so the pongs pile up until every
    buffer on the way is full and the server reads no more of its pings."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.sent = 0
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._pings, daemon=True)
        self.thread.start()

    def _pings(self) -> None:
        try:
            while not self._stop.is_set():
                self.ws.ping(f"{self.sent:0125d}")
                self.sent += 1
        except (ConnectionClosed, OSError):
            return
        except RuntimeError:
            # websockets 15.0 closing its socket under a ping races with itself ("dictionary
            # changed size during iteration"), once the connection has ended all the same.
            if self.ws.protocol.state is not State.CLOSED:
                raise

    def until_blocked(self, limit: float = 20) -> None:
        """Return once no ping has gone out for 0.3 s: the buffers are full."""
        deadline = time.monotonic() + limit
        last = -1
        while self.sent != last:
            assert time.monotonic() < deadline, f"{self.sent} pings and still not blocked"
            last = self.sent
            time.sleep(0.3)

    def stop(self) -> None:
        self._stop.set()


class Reader:
    """Reads a socket on a daemon thread until it closes: the frames, then the close frame."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.frames: list[dict[str, Any]] = []
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            for text in self.ws:
                self.frames.append(json.loads(text))
        except ConnectionClosed:
            pass

    def close_frame(self, timeout: float = 5) -> tuple[int, str] | None:
        """The server's close frame (None: the socket ended without one)."""
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "the socket is still open"
        received = self.ws.protocol.close_rcvd
        return None if received is None else (received.code, received.reason)


def ids(frames: list[dict[str, Any]]) -> list[str]:
    return [str(frame["Id"]) for frame in frames]


def seen(connection: ChatConnection) -> list[str]:
    return [str(frame["Id"]) for frame in connection.received]


def timed(call: Callable[[], None], limit: float = 15) -> float:
    """How long ``call()`` took; AssertionError if it is still blocked after ``limit`` s (so
    that a regression fails instead of hanging the suite)."""
    start = time.perf_counter()
    worker = threading.Thread(target=call, daemon=True)
    worker.start()
    worker.join(limit)
    assert not worker.is_alive(), f"still blocked after {limit} s"
    return time.perf_counter() - start

"""A served fake stays dependable whatever its clients do: closing takes under 2 s (clients that
stop reading, ping floods, connections that never finish their handshake), and a socket whose
unsent frames pass ``max_unsent_bytes`` is cut off alone, with a close frame saying why."""

from __future__ import annotations

import json
import logging
import time

import pytest
from unruly_clients import (
    FRAME_BYTES,
    KERNEL_BYTES,
    PingFlood,
    Reader,
    half_open,
    ids,
    seen,
    served,
    timed,
)
from websockets.exceptions import ConnectionClosed

from fake_ivschat import FakeIvsChat

CLOSE_LIMIT = 2.0  # seconds: the promise


def test_close_is_bounded_when_a_client_stops_reading() -> None:
    with served() as room:
        stalled = room.stalled("paused-tab")
        reader = Reader(room.socket("reader"))
        room.flood(KERNEL_BYTES // FRAME_BYTES, readers=[reader])  # more than kernels take
        took = timed(room.server.close)
    assert took < CLOSE_LIMIT
    # The reading socket got every frame, then the close frame; the stalled one was abandoned.
    assert reader.close_frame() == (1001, "server closed")
    assert ids(reader.frames) == seen(room.moderator)
    with pytest.raises(ConnectionClosed):
        while True:
            stalled.recv(timeout=5)


def test_close_is_bounded_with_a_ping_flood_whose_pongs_are_never_read() -> None:
    with served() as room:
        flooder = room.stalled("pinger")
        room.flood(20)  # unread: the flooder reads no more
        flood = PingFlood(flooder)
        try:
            flood.until_blocked()
            took = timed(room.server.close)
        finally:
            flood.stop()
        flood.thread.join(5)
    assert took < CLOSE_LIMIT
    assert not flood.thread.is_alive()


@pytest.mark.parametrize("keepalive", [None, 20.0], ids=["keepalive-off", "keepalive-on"])
def test_close_is_bounded_with_a_stock_client_left_open(keepalive: float | None) -> None:
    """A test that connects a websockets client, gets more frames than it reads, and forgets to
    close it: the client reads no more once 16 frames wait (its default max_queue)."""
    with served() as room:
        forgotten = room.socket("forgetful", ping_interval=keepalive)
        room.flood(KERNEL_BYTES // FRAME_BYTES)
        took = timed(room.server.close)
        forgotten.close()
    assert took < CLOSE_LIMIT


def test_close_does_not_wait_for_connections_still_in_their_opening_handshake() -> None:
    with served() as room:
        chat, endpoint = room.server.chat_url, room.server.endpoint_url
        probes = [
            half_open(chat),  # a readiness probe
            half_open(chat, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"),
            half_open(endpoint),
            half_open(endpoint, b"POST /rooms HTTP/1.1\r\nContent-Length: 100\r\n\r\n{"),
        ]
        reader = Reader(room.socket("reader"))
        room.flood(10, readers=[reader])
        try:
            took = timed(room.server.close)
        finally:
            for probe in probes:
                probe.close()
    assert took < 1.0  # nothing to wait for: no grace is spent on them
    assert reader.close_frame() == (1001, "server closed")
    assert len(reader.frames) == 10


def _cut_off(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        record
        for record in caplog.records
        if record.name == "fake_ivschat.server" and "max_unsent_bytes" in record.getMessage()
    ]


def _cut(caplog: pytest.LogCaptureFixture) -> bool:
    return bool(_cut_off(caplog))


def test_a_socket_whose_unsent_frames_pass_the_bound_is_cut_off_alone(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bound = 1024 * 1024
    caplog.set_level(logging.WARNING, logger="fake_ivschat")
    with served(max_unsent_bytes=bound) as room:
        stalled = room.stalled("paused-tab")
        reader = Reader(room.socket("reader"))
        flooded = room.flood(
            (KERNEL_BYTES + bound) // FRAME_BYTES, until=lambda: _cut(caplog), readers=[reader]
        )
        assert _cut_off(caplog), "the stalled socket was never cut off"
        # It reads again at last: what it had been sent, in order, then a close frame saying why.
        got = []
        with pytest.raises(ConnectionClosed):
            while True:
                got.append(json.loads(stalled.recv(timeout=5))["Id"])
        assert stalled.protocol.close_rcvd is not None
        code, reason = stalled.protocol.close_rcvd.code, stalled.protocol.close_rcvd.reason
        assert (code, reason) == (1008, f"over {bound} bytes of frames unsent: reading too slowly")
        room.flood(20, readers=[reader])  # the others go on, in order
        assert got == seen(room.moderator)[: len(got)]
        assert len(got) < flooded
        took = timed(room.server.close)
    assert took < CLOSE_LIMIT
    assert reader.close_frame() == (1001, "server closed")
    assert ids(reader.frames) == seen(room.moderator)
    assert len(reader.frames) == flooded + 20
    [warning] = _cut_off(caplog)  # logged once
    assert warning.levelno == logging.WARNING
    assert "paused-tab" in warning.getMessage()


def test_the_default_bound_is_8_mib(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="fake_ivschat")
    mib = 1024 * 1024
    with served() as room:
        room.stalled("paused-tab")
        flooded = room.flood((8 * mib + KERNEL_BYTES) // FRAME_BYTES, until=lambda: _cut(caplog))
        assert _cut_off(caplog), "the stalled socket was never cut off"
        assert flooded * FRAME_BYTES > 8 * mib  # not before 8 MiB were queued...
        assert "max_unsent_bytes=8388608" in _cut_off(caplog)[0].getMessage()


@pytest.mark.parametrize("bad", [0, -1, 1.5, "8MiB", True])
def test_max_unsent_bytes_is_checked(bad: object) -> None:
    fake = FakeIvsChat()
    with pytest.raises((TypeError, ValueError), match="max_unsent_bytes must be an int >= 1"):
        fake.serve(max_unsent_bytes=bad)  # type: ignore[arg-type]


def test_a_frame_over_1_mib_closes_the_socket_with_1009() -> None:
    with served() as room:
        ws = room.socket("big")
        ws.send(json.dumps({"Action": "SEND_MESSAGE", "Content": "x" * (1024 * 1024)}))
        with pytest.raises(ConnectionClosed):
            while True:
                ws.recv(timeout=5)
        assert ws.protocol.close_rcvd is not None
        assert ws.protocol.close_rcvd.code == 1009


@pytest.mark.parametrize("reads_again_after", [0.1, 2.6], ids=["within-its-grace", "too-late"])
def test_a_stalled_socket_the_service_closes_is_reset_after_its_grace(
    reads_again_after: float,
) -> None:
    """DisconnectUser of a client that stopped reading: if it reads again within 2 s
    (SOCKET_CLOSE_GRACE_SECONDS) it gets every frame, then the close frame; later, the
    connection has been reset (and the server's threads for it are gone)."""
    with served() as room:
        stalled = room.stalled("paused-tab")
        sent = room.flood(KERNEL_BYTES // FRAME_BYTES)
        room.client.disconnect_user(roomIdentifier=room.arn, userId="paused-tab")
        time.sleep(reads_again_after)
        got = 0
        with pytest.raises(ConnectionClosed):
            while True:
                stalled.recv(timeout=5)
                got += 1
        if reads_again_after < 2:
            assert got == sent + 1  # the DISCONNECT_USER event last
            assert stalled.protocol.close_rcvd is not None
            assert stalled.protocol.close_rcvd.code == 1000
        else:
            assert got < sent
            assert stalled.protocol.close_rcvd is None  # reset: no close frame

"""A bounded soak of a served fake: tens of sockets in one room, readers among clients that stop
reading, flood pings, never finish their handshake, reset, or are disconnected, while frames
flow; then ``close()``. Readers lose nothing, the stalled are cut off at the bound, and closing
takes under 2 s."""

from __future__ import annotations

import json
import logging
import socket
import struct
import threading

import pytest
from unruly_clients import (
    FRAME_BYTES,
    KERNEL_BYTES,
    MESSAGE_ID,
    REASON,
    PingFlood,
    Reader,
    half_open,
    ids,
    seen,
    served,
    timed,
)
from websockets.sync.client import ClientConnection

BOUND = 1024 * 1024
READERS, STALLED, FLOODERS, RESETS, FROM_A_SOCKET = 12, 3, 2, 3, 300


def _reset(ws: ClientConnection) -> None:
    """Abort a client's TCP connection (RST), as a crashed process's kernel does."""
    ws.socket.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    ws.close_socket()


def test_soak(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="fake_ivschat")

    def warned() -> list[str]:
        return [r.getMessage() for r in caplog.records if "max_unsent_bytes" in r.getMessage()]

    slow = [f"stalled-{n}" for n in range(STALLED)] + [f"flooder-{n}" for n in range(FLOODERS)]
    with served(max_unsent_bytes=BOUND) as room:
        watcher = room.fake.connect(room.token("watcher"))
        readers = [Reader(room.socket(f"reader-{n}")) for n in range(READERS)]
        leaving = [Reader(room.socket("leaving")) for _ in range(2)]
        stalled = [room.stalled(user) for user in slow]
        resets = [room.socket(f"reset-{n}") for n in range(RESETS)]
        probes = [half_open(room.server.chat_url) for _ in range(3)]
        probes.append(half_open(room.server.chat_url, b"GET / HTTP/1.1\r\nUpgrade: websocket\r\n"))
        room.flood(20, readers=readers)  # unread by the stalled: they read no more
        floods = [PingFlood(ws) for ws in stalled[STALLED:]]
        request = json.dumps({"Action": "DELETE_MESSAGE", "Id": MESSAGE_ID, "Reason": REASON})

        def from_a_socket() -> None:
            for _ in range(FROM_A_SOCKET):
                readers[0].ws.send(request)

        def reset() -> None:
            for ws in resets:
                _reset(ws)

        def leave() -> None:
            room.client.disconnect_user(roomIdentifier=room.arn, userId="leaving", reason="soak")

        sender = threading.Thread(target=from_a_socket, daemon=True)
        sender.start()
        try:
            flooded = room.flood(
                (KERNEL_BYTES + BOUND) // FRAME_BYTES,
                until=lambda: len(warned()) >= len(slow),
                readers=readers,
                at={200: reset, 400: leave},
            )
            sender.join(30)
            assert not sender.is_alive()
            room.flood(50)  # a last burst, still queued when close() starts
            took = timed(room.server.close)
        finally:
            for flood in floods:
                flood.stop()
            for probe in probes:
                probe.close()
    assert took < 2.0
    everything = seen(watcher)
    assert len(everything) == 20 + flooded + FROM_A_SOCKET + 50 + 1  # + the disconnect event
    for reader in readers:
        assert reader.close_frame() == (1001, "server closed")
        assert ids(reader.frames) == everything
    for reader in leaving:
        assert reader.close_frame() == (1000, "DisconnectUser: soak")
        assert ids(reader.frames) == everything[: len(reader.frames)]
        assert reader.frames[-1]["EventName"] == "aws:DISCONNECT_USER"
    assert sorted(message.split("'")[1] for message in warned()) == sorted(slow)  # each once
    for flood in floods:
        flood.thread.join(5)
        assert not flood.thread.is_alive()

"""The Chat Messaging API over WebSocket: Python ``websockets`` clients (the token as the only
subprotocol) are peers of in-process connections in one room; refused handshakes; close frames."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from freezegun import freeze_time
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Subprotocol

from fake_ivschat import FakeIvsChat
from fake_ivschat._transport.server import Server

ALL = ["SEND_MESSAGE", "DELETE_MESSAGE", "DISCONNECT_USER"]


class Room:
    """A served fake with one room, and ways into it."""

    def __init__(self, fake: FakeIvsChat, server: Server) -> None:
        self.fake, self.server = fake, server
        self.client: Any = fake.client("us-west-2")  # Any: capabilities are any strings here
        room = self.client.create_room(name="lobby", maximumMessageRatePerSecond=100)
        self.arn: str = room["arn"]

    def token(self, user: str, capabilities: list[str] | None = None, **kwargs: Any) -> str:
        return str(
            self.client.create_chat_token(
                roomIdentifier=self.arn, userId=user, capabilities=capabilities or ALL, **kwargs
            )["token"]
        )

    def socket(self, user: str, **kwargs: Any) -> ClientConnection:
        return connect(self.server.chat_url, subprotocols=[Subprotocol(self.token(user, **kwargs))])


@pytest.fixture
def room() -> Iterator[Room]:
    fake = FakeIvsChat()
    with fake.serve() as server:
        yield Room(fake, server)


def frames(ws: ClientConnection, count: int) -> list[dict[str, Any]]:
    received = []
    for _ in range(count):
        text = ws.recv(timeout=5)
        assert isinstance(text, str)  # text frames only: browsers drop binary ones
        received.append(json.loads(text))
    return received


def closed(ws: ClientConnection) -> tuple[int | None, str | None]:
    """Read until the server closes the socket: its close code and reason."""
    with pytest.raises(ConnectionClosed):
        while True:
            ws.recv(timeout=5)
    assert ws.protocol.close_rcvd is not None, "the server closed without a close frame"
    return ws.protocol.close_rcvd.code, ws.protocol.close_rcvd.reason


def eventually(condition: Callable[[], bool], what: str) -> None:
    for _ in range(500):
        if condition():
            return
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def test_the_token_is_echoed_and_frames_are_json_text(room: Room) -> None:
    token = room.token("ana", attributes={"color": "red"})
    with connect(room.server.chat_url, subprotocols=[Subprotocol(token)]) as ws:
        assert ws.subprotocol == token
        ws.send(json.dumps({"Action": "SEND_MESSAGE", "RequestId": "r-1", "Content": "hi"}))
        [frame] = frames(ws, 1)
    message = room.fake.assert_message("hi", user_id="ana")
    assert frame == dict(message.payload)
    assert frame["RequestId"] == "r-1"
    assert frame["Sender"] == {"UserId": "ana", "Attributes": {"color": "red"}}


def test_sockets_and_in_process_connections_see_one_order(room: Room) -> None:
    with room.socket("ana") as ana, room.socket("bob") as bob:
        carl = room.fake.connect(room.token("carl"))
        per_sender = 10

        def from_socket() -> None:
            for n in range(per_sender):
                ana.send(json.dumps({"Action": "SEND_MESSAGE", "Content": f"ana {n}"}))

        def from_process() -> None:
            for n in range(per_sender):
                carl.send_message(f"carl {n}")

        def from_control_plane() -> None:
            client = room.fake.client("us-west-2")
            for n in range(per_sender):
                client.send_event(roomIdentifier=room.arn, eventName=f"tick-{n}")

        senders = [
            threading.Thread(target=f) for f in (from_socket, from_process, from_control_plane)
        ]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join()
        seen_by_ana, seen_by_bob = frames(ana, 3 * per_sender), frames(bob, 3 * per_sender)
    seen_by_carl = [dict(frame) for frame in carl.received]
    assert seen_by_ana == seen_by_bob == seen_by_carl
    assert len({frame["Id"] for frame in seen_by_ana}) == 3 * per_sender


def test_a_socket_is_answered_with_error_frames(room: Room) -> None:
    with room.socket("ana", capabilities=["SEND_MESSAGE"]) as ws:
        ws.send("not json")
        ws.send(json.dumps({"Action": "DELETE_MESSAGE", "RequestId": "r-2", "Id": "x"}))
        ws.send(b'{"Action": "SEND_MESSAGE", "Content": "bytes too"}')
        error, forbidden, message = frames(ws, 3)
    assert (error["Type"], error["ErrorCode"]) == ("ERROR", 400)
    assert (forbidden["ErrorCode"], forbidden["RequestId"]) == (403, "r-2")
    assert message["Content"] == "bytes too"


def refusal(url: str, subprotocols: list[str] | None) -> tuple[int, str]:
    offered = None if subprotocols is None else [Subprotocol(s) for s in subprotocols]
    with pytest.raises(InvalidStatus) as info:
        connect(url, subprotocols=offered)
    response = info.value.response
    return response.status_code, (response.body or b"").decode()


def test_handshakes_are_refused_with_401_or_404(room: Room) -> None:
    url = room.server.chat_url
    spent = room.token("ana")
    room.fake.connect(spent)
    assert refusal(url, [spent]) == (
        401,
        "This chat token was already used to connect; create a new one.\n",
    )
    status, text = refusal(url, [room.token("ana")[:-4] + "AAAA"])
    assert (status, text.split(":")[0]) == (401, "Invalid chat token")
    assert refusal(url, None)[0] == 401
    assert refusal(url, [room.token("ana"), "chat"]) == (
        401,
        "Connect with the chat token as the only Sec-WebSocket-Protocol value.\n",
    )
    orphan = room.token("ana")
    room.client.delete_room(identifier=room.arn)
    assert refusal(url, [orphan]) == (404, f"The chat token's room does not exist: {room.arn}.\n")


def test_an_expired_token_is_refused(room: Room) -> None:
    with time_machine.travel(time.time(), tick=False) as traveller:
        token = room.token("ana")
        traveller.shift(61)
        status, text = refusal(room.server.chat_url, [token])
    assert (status, text.split(" at ")[0]) == (401, "This chat token expired")


def test_disconnect_user_closes_every_socket_of_the_user(room: Room) -> None:
    with room.socket("ana") as ana, room.socket("ana") as again, room.socket("bob") as bob:
        room.client.disconnect_user(roomIdentifier=room.arn, userId="ana", reason="spam")
        [event] = frames(bob, 1)
        assert event["EventName"] == "aws:DISCONNECT_USER"
        assert frames(ana, 1) == [event]  # the event first, then the close frame
        assert closed(ana) == (1000, "DisconnectUser: spam")
        assert closed(again)[0] == 1000
        bob.send(json.dumps({"Action": "DISCONNECT_USER", "UserId": "bob"}))  # itself
        assert closed(bob) == (1000, "DisconnectUser")


def test_delete_room_closes_its_sockets(room: Room) -> None:
    with room.socket("ana") as ws:
        room.client.delete_room(identifier=room.arn)
        assert closed(ws) == (1000, "DeleteRoom")


def test_an_idle_socket_is_closed_when_its_session_expires(room: Room) -> None:
    with time_machine.travel(time.time(), tick=False) as traveller:  # noqa: SIM117 (3.9)
        with room.socket("ana", sessionDurationInMinutes=1) as ws:
            traveller.shift(59)
            time.sleep(0.3)  # a check of idle sessions or more (every 0.2 s)
            ws.send(json.dumps({"Action": "SEND_MESSAGE", "Content": "still here"}))
            assert frames(ws, 1)[0]["Content"] == "still here"
            traveller.shift(2)  # nothing sent: the server's own check closes it
            assert closed(ws) == (1000, "session expired")


@pytest.mark.parametrize("clock", ["freezegun", "time-machine"])
def test_frozen_time_does_not_stop_the_servers(clock: str) -> None:
    frozen = (
        freeze_time("2024-05-01 12:00:00")
        if clock == "freezegun"
        else time_machine.travel("2024-05-01 12:00:00Z", tick=False)
    )
    fake = FakeIvsChat()
    with frozen, fake.serve() as server:
        room = Room(fake, server)
        with room.socket("ana") as ws:
            ws.send(json.dumps({"Action": "SEND_MESSAGE", "Content": "frozen"}))
            assert frames(ws, 1)[0]["SendTime"] == "2024-05-01T12:00:00Z"
            room.client.disconnect_user(roomIdentifier=room.arn, userId="ana")
            frames(ws, 1)
            assert closed(ws)[0] == 1000


def test_a_bot_answers_and_reconnects_with_a_new_token(room: Room) -> None:
    """A bot as the AWS sample writes one: connect with the token as subprotocol, answer
    messages, and connect again with a fresh token whenever the server closes the socket."""
    import asyncio

    import websockets

    connected: list[str] = []
    stop = threading.Event()

    async def bot() -> None:
        while not stop.is_set():
            token = room.token("bot")
            try:
                async with websockets.connect(
                    room.server.chat_url, subprotocols=[Subprotocol(token)]
                ) as ws:
                    connected.append(token)
                    async for text in ws:
                        frame = json.loads(text)
                        if frame["Type"] == "MESSAGE" and frame["Sender"]["UserId"] != "bot":
                            reply = {"Action": "SEND_MESSAGE", "Content": f"re: {frame['Content']}"}
                            await ws.send(json.dumps(reply))
            except ConnectionClosed:
                pass

    runner = threading.Thread(target=asyncio.run, args=(bot(),))
    runner.start()
    try:
        ana = room.fake.connect(room.token("ana"))
        eventually(lambda: len(connected) == 1, "the bot to connect")
        ana.send_message("hello")
        room.fake.wait_for_message("re: hello", user_id="bot")
        room.client.disconnect_user(roomIdentifier=room.arn, userId="bot")
        eventually(lambda: len(connected) == 2, "the bot to reconnect")
        ana.send_message("again")
        room.fake.wait_for_message("re: again", user_id="bot")
    finally:
        stop.set()
        room.server.close()
        runner.join(timeout=5)
    assert [m.content for m in room.fake.messages(user_id="bot")] == ["re: hello", "re: again"]

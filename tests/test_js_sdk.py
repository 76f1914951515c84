"""The official JavaScript SDK of the Chat Messaging API (``amazon-ivs-chat-messaging``, under
Node.js with ``ws`` as the global WebSocket) against ``fake.serve()``: tokens come from the Python
side, the SDK connects to ``server.chat_url``, and what it reports is checked here."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import time_machine
from real_clients import TIMEOUT, NodeDriver, hermetic_env, node_path
from websockets.sync.client import connect as websocket_connect

from fake_ivschat import FakeIvsChat

REGION = "us-west-2"
# ws reports 1006 for a socket that ended without a closing handshake: the SDK then reconnects.
ABNORMAL_CLOSURE = 1006


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeDriver]:
    """One Node.js process for the module (it starts in ~0.1 s; each test forgets its rooms)."""
    driver = NodeDriver(node_path(), hermetic_env(tmp_path_factory.mktemp("node")))
    yield driver
    driver.close()


@pytest.fixture
def js(node: NodeDriver) -> Iterator[NodeDriver]:
    yield node
    node.forget()


@pytest.fixture
def client(fake_ivschat: FakeIvsChat) -> Any:
    return fake_ivschat.client(region_name=REGION)


@pytest.fixture
def room_arn(client: Any) -> str:
    arn: str = client.create_room(name="lobby")["arn"]
    return arn


def chat_token(
    client: Any, room_arn: str, user: str, *capabilities: str, **options: Any
) -> dict[str, Any]:
    """What a tokenProvider returns: CreateChatToken's answer, with the times as ISO strings."""
    made = client.create_chat_token(
        roomIdentifier=room_arn, userId=user, capabilities=list(capabilities), **options
    )
    return {
        "token": made["token"],
        "sessionExpirationTime": made["sessionExpirationTime"].isoformat(),
        "tokenExpirationTime": made["tokenExpirationTime"].isoformat(),
    }


def open_room(js: NodeDriver, server: Any, name: str, token: dict[str, Any]) -> None:
    """A ChatRoom called ``name`` in the driver, connected to the fake's chat_url."""
    js.command("room", room=name, url=server.chat_url, token=token)
    js.wait_for(name, "connect")


def settled(js: NodeDriver, number: int) -> dict[str, Any]:
    """How the promise of request ``number`` settled: {"resolved": ...} or {"rejected": ...}."""
    answer = js.reply(number)
    assert "threw" not in answer, answer
    return answer


def assert_no_reconnect(js: NodeDriver, name: str) -> None:
    """``name`` ended for good, after a proper closing handshake: one token asked, no
    reconnecting, the room disconnected."""
    assert [count["count"] for count in js.events(name, "tokenRequested")] == [1]
    assert len(js.events(name, "connecting")) == 1
    assert js.command("state", room=name)["state"] == "disconnected"
    [closed] = js.events(name, "socketClose")
    assert closed["code"] != ABNORMAL_CLOSURE


def test_send_receive_and_delete_with_the_official_sdk(
    js: NodeDriver, fake_ivschat: FakeIvsChat, fake_ivschat_server: Any, client: Any, room_arn: str
) -> None:
    alice = chat_token(client, room_arn, "alice", "SEND_MESSAGE", "DELETE_MESSAGE")
    open_room(js, fake_ivschat_server, "alice", alice)
    open_room(js, fake_ivschat_server, "bob", chat_token(client, room_arn, "bob"))
    # The handshake echoed the token as the subprotocol.
    assert js.events("alice", "socketOpen") == [{"protocol": alice["token"]}]

    sent = settled(js, js.submit("send", room="alice", content="hello", attributes={"k": "v"}))
    message = sent["resolved"]
    assert message["content"] == "hello"
    assert message["attributes"] == {"k": "v"}
    assert message["sender"]["userId"] == "alice"
    assert js.wait_for("bob", "message") == message
    fake_ivschat.assert_message("hello", room=room_arn, user_id="alice", attributes={"k": "v"})

    deleted = settled(
        js, js.submit("delete", room="alice", messageId=message["id"], reason="oops")
    )["resolved"]
    assert (deleted["messageId"], deleted["reason"]) == (message["id"], "oops")
    assert js.wait_for("bob", "messageDelete") == deleted

    client.send_event(roomIdentifier=room_arn, eventName="app:poll", attributes={"q": "tea?"})
    event = js.wait_for("bob", "event")
    assert (event["eventName"], event["attributes"]) == ("app:poll", {"q": "tea?"})
    # Text frames only, each with an Id never seen before.
    frames = js.events("bob", "frame")
    assert not any(frame["binary"] for frame in frames)
    ids = [json.loads(frame["text"])["Id"] for frame in frames]
    assert len(ids) == len(set(ids)) == 3


def test_disconnect_user_resolves_and_ends_the_target_with_server_disconnect(
    js: NodeDriver, fake_ivschat_server: Any, client: Any, room_arn: str
) -> None:
    open_room(
        js, fake_ivschat_server, "mod", chat_token(client, room_arn, "mod", "DISCONNECT_USER")
    )
    open_room(js, fake_ivschat_server, "bob", chat_token(client, room_arn, "bob"))

    answer = settled(js, js.submit("disconnectUser", room="mod", userId="bob", reason="spam"))
    assert (answer["resolved"]["userId"], answer["resolved"]["reason"]) == ("bob", "spam")
    assert js.wait_for("bob", "disconnect") == "serverDisconnect"
    assert_no_reconnect(js, "bob")
    assert js.command("state", room="mod")["state"] == "connected"


def test_an_error_frame_rejects_the_request_promise_and_the_room_stays_connected(
    js: NodeDriver, fake_ivschat_server: Any, client: Any, room_arn: str
) -> None:
    client.update_room(identifier=room_arn, maximumMessageLength=5)
    open_room(js, fake_ivschat_server, "eve", chat_token(client, room_arn, "eve", "SEND_MESSAGE"))

    too_long = js.submit("send", room="eve", content="too long")
    forbidden = js.submit("delete", room="eve", messageId="abcdABCD1234")
    for number, code in ((too_long, 400), (forbidden, 403)):
        rejected = settled(js, number)["rejected"]
        assert rejected["errorCode"] == code
        assert rejected["errorMessage"]
    assert js.command("state", room="eve")["state"] == "connected"
    assert settled(js, js.submit("send", room="eve", content="short"))["resolved"]


def spent(fake: FakeIvsChat, client: Any, room_arn: str) -> dict[str, Any]:
    token = chat_token(client, room_arn, "spent")
    fake.connect(token["token"])
    return token


def of_a_deleted_room(fake: FakeIvsChat, client: Any, room_arn: str) -> dict[str, Any]:
    token = chat_token(client, room_arn, "late")
    client.delete_room(identifier=room_arn)
    return token


def never_issued(fake: FakeIvsChat, client: Any, room_arn: str) -> dict[str, Any]:
    return {"token": "notAChatTokenOfThisFake"}


@pytest.mark.parametrize("refused", [never_issued, spent, of_a_deleted_room])
def test_a_refused_token_ends_in_socket_error_after_the_retries(
    js: NodeDriver,
    fake_ivschat: FakeIvsChat,
    fake_ivschat_server: Any,
    client: Any,
    room_arn: str,
    refused: Any,
) -> None:
    token = refused(fake_ivschat, client, room_arn)
    js.command("room", room="r", url=fake_ivschat_server.chat_url, token=token)

    assert js.wait_for("r", "disconnect") == "socketError"
    # The first attempt and the SDK's 3 retries, each refused at the handshake.
    assert len(js.events("r", "tokenRequested")) == 4
    assert len(js.events("r", "socketError")) == 4
    assert js.events("r", "connect") == js.events("r", "socketOpen") == []


def delete_room(fake: FakeIvsChat, client: Any, room_arn: str) -> None:
    client.delete_room(identifier=room_arn)


def disconnect_user(fake: FakeIvsChat, client: Any, room_arn: str) -> None:
    client.disconnect_user(roomIdentifier=room_arn, userId="bob", reason="bye")


@pytest.mark.parametrize("ending", [disconnect_user, delete_room])
def test_the_server_ending_a_connection_is_server_disconnect_without_reconnect(
    js: NodeDriver,
    fake_ivschat: FakeIvsChat,
    fake_ivschat_server: Any,
    client: Any,
    room_arn: str,
    ending: Any,
) -> None:
    open_room(js, fake_ivschat_server, "bob", chat_token(client, room_arn, "bob"))
    ending(fake_ivschat, client, room_arn)

    assert js.wait_for("bob", "disconnect") == "serverDisconnect"
    assert_no_reconnect(js, "bob")


def test_session_expiry_is_server_disconnect_without_reconnect(
    js: NodeDriver, fake_ivschat_server: Any, client: Any, room_arn: str
) -> None:
    token = chat_token(client, room_arn, "bob", sessionDurationInMinutes=1)
    open_room(js, fake_ivschat_server, "bob", token)

    with time_machine.travel(datetime.now(timezone.utc) + timedelta(minutes=2), tick=True):
        # The server checks session expiry at least once a second, against the moved clock.
        assert js.wait_for("bob", "disconnect", timeout=3) == "serverDisconnect"
    assert_no_reconnect(js, "bob")


def test_the_sdk_a_websockets_client_and_an_in_process_connection_see_one_room(
    js: NodeDriver, fake_ivschat: FakeIvsChat, fake_ivschat_server: Any, client: Any, room_arn: str
) -> None:
    """Three kinds of client publish at once: each sees every frame, in the fake's one order."""
    js_token = chat_token(client, room_arn, "js", "SEND_MESSAGE", "DELETE_MESSAGE")
    open_room(js, fake_ivschat_server, "js", js_token)
    local = fake_ivschat.connect(chat_token(client, room_arn, "local", "SEND_MESSAGE")["token"])
    python_token = chat_token(client, room_arn, "py", "SEND_MESSAGE")["token"]
    with websocket_connect(fake_ivschat_server.chat_url, subprotocols=[python_token]) as python:
        sends = [js.submit("send", room="js", content=f"js {n}") for n in range(3)]
        in_process = threading.Thread(
            target=lambda: [local.send_message(f"local {n}") for n in range(3)]
        )
        in_process.start()
        for n in range(3):
            request = {"Action": "SEND_MESSAGE", "RequestId": f"py-{n}", "Content": f"py {n}"}
            python.send(json.dumps(request))
        in_process.join()
        first = settled(js, sends[0])["resolved"]
        js.command("delete", room="js", messageId=first["id"])
        client.send_event(roomIdentifier=room_arn, eventName="app:done")

        count = 3 * 3 + 2
        by_python = [json.loads(python.recv(timeout=TIMEOUT)) for _ in range(count)]
    by_js = [json.loads(frame["text"]) for frame in js.wait_for_count("js", "frame", count)]
    assert by_js == by_python == local.received
    assert sorted(frame["Content"] for frame in by_js if frame["Type"] == "MESSAGE") == sorted(
        f"{who} {n}" for who in ("js", "py", "local") for n in range(3)
    )

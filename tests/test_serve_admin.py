"""The admin routes under ``{endpoint_url}/_fake/``: what a test in another language reads and
arranges without Python (records as JSON, reset, error and fault injection)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from botocore.exceptions import ClientError
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect
from websockets.typing import Subprotocol

from fake_ivschat import FakeIvsChat
from fake_ivschat._transport.server import Server


@pytest.fixture
def served() -> Iterator[tuple[FakeIvsChat, Server]]:
    fake = FakeIvsChat(seed=3)
    with fake.serve() as server:
        yield fake, server


def admin(
    server: Server, method: str, route: str, body: Any = None, **query: str
) -> tuple[int, Any]:
    """(status, JSON) of one admin request."""
    url = f"{server.endpoint_url}/_fake/{route}" + (f"?{urlencode(query)}" if query else "")
    data = (
        None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    )
    request = urllib.request.Request(url, data=data, method=method)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def test_calls_are_json_objects_filtered_like_get_calls(
    served: tuple[FakeIvsChat, Server],
) -> None:
    fake, server = served
    client = fake.client("us-west-2")
    room = client.create_room(name="100", maximumMessageLength=100)
    client.create_room(name="other")
    with pytest.raises(ClientError):
        client.get_room(identifier=room["arn"] + "x")

    status, calls = admin(server, "GET", "calls")
    assert status == 200
    assert [call["operation"] for call in calls] == ["CreateRoom", "CreateRoom", "GetRoom"]
    first = calls[0]
    assert set(first) == {
        "operation",
        "region",
        "account_id",
        "params",
        "response",
        "error",
        "error_message",
    }
    assert first["params"] == {"name": "100", "maximumMessageLength": 100}
    assert first["response"]["arn"] == room["arn"] and first["error"] is None
    assert calls[2]["error"] == "ResourceNotFoundException" and calls[2]["error_message"]
    # A query value matches the string it is and the JSON value it reads as.
    for query in ({"name": "100"}, {"maximumMessageLength": "100"}):
        _, found = admin(server, "GET", "calls", operation="CreateRoom", **query)
        assert [call["params"]["name"] for call in found] == ["100"]
    assert admin(server, "GET", "calls", operation="CreateRoom", name="nope") == (200, [])
    status, problem = admin(server, "GET", "calls", operation="CreateRoom", nme="x")
    assert status == 400
    with pytest.raises(ValueError) as python:
        fake.get_calls("CreateRoom", nme="x")
    assert problem == {"message": str(python.value)}


def test_events_and_messages_with_their_filters(served: tuple[FakeIvsChat, Server]) -> None:
    fake, server = served
    client = fake.client("us-west-2")
    arn = client.create_room()["arn"]
    other = client.create_room()["arn"]
    token = client.create_chat_token(
        roomIdentifier=arn, userId="ana", capabilities=["SEND_MESSAGE"]
    )
    fake.connect(token["token"]).send_message("hi", {"k": "v"})
    client.send_event(roomIdentifier=arn, eventName="app:ping")
    client.send_event(roomIdentifier=other, eventName="app:ping")

    _, events = admin(server, "GET", "events", room=arn, name="app:ping")
    [event] = events
    recorded = fake.events(arn)[0]
    assert event["id"] == recorded.id and event["send_time"] == recorded.send_time.isoformat()
    assert set(event) == {
        "room_arn",
        "id",
        "event_name",
        "attributes",
        "request_id",
        "send_time",
        "payload",
    }
    assert len(admin(server, "GET", "events")[1]) == 2
    _, messages = admin(server, "GET", "messages", user_id="ana")
    assert [(m["content"], m["attributes"], m["sender_user_id"]) for m in messages] == [
        ("hi", {"k": "v"}, "ana")
    ]
    assert messages[0]["payload"] == dict(fake.messages()[0].payload)
    assert admin(server, "GET", "messages", user_id="bob") == (200, [])
    assert admin(server, "GET", "events", user_id="ana") == (
        400,
        {"message": "GET /_fake/events has no filter 'user_id'; its filters are room, name."},
    )
    status, problem = admin(server, "GET", "messages", room="lobby")
    assert status == 400 and problem["message"].startswith("room must be a room ARN")


def test_errors_and_faults_are_injected_as_in_python(served: tuple[FakeIvsChat, Server]) -> None:
    fake, server = served
    client = fake.client("us-west-2")
    body = {"operation": "ListRooms", "code": "AccessDeniedException", "message": "no", "times": 2}
    assert admin(server, "POST", "errors", body) == (200, {})
    assert admin(server, "POST", "faults", {"operation": "GetRoom", "kind": "http-503"}) == (
        200,
        {},
    )
    for _ in range(2):
        with pytest.raises(ClientError) as info:
            client.list_rooms()
        assert info.value.response["Error"] == {"Code": "AccessDeniedException", "Message": "no"}
    assert client.list_rooms()["rooms"] == []

    bad: dict[str, Any] = {"operation": "ListRooms", "code": "NoSuchError"}
    status, problem = admin(server, "POST", "errors", bad)
    with pytest.raises(ValueError) as python:
        fake.inject_error(**bad)
    assert (status, problem) == (400, {"message": str(python.value)})
    status, problem = admin(server, "POST", "errors", {"operation": "ListRooms"})
    assert status == 400 and "missing 1 required positional argument: 'code'" in problem["message"]
    assert admin(server, "POST", "errors", b"[1]") == (
        400,
        {"message": "POST /_fake/errors: the body must be a JSON object."},
    )
    assert admin(server, "POST", "errors", b"{")[0] == 400


def test_reset_gives_a_fresh_fake_and_closes_its_sockets(
    served: tuple[FakeIvsChat, Server],
) -> None:
    fake, server = served
    client = fake.client("us-west-2")
    arn = client.create_room()["arn"]
    token = client.create_chat_token(roomIdentifier=arn, userId="ana")["token"]
    unused = client.create_chat_token(roomIdentifier=arn, userId="bob")["token"]
    fake.inject_error("ListRooms", "AccessDeniedException")
    with connect(server.chat_url, subprotocols=[Subprotocol(token)]) as ws:
        assert admin(server, "POST", "reset") == (200, {})
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=5)
        assert ws.protocol.close_rcvd is not None and ws.protocol.close_rcvd.code == 1012
    assert client.list_rooms()["rooms"] == []  # the injected error is gone too
    assert [call.operation for call in fake.calls] == ["ListRooms"]
    with pytest.raises(InvalidStatus) as info:
        connect(server.chat_url, subprotocols=[Subprotocol(unused)])
    assert info.value.response.status_code == 401
    # Seeded: the fresh fake makes the same IDs again.
    assert client.create_room()["arn"] == arn


def test_unknown_admin_routes(served: tuple[FakeIvsChat, Server]) -> None:
    _, server = served
    status, problem = admin(server, "GET", "rooms")
    assert status == 404 and problem["message"].startswith("No admin route GET /_fake/rooms; ")
    assert admin(server, "GET", "reset")[0] == 405


def get(server: Server, target: str) -> tuple[int, Any]:
    """(status, JSON) of ``GET {endpoint_url}/_fake/{target}``, the query written as is."""
    request = urllib.request.Request(f"{server.endpoint_url}/_fake/{target}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


@pytest.mark.parametrize(
    ("target", "filter_"),
    [
        ("calls?name=a&name=b", "name"),
        ("calls?operation=CreateRoom&operation=GetRoom", "operation"),
        ("messages?user_id=ana&user_id=bob", "user_id"),
        ("events?room=x&name=a&name=a", "name"),
    ],
)
def test_a_filter_given_twice_is_refused_not_last_one_wins(
    served: tuple[FakeIvsChat, Server], target: str, filter_: str
) -> None:
    fake, server = served
    fake.client("us-west-2").create_room(name="b")
    status, problem = get(server, target)
    route = target.partition("?")[0]
    assert status == 400
    assert problem["message"] == (
        f"GET /_fake/{route}: the filter {filter_!r} is given more than once; give each filter"
        " once (filters combine with AND)."
    )


def test_a_filter_named_self_is_an_unknown_filter(served: tuple[FakeIvsChat, Server]) -> None:
    _, server = served
    status, problem = get(server, "calls?self=1")
    assert status == 400
    assert problem["message"].startswith("No ivschat operation has a parameter 'self'; ")
    status, problem = get(server, "calls?operation=CreateRoom&self=1")
    assert problem["message"].startswith("CreateRoom has no parameter 'self'; ")
    status, problem = get(server, "messages?self=1")
    assert (status, problem["message"]) == (
        400,
        "GET /_fake/messages has no filter 'self'; its filters are room, user_id.",
    )

"""What ``fake.calls`` and ``fake.get_calls()`` record: every call that reached the fake, as sent,
with its response or its error."""

from __future__ import annotations

import copy
import dataclasses
import json
import pickle
from collections.abc import Callable
from typing import Any, cast

import pytest

from fake_ivschat import FakeIvsChat, RecordedCall

REGION = "us-west-2"
MISSING_ROOM = f"arn:aws:ivschat:{REGION}:123456789012:room/g1H2I3j4k5L6"


def test_successful_calls_are_recorded_in_order(fake: FakeIvsChat, client: Any) -> None:
    room = client.create_room(name="lobby", tags={"k": "v"})
    client.send_event(roomIdentifier=room["arn"], eventName="app:start")
    client.delete_room(identifier=room["arn"])
    create, send, delete = fake.calls
    assert create == RecordedCall(
        operation="CreateRoom",
        region=REGION,
        account_id="123456789012",
        params={"name": "lobby", "tags": {"k": "v"}},
        response=create.response,
    )
    assert create.response is not None
    assert create.response["arn"] == room["arn"]
    assert create.response["createTime"].endswith("Z")  # the wire form, not a datetime
    assert create.error is None
    assert (send.operation, send.params) == (
        "SendEvent",
        {"roomIdentifier": room["arn"], "eventName": "app:start"},
    )
    assert send.response is not None
    assert send.response == {"id": fake.events()[0].id}
    assert (delete.operation, delete.response, delete.error) == ("DeleteRoom", None, None)


def test_failed_calls_are_recorded_with_their_error(fake: FakeIvsChat, client: Any) -> None:
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_room(identifier=MISSING_ROOM)
    with pytest.raises(client.exceptions.ValidationException):
        client.create_room(name="not valid!")
    missing, invalid = fake.calls
    assert (missing.operation, missing.error, missing.response) == (
        "GetRoom",
        "ResourceNotFoundException",
        None,
    )
    assert missing.params == {"identifier": MISSING_ROOM}
    assert missing.error_message == f"Room not found: {MISSING_ROOM}."
    assert (invalid.operation, invalid.error) == ("CreateRoom", "ValidationException")
    assert invalid.params == {"name": "not valid!"}
    assert fake.get_calls("CreateRoom", name="not valid!") == [invalid]


def test_calls_rejected_by_botocore_never_reach_the_fake(fake: FakeIvsChat, client: Any) -> None:
    with pytest.raises(Exception, match="Parameter validation failed"):
        client.get_room()
    assert fake.calls == []


def test_get_calls_filters_by_operation_and_params(fake: FakeIvsChat, client: Any) -> None:
    lobby = client.create_room(name="lobby")
    client.create_room(name="stage")
    client.create_room(name="lobby", maximumMessageLength=10)
    client.get_room(identifier=lobby["arn"])
    assert len(fake.get_calls("CreateRoom")) == 3
    assert [c.params for c in fake.get_calls("CreateRoom", name="lobby")] == [
        {"name": "lobby"},
        {"name": "lobby", "maximumMessageLength": 10},
    ]
    assert len(fake.get_calls("CreateRoom", name="lobby", maximumMessageLength=10)) == 1
    assert fake.get_calls("CreateRoom", name="hall") == []
    # A param the call did not send never matches, not even with None.
    assert fake.get_calls("CreateRoom", tags=None) == []
    assert [c.operation for c in fake.get_calls(identifier=lobby["arn"])] == ["GetRoom"]
    assert len(fake.get_calls()) == 4
    assert fake.get_calls("DeleteRoom") == []


def test_calls_record_region_and_account(fake: FakeIvsChat) -> None:
    fake.client(region_name="eu-west-1").list_rooms()
    fake.client(region_name="ap-south-1", account_id="111122223333").list_rooms()
    assert [(c.region, c.account_id) for c in fake.calls] == [
        ("eu-west-1", "123456789012"),
        ("ap-south-1", "111122223333"),
    ]


def test_tag_calls_record_the_decoded_arn_and_keys(fake: FakeIvsChat, client: Any) -> None:
    arn = client.create_room()["arn"]
    client.untag_resource(resourceArn=arn, tagKeys=["a", "b"])
    assert fake.get_calls("UntagResource")[0].params == {"resourceArn": arn, "tagKeys": ["a", "b"]}
    assert fake.get_calls("UntagResource", resourceArn=arn, tagKeys=["a", "b"])


def test_calls_is_a_snapshot(fake: FakeIvsChat, client: Any) -> None:
    client.list_rooms()
    snapshot = fake.calls
    snapshot.append(snapshot[0])
    client.list_rooms()
    assert len(fake.calls) == 2


CALLS_ARE_READ_ONLY = (
    "Recorded calls are read-only (they keep what was sent and answered); change a copy:"
    " copy.deepcopy(call.params) or copy.deepcopy(call.response)."
)


def test_recorded_params_and_responses_are_read_only_all_the_way_down(
    fake: FakeIvsChat, client: Any
) -> None:
    arn = client.create_room(name="lobby", tags={"team": "a"})["arn"]
    client.create_chat_token(roomIdentifier=arn, userId="u", capabilities=["SEND_MESSAGE"])
    room, token = fake.calls
    # Any: read-only in their types too; this checks that they refuse changes at run time.
    params, token_params, response = cast(Any, (room.params, token.params, room.response))
    assert response is not None
    changes: list[Callable[[], Any]] = [
        lambda: params.update(name="stage"),
        lambda: params.__setitem__("name", "stage"),
        lambda: params["tags"].__setitem__("team", "b"),
        lambda: params["tags"].pop("team"),
        lambda: response.__setitem__("arn", "x"),
        lambda: response["tags"].clear(),
        lambda: token_params["capabilities"].append("DELETE_MESSAGE"),
        lambda: token_params["capabilities"].__setitem__(0, "DELETE_MESSAGE"),
        lambda: token_params["capabilities"].sort(),
        lambda: token_params["capabilities"].__iadd__(["DISCONNECT_USER"]),
    ]
    for change in changes:
        with pytest.raises(TypeError) as info:
            change()
        assert str(info.value) == CALLS_ARE_READ_ONLY
    assert room.params == {"name": "lobby", "tags": {"team": "a"}}
    assert token.params["capabilities"] == ["SEND_MESSAGE"]  # equal to a plain list
    assert fake.get_calls("CreateChatToken", capabilities=["SEND_MESSAGE"]) == [token]


def test_copies_of_recorded_calls_are_plain_and_mutable(fake: FakeIvsChat, client: Any) -> None:
    arn = client.create_room(tags={"team": "a"})["arn"]
    client.create_chat_token(roomIdentifier=arn, userId="u", capabilities=["SEND_MESSAGE"])
    room, token = fake.calls
    params = copy.deepcopy(token.params)
    params["capabilities"].append("DELETE_MESSAGE")
    assert type(params) is dict and type(params["capabilities"]) is list
    assert token.params["capabilities"] == ["SEND_MESSAGE"]
    response = copy.deepcopy(room.response)
    assert response is not None
    response["tags"]["team"] = "b"
    assert room.response is not None and room.response["tags"] == {"team": "a"}
    assert json.loads(json.dumps(token.params)) == token.params
    assert pickle.loads(pickle.dumps(room)) == room


def test_every_record_is_complete_and_behaves_as_its_class_makes_it(
    fake: FakeIvsChat, client: Any
) -> None:
    arn = client.create_room(name="lobby")["arn"]
    client.send_event(roomIdentifier=arn, eventName="app:e", attributes={"k": "v"})
    token = client.create_chat_token(
        roomIdentifier=arn, userId="ann", capabilities=["SEND_MESSAGE"]
    )
    fake.connect(token["token"]).send_message("hi")
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_room(identifier=arn[:-12] + "a" * 12)
    records: list[Any] = [*fake.calls, *fake.events(arn), *fake.messages(arn)]
    assert {type(record).__name__ for record in records} == {
        "RecordedCall",
        "RecordedEvent",
        "RecordedMessage",
    }
    for record in records:
        values = {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}
        again = type(record)(**values)  # the dataclass's own constructor
        assert again == record and hash(again) == hash(record) and repr(again) == repr(record)
        with pytest.raises(dataclasses.FrozenInstanceError):
            record.operation = "x"

"""SendEvent, DeleteMessage and DisconnectUser through the API: the EVENT frame each records,
the response, missing rooms, and the per-second API rate."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import freezegun
import pytest
import time_machine
from helpers import NO_RETRY, body, error

from fake_ivschat import FakeIvsChat

REGION = "us-west-2"
ACCOUNT = "123456789012"
MISSING_ROOM = f"arn:aws:ivschat:{REGION}:{ACCOUNT}:room/g1H2I3j4k5L6"
T0 = datetime(2024, 5, 1, 12, 0, 0, 123450, tzinfo=timezone.utc)


# ------------------------------------------------------------------------------- SendEvent


def test_send_event_records_the_exact_event_frame(
    fake: FakeIvsChat, client: Any, room: dict[str, Any]
) -> None:
    with time_machine.travel(T0, tick=False):
        response = client.send_event(
            roomIdentifier=room["arn"], eventName="app:start", attributes={"level": "2"}
        )
    assert set(body(response)) == {"id"}
    [event] = fake.events(room["arn"])
    assert event.payload == {
        "Type": "EVENT",
        "Id": response["id"],
        "RequestId": "",
        "EventName": "app:start",
        "Attributes": {"level": "2"},
        "SendTime": "2024-05-01T12:00:00.12345Z",
    }
    assert (event.room_arn, event.id, event.event_name) == (
        room["arn"],
        response["id"],
        "app:start",
    )
    assert (event.attributes, event.request_id, event.send_time) == ({"level": "2"}, "", T0)


@pytest.mark.parametrize(
    ("moment", "send_time"),
    [
        (datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc), "2024-05-01T12:00:00Z"),
        (datetime(2024, 5, 1, 12, 0, 0, 500000, tzinfo=timezone.utc), "2024-05-01T12:00:00.5Z"),
        (datetime(2024, 5, 1, 12, 0, 0, 1, tzinfo=timezone.utc), "2024-05-01T12:00:00.000001Z"),
    ],
)
def test_send_time_trims_trailing_zeros(
    fake: FakeIvsChat, client: Any, room: dict[str, Any], moment: datetime, send_time: str
) -> None:
    with time_machine.travel(moment, tick=False):
        client.send_event(roomIdentifier=room["arn"], eventName="tick")
    assert fake.events()[0].payload["SendTime"] == send_time


def test_send_event_without_attributes(fake: FakeIvsChat, client: Any, room: Any) -> None:
    event_id = client.send_event(roomIdentifier=room["arn"], eventName="ping")["id"]
    [event] = fake.events()
    assert event.payload["Attributes"] == {}
    assert event.id == event_id
    assert "Sender" not in event.payload


def test_events_are_listed_in_order_by_room_and_name(fake: FakeIvsChat, client: Any) -> None:
    first, second = client.create_room()["arn"], client.create_room()["arn"]
    ids = [
        client.send_event(roomIdentifier=arn, eventName=name)["id"]
        for arn, name in ((first, "a"), (second, "b"), (first, "b"))
    ]
    assert [e.id for e in fake.events()] == ids
    assert [e.id for e in fake.events(first)] == [ids[0], ids[2]]
    assert [e.id for e in fake.events(name="b")] == [ids[1], ids[2]]
    assert [e.id for e in fake.events(first, name="b")] == [ids[2]]
    assert len(set(ids)) == 3


def test_event_reaches_connections_in_the_room(fake: FakeIvsChat, client: Any, room: Any) -> None:
    token = client.create_chat_token(roomIdentifier=room["arn"], userId="viewer")["token"]
    viewer = fake.connect(token)
    client.send_event(roomIdentifier=room["arn"], eventName="app:start")
    assert viewer.received == [fake.events()[0].payload]


# --------------------------------------------------------------------------- DeleteMessage


def test_delete_message_records_aws_delete_message(
    fake: FakeIvsChat, client: Any, room: Any
) -> None:
    with time_machine.travel(T0, tick=False):
        response = client.delete_message(
            roomIdentifier=room["arn"], id="WhO6MW6iRdS5", reason="spam"
        )
    assert set(body(response)) == {"id"}
    [event] = fake.events(room["arn"])
    assert event.payload == {
        "Type": "EVENT",
        "Id": response["id"],
        "RequestId": "",
        "EventName": "aws:DELETE_MESSAGE",
        "Attributes": {"MessageId": "WhO6MW6iRdS5", "MessageID": "WhO6MW6iRdS5", "Reason": "spam"},
        "SendTime": "2024-05-01T12:00:00.12345Z",
    }


def test_delete_message_without_reason(fake: FakeIvsChat, client: Any, room: Any) -> None:
    # Messages are not stored: an unknown message id is not an error, the room is what matters.
    client.delete_message(roomIdentifier=room["arn"], id="1OjMY6p8h4uv")
    assert fake.events()[0].attributes == {
        "MessageId": "1OjMY6p8h4uv",
        "MessageID": "1OjMY6p8h4uv",
        "Reason": "",
    }


# -------------------------------------------------------------------------- DisconnectUser


def test_disconnect_user_records_aws_disconnect_user(
    fake: FakeIvsChat, client: Any, room: Any
) -> None:
    with time_machine.travel(T0, tick=False):
        response = client.disconnect_user(roomIdentifier=room["arn"], userId="bob", reason="ban")
    assert body(response) == {}
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    [event] = fake.events(room["arn"])
    assert event.payload == {
        "Type": "EVENT",
        "Id": event.id,
        "RequestId": "",
        "EventName": "aws:DISCONNECT_USER",
        "Attributes": {"UserId": "bob", "Reason": "ban"},
        "SendTime": "2024-05-01T12:00:00.12345Z",
    }
    assert len(event.id) == 12 and event.id.isalnum()


def test_disconnect_user_closes_only_that_users_connections(
    fake: FakeIvsChat, client: Any, room: Any
) -> None:
    def connect(user: str) -> Any:
        return fake.connect(
            client.create_chat_token(roomIdentifier=room["arn"], userId=user)["token"]
        )

    bob_phone, bob_laptop, carol = connect("bob"), connect("bob"), connect("carol")
    client.disconnect_user(roomIdentifier=room["arn"], userId="bob", reason="ban")
    assert bob_phone.closed and bob_laptop.closed and not carol.closed
    assert carol.received == [fake.events()[0].payload]


# ---------------------------------------------------------------- errors shared by the three

CALLS = {
    "SendEvent": ("send_event", {"eventName": "e"}),
    "DeleteMessage": ("delete_message", {"id": "WhO6MW6iRdS5"}),
    "DisconnectUser": ("disconnect_user", {"userId": "bob"}),
}


@pytest.mark.parametrize("operation", CALLS)
def test_missing_room_is_not_found(fake: FakeIvsChat, client: Any, operation: str) -> None:
    method, extra = CALLS[operation]
    response = error(getattr(client, method), roomIdentifier=MISSING_ROOM, **extra)
    assert response["Error"]["Code"] == "ResourceNotFoundException"
    assert response["Error"]["Message"] == f"Room not found: {MISSING_ROOM}."
    assert response["resourceId"] == "g1H2I3j4k5L6"
    assert response["resourceType"] == "ROOM"
    assert fake.events() == []


@pytest.mark.parametrize("operation", CALLS)
def test_hundred_calls_per_second_per_account_and_region(fake: FakeIvsChat, operation: str) -> None:
    method, extra = CALLS[operation]
    client = fake.client(region_name=REGION, config=NO_RETRY)
    arn = client.create_room()["arn"]
    call = getattr(client, method)
    with freezegun.freeze_time("2024-05-01T12:00:00.5Z") as frozen:
        for _ in range(100):
            call(roomIdentifier=arn, **extra)
        response = error(call, roomIdentifier=arn, **extra)
        assert response["Error"]["Code"] == "ThrottlingException"
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 429
        assert response["limit"] == 100
        assert response["resourceType"] == "ROOM"
        assert response["resourceId"] == arn.rpartition("/")[2]
        assert response["Error"]["Message"] == (
            f"{operation} is limited to 100 calls per second in this account and region."
        )
        # Each operation has its own allowance; other regions and accounts have theirs.
        other_operation = next(op for op in CALLS if op != operation)
        other_method, other_extra = CALLS[other_operation]
        getattr(client, other_method)(roomIdentifier=arn, **other_extra)
        for other in (
            fake.client(region_name="eu-west-1", config=NO_RETRY),
            fake.client(region_name=REGION, account_id="111122223333", config=NO_RETRY),
        ):
            getattr(other, method)(roomIdentifier=other.create_room()["arn"], **extra)
        frozen.tick(0.5)  # the next second starts a new window
        call(roomIdentifier=arn, **extra)
    # One attempt each: the client did not retry the throttled call.
    throttled = [c for c in fake.get_calls(operation) if c.error == "ThrottlingException"]
    assert len(throttled) == 1


def test_throttled_call_delivers_nothing(fake: FakeIvsChat) -> None:
    fake.quotas.api_rates["SendEvent"] = 3
    client = fake.client(region_name=REGION, config=NO_RETRY)
    arn = client.create_room()["arn"]
    with freezegun.freeze_time("2024-05-01T12:00:00Z"):
        for _ in range(3):
            client.send_event(roomIdentifier=arn, eventName="e")
        assert error(client.send_event, roomIdentifier=arn, eventName="e")["limit"] == 3
        # Over the rate, even a call about a missing room is throttled: the rate comes first.
        missing = error(client.send_event, roomIdentifier=MISSING_ROOM, eventName="e")
        assert missing["Error"]["Code"] == "ThrottlingException"
        assert missing["resourceId"] == "g1H2I3j4k5L6"
    assert len(fake.events()) == 3


def test_calls_about_missing_rooms_use_the_allowance(fake: FakeIvsChat) -> None:
    fake.quotas.api_rates["DeleteMessage"] = 2
    client = fake.client(region_name=REGION, config=NO_RETRY)
    arn = client.create_room()["arn"]
    with freezegun.freeze_time("2024-05-01T12:00:00Z"):
        for _ in range(2):
            with pytest.raises(client.exceptions.ResourceNotFoundException):
                client.delete_message(roomIdentifier=MISSING_ROOM, id="WhO6MW6iRdS5")
        with pytest.raises(client.exceptions.ThrottlingException):
            client.delete_message(roomIdentifier=arn, id="WhO6MW6iRdS5")

"""Chat logging: a record per delivered MESSAGE/EVENT per attached logging configuration."""

from __future__ import annotations

from typing import Any

import pytest
from freezegun import freeze_time

from fake_ivschat import ChatConnection, FakeIvsChat

LAMBDA = "arn:aws:lambda:us-west-2:123456789012:function:review-chat"
DESTINATIONS = [
    {"s3": {"bucketName": "chat-archive"}},
    {"cloudWatchLogs": {"logGroupName": "/ivs/chat"}},
    {"firehose": {"deliveryStreamName": "chat-stream"}},
]


def logging_configuration(client: Any, destination: dict[str, Any] | None = None) -> str:
    response = client.create_logging_configuration(
        destinationConfiguration=destination or DESTINATIONS[0]
    )
    return str(response["arn"])


def join(fake: FakeIvsChat, client: Any, arn: str, user: str) -> ChatConnection:
    token = client.create_chat_token(
        roomIdentifier=arn,
        userId=user,
        capabilities=["SEND_MESSAGE", "DELETE_MESSAGE", "DISCONNECT_USER"],
    )["token"]
    return fake.connect(token)


@pytest.mark.parametrize("destination", DESTINATIONS, ids=lambda d: next(iter(d)))
def test_every_delivered_frame_is_logged_in_the_chat_log_format(
    fake: FakeIvsChat, client: Any, destination: dict[str, Any]
) -> None:
    config = logging_configuration(client, destination)
    room = client.create_room(loggingConfigurationIdentifiers=[config])["arn"]
    with freeze_time("2024-05-01T12:00:00.894089Z"):
        alice = join(fake, client, room, "alice")
        message = alice.send_message("hello", {"k": "v"})
        deletion = alice.delete_message(message["Id"], "oops")
        client.send_event(roomIdentifier=room, eventName="app:poll")
        client.disconnect_user(roomIdentifier=room, userId="alice", reason="bye")
    records = fake.log_records(config)
    assert [list(r) for r in records] == [["event_timestamp", "type", "payload", "version"]] * 4
    assert [(r["type"], r["version"]) for r in records] == [
        ("MESSAGE", "1.0"),
        ("EVENT", "1.0"),
        ("EVENT", "1.0"),
        ("EVENT", "1.0"),
    ]
    assert [r["payload"] for r in records] == alice.received
    assert records[0]["payload"] == message and records[1]["payload"] == deletion
    # The record's millisecond timestamp and the frame's nanosecond SendTime share the instant.
    assert {r["event_timestamp"] for r in records} == {"2024-05-01T12:00:00.894Z"}
    assert message["SendTime"] == "2024-05-01T12:00:00.894089Z"


def test_each_attached_configuration_gets_its_own_records(fake: FakeIvsChat, client: Any) -> None:
    first, second, unused = (logging_configuration(client) for _ in range(3))
    room = client.create_room(loggingConfigurationIdentifiers=[first, second])["arn"]
    plain = client.create_room()["arn"]
    join(fake, client, room, "alice").send_message("logged")
    join(fake, client, plain, "bob").send_message("not logged")
    assert [r["payload"]["Content"] for r in fake.log_records(first)] == ["logged"]
    assert fake.log_records(second) == fake.log_records(first)
    # One record per delivered frame, shared by every configuration (fan-out costs no copies).
    assert fake.log_records(second)[0] is fake.log_records(first)[0]
    assert fake.log_records(unused) == []
    with pytest.raises(TypeError, match="read-only"):
        fake.log_records(first)[0]["payload"]["Content"] = "changed"
    assert fake.log_records(second)[0]["payload"]["Content"] == "logged"


def test_one_configuration_collects_several_rooms_in_order(fake: FakeIvsChat, client: Any) -> None:
    config = logging_configuration(client)
    rooms = [client.create_room(loggingConfigurationIdentifiers=[config])["arn"] for _ in range(2)]
    join(fake, client, rooms[0], "alice").send_message("first")
    client.send_event(roomIdentifier=rooms[1], eventName="app:second")
    join(fake, client, rooms[0], "carol").send_message("third")
    payloads = [r["payload"] for r in fake.log_records(config)]
    assert [p.get("Content", p.get("EventName")) for p in payloads] == [
        "first",
        "app:second",
        "third",
    ]
    assert [m.id for m in fake.messages()] == [payloads[0]["Id"], payloads[2]["Id"]]


def test_rooms_log_even_with_nobody_connected(fake: FakeIvsChat, client: Any) -> None:
    config = logging_configuration(client)
    room = client.create_room(loggingConfigurationIdentifiers=[config])["arn"]
    client.send_event(roomIdentifier=room, eventName="app:empty-room")
    assert [r["payload"]["EventName"] for r in fake.log_records(config)] == ["app:empty-room"]


def test_errors_and_refused_or_denied_messages_are_not_logged(
    fake: FakeIvsChat, client: Any
) -> None:
    config = logging_configuration(client)
    fake.register_review_handler(LAMBDA, lambda r: {"ReviewResult": "DENY"})
    reviewed = client.create_room(
        loggingConfigurationIdentifiers=[config],
        messageReviewHandler={"uri": LAMBDA},
        maximumMessageRatePerSecond=1,
    )["arn"]
    room = client.create_room(
        loggingConfigurationIdentifiers=[config], maximumMessageRatePerSecond=1
    )["arn"]
    with freeze_time("2024-05-01T12:00:00Z"):
        denied = join(fake, client, reviewed, "alice").send_message("denied")
        bob = join(fake, client, room, "bob")
        frames = [bob.send("{oops"), bob.send_message(""), bob.send_message("ok")]
        frames.append(bob.send_message("rate limited"))
    assert denied["ErrorCode"] == 406
    assert [f["Type"] for f in frames] == ["ERROR", "ERROR", "MESSAGE", "ERROR"]
    assert [r["payload"] for r in fake.log_records(config)] == [frames[2]]


def test_detaching_a_configuration_stops_its_records(fake: FakeIvsChat, client: Any) -> None:
    config = logging_configuration(client)
    room = client.create_room(loggingConfigurationIdentifiers=[config])["arn"]
    alice = join(fake, client, room, "alice")
    alice.send_message("before")
    client.update_room(identifier=room, loggingConfigurationIdentifiers=[])
    alice.send_message("after")
    assert [r["payload"]["Content"] for r in fake.log_records(config)] == ["before"]


def test_edited_messages_are_logged_as_delivered(fake: FakeIvsChat, client: Any) -> None:
    config = logging_configuration(client)
    fake.register_review_handler(LAMBDA, lambda r: {"ReviewResult": "ALLOW", "Content": "nice"})
    room = client.create_room(
        loggingConfigurationIdentifiers=[config], messageReviewHandler={"uri": LAMBDA}
    )["arn"]
    join(fake, client, room, "alice").send_message("mean")
    assert [r["payload"]["Content"] for r in fake.log_records(config)] == ["nice"]


def test_an_unknown_configuration_has_no_records(fake: FakeIvsChat) -> None:
    arn = "arn:aws:ivschat:us-west-2:123456789012:logging-configuration/AbCdEfGhIjKl"
    assert fake.log_records(arn) == []

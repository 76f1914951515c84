"""Arranging state up front: rooms and logging configurations with a chosen id/ARN, tags and times,
seen by every operation through a real client exactly as created ones are, and never recorded."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from helpers import body

from fake_ivschat import FakeIvsChat

REGION = "us-west-2"
ACCOUNT = "123456789012"
ROOM_ARN = f"arn:aws:ivschat:{REGION}:{ACCOUNT}:room/abcdEFGH1234"
CONFIG_ARN = f"arn:aws:ivschat:{REGION}:{ACCOUNT}:logging-configuration/ABCDefgh5678"
S3 = {"s3": {"bucketName": "chat-logs"}}
T0 = datetime(2024, 5, 1, 12, 0, 0, 250999, tzinfo=timezone.utc)


def test_an_arranged_room_is_what_get_and_list_rooms_describe(
    fake: FakeIvsChat, client: Any
) -> None:
    room = fake.arrange_room(ROOM_ARN, name="lobby", tags={"team": "a"}, maximumMessageLength=200)
    assert body(client.get_room(identifier=ROOM_ARN)) == room
    assert room["id"] == "abcdEFGH1234" and room["maximumMessageLength"] == 200
    listed = client.list_rooms()["rooms"]
    assert [r["arn"] for r in listed] == [ROOM_ARN]
    assert client.list_rooms(name="lobby")["rooms"] == listed
    assert client.list_tags_for_resource(resourceArn=ROOM_ARN)["tags"] == {"team": "a"}
    client.update_room(identifier=ROOM_ARN, name="stage")
    assert client.get_room(identifier=ROOM_ARN)["name"] == "stage"


def test_arranging_is_not_a_recorded_call(fake: FakeIvsChat) -> None:
    fake.arrange_logging_configuration(CONFIG_ARN, destinationConfiguration=S3)
    fake.arrange_room(ROOM_ARN, loggingConfigurationIdentifiers=[CONFIG_ARN])
    assert fake.calls == [] and fake.get_calls("CreateRoom") == []
    with pytest.raises(AssertionError, match="No calls were recorded at all"):
        fake.assert_called("CreateRoom")


def test_chat_tokens_messages_and_chat_logs_work_in_arranged_resources(
    fake: FakeIvsChat, client: Any
) -> None:
    fake.arrange_logging_configuration(CONFIG_ARN, destinationConfiguration=S3, name="logs")
    fake.arrange_room(ROOM_ARN, loggingConfigurationIdentifiers=[CONFIG_ARN])
    token = client.create_chat_token(
        roomIdentifier=ROOM_ARN, userId="alice", capabilities=["SEND_MESSAGE"]
    )["token"]
    frame = fake.connect(token).send_message("hi")
    assert fake.assert_message("hi", room=ROOM_ARN).payload == frame
    assert [record["payload"] for record in fake.log_records(CONFIG_ARN)] == [frame]
    assert client.list_rooms(loggingConfigurationIdentifier=CONFIG_ARN)["rooms"][0]["arn"] == (
        ROOM_ARN
    )
    assert client.get_logging_configuration(identifier=CONFIG_ARN)["name"] == "logs"


def test_times_are_as_chosen_to_the_millisecond_and_order_listings(
    fake: FakeIvsChat, client: Any
) -> None:
    later = T0 + timedelta(days=1)
    edited = fake.arrange_room(
        "zzzzEFGH0000", region_name=REGION, create_time=T0, update_time=later
    )
    assert edited["createTime"] == T0.replace(microsecond=250000)
    assert edited["updateTime"] == later.replace(microsecond=250000)
    old = fake.arrange_room(ROOM_ARN, create_time=T0)  # arranged last, yet the oldest
    assert (old["createTime"], old["updateTime"]) == (T0.replace(microsecond=250000),) * 2
    new = client.create_room()
    listed = [room["arn"] for room in client.list_rooms()["rooms"]]
    assert listed == [new["arn"], edited["arn"], old["arn"]]  # by update time, newest first
    assert client.get_room(identifier=ROOM_ARN)["createTime"] == old["createTime"]


def test_without_a_time_it_is_now(fake: FakeIvsChat, time_machine: Any) -> None:
    time_machine.move_to(T0, tick=False)
    room = fake.arrange_room()
    assert room["createTime"] == room["updateTime"] == T0.replace(microsecond=250000)


def test_an_id_alone_takes_region_and_account_from_the_arguments_or_the_fake(
    fake: FakeIvsChat,
) -> None:
    here = fake.arrange_room("abcdEFGH1234")
    assert here["arn"] == "arn:aws:ivschat:us-east-1:123456789012:room/abcdEFGH1234"
    there = fake.arrange_room("abcdEFGH1234", region_name="eu-west-1", account_id="111122223333")
    assert there["arn"] == "arn:aws:ivschat:eu-west-1:111122223333:room/abcdEFGH1234"
    foreign = fake.client("eu-west-1", account_id="111122223333")
    assert foreign.get_room(identifier=there["arn"])["id"] == "abcdEFGH1234"
    assert [r["arn"] for r in fake.client("us-east-1").list_rooms()["rooms"]] == [here["arn"]]
    assert fake.client(REGION).list_rooms()["rooms"] == []


def test_no_id_draws_one_as_create_room_does() -> None:
    arranged = FakeIvsChat(seed=3).arrange_room(region_name=REGION)
    created = FakeIvsChat(seed=3).client(REGION).create_room()
    assert arranged["arn"] == created["arn"]


def test_a_chosen_id_neither_shifts_nor_is_drawn_by_a_seeded_stream() -> None:
    first = FakeIvsChat(seed=3).client(REGION).create_room()["id"]
    unshifted = FakeIvsChat(seed=3)
    unshifted.arrange_room("abcdEFGH1234", region_name=REGION)
    assert unshifted.client(REGION).create_room()["id"] == first
    clashing = FakeIvsChat(seed=3)
    clashing.arrange_room(first, region_name=REGION)  # the id the stream draws first
    client = clashing.client(REGION)
    drawn = client.create_room()["id"]
    assert drawn != first
    assert sorted(room["id"] for room in client.list_rooms()["rooms"]) == sorted([first, drawn])


def test_an_arranged_logging_configuration_is_active_at_once(client: Any) -> None:
    fake = FakeIvsChat(logging_state_polls=2)
    config = fake.arrange_logging_configuration(CONFIG_ARN, destinationConfiguration=S3)
    assert config["state"] == "ACTIVE"
    slow: Any = fake.client(REGION)
    assert body(slow.get_logging_configuration(identifier=CONFIG_ARN)) == config
    slow.delete_logging_configuration(identifier=CONFIG_ARN)  # would be a conflict if CREATING
    assert slow.get_logging_configuration(identifier=CONFIG_ARN)["state"] == "DELETING"


def test_what_it_returns_is_read_only(fake: FakeIvsChat) -> None:
    room: Any = fake.arrange_room(ROOM_ARN, tags={"k": "v"})
    with pytest.raises(TypeError, match="read-only"):
        room.pop("arn")
    with pytest.raises(TypeError, match="read-only"):
        room["tags"]["k"] = "w"


def test_reset_forgets_arranged_resources(fake: FakeIvsChat, client: Any) -> None:
    fake.arrange_room(ROOM_ARN)
    fake.reset()
    assert client.list_rooms()["rooms"] == []
    fake.arrange_room(ROOM_ARN)  # free again


OTHER = f"arn:aws:ivschat:{REGION}:{ACCOUNT}"
WANTED = (
    "pass a room ARN such as 'arn:aws:ivschat:us-west-2:123456789012:room/abcdEFGH1234',"
    " or just its id ('abcdEFGH1234')"
)


@pytest.mark.parametrize(
    ("arn_or_id", "message"),
    [
        (
            "abc",
            "'abc' is not a room id: the service's ids are 12 letters or digits, such as"
            " 'abcdEFGH1234'",
        ),
        (
            "abcd-FGH1234",
            "'abcd-FGH1234' is not a room id: the service's ids are 12 letters or"
            " digits, such as 'abcdEFGH1234'",
        ),
        (
            f"{OTHER}:room/abc",
            "'abc' is not a room id: the service's ids are 12 letters or digits,"
            " such as 'abcdEFGH1234'",
        ),
        (
            "arn:aws:s3:::bucket/abcdEFGH1234",
            f"'arn:aws:s3:::bucket/abcdEFGH1234' is not an ivschat ARN; {WANTED}",
        ),
        (
            f"{OTHER}:logging-configuration/abcdEFGH1234",
            f"'{OTHER}:logging-configuration/"
            f"abcdEFGH1234' is the ARN of a logging-configuration, not of a room; {WANTED}",
        ),
        (
            "arn:aws:ivschat:US-west-2:123456789012:room/abcdEFGH1234",
            "'US-west-2' is not a region name (1 to 63 lowercase letters, digits and '-',"
            " neither first nor last a '-', such as 'us-west-2')",
        ),
        (
            "arn:aws:ivschat:us-west-2:1234:room/abcdEFGH1234",
            "the account must be a 12-digit AWS account ID, got '1234'",
        ),
    ],
)
def test_a_bad_arn_or_id_says_what_to_pass(fake: FakeIvsChat, arn_or_id: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        fake.arrange_room(arn_or_id)
    assert str(info.value) == message


def test_an_id_already_taken_is_refused(fake: FakeIvsChat, client: Any) -> None:
    fake.arrange_room(ROOM_ARN)
    with pytest.raises(ValueError) as info:
        fake.arrange_room("abcdEFGH1234", region_name=REGION)
    assert str(info.value) == f"a room {ROOM_ARN} already exists in this fake"
    created = client.create_room()["arn"]
    with pytest.raises(ValueError, match="already exists"):
        fake.arrange_room(created)


def test_region_or_account_disagreeing_with_the_arn_is_refused(fake: FakeIvsChat) -> None:
    with pytest.raises(ValueError) as info:
        fake.arrange_room(ROOM_ARN, region_name="eu-west-1")
    assert str(info.value) == (
        f"region_name='eu-west-1' disagrees with the ARN '{ROOM_ARN}'; pass either"
    )
    with pytest.raises(ValueError) as info:
        fake.arrange_room(ROOM_ARN, account_id="111122223333")
    assert str(info.value) == (
        f"account_id='111122223333' disagrees with the ARN '{ROOM_ARN}'; pass either"
    )
    fake.arrange_room(ROOM_ARN, region_name=REGION, account_id=ACCOUNT)  # agreeing is fine


def test_what_create_room_would_refuse_is_refused(fake: FakeIvsChat) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        (
            {"name": "no spaces"},
            "CreateRoom would refuse this room: ValidationException: 1"
            " validation error detected: Value 'no spaces' at 'name' failed to satisfy constraint:"
            " Member must satisfy regular expression pattern: [a-zA-Z0-9-_]*",
        ),
        (
            {"loggingConfigurationIdentifiers": [CONFIG_ARN]},
            "CreateRoom would refuse this room:"
            f" ResourceNotFoundException: Logging configuration not found: {CONFIG_ARN}.",
        ),
        ({"tags": {"aws:x": "y"}}, "CreateRoom would refuse this room: ValidationException"),
    ]
    for params, message in cases:
        with pytest.raises(ValueError) as info:
            fake.arrange_room(ROOM_ARN, **params)
        assert str(info.value).startswith(message)
    fake.quotas.rooms = 0
    with pytest.raises(ValueError, match="ServiceQuotaExceededException"):
        fake.arrange_room()
    with pytest.raises(ValueError) as info:
        fake.arrange_logging_configuration(CONFIG_ARN)
    assert "Value null at 'destinationConfiguration'" in str(info.value)
    assert fake.calls == []


def test_a_misspelt_parameter_or_a_bad_time_is_refused(fake: FakeIvsChat) -> None:
    with pytest.raises(ValueError) as info:
        fake.arrange_room(ROOM_ARN, maximum_message_length=5)
    assert str(info.value) == (
        "CreateRoom has no parameter 'maximum_message_length'; did you mean 'maximumMessageLength'?"
    )
    with pytest.raises(ValueError) as info:
        fake.arrange_room(create_time=datetime(2024, 5, 1))
    assert str(info.value) == (
        "create_time must be timezone-aware, such as datetime(2024, 5, 1, tzinfo=timezone.utc),"
        " got datetime.datetime(2024, 5, 1, 0, 0)"
    )
    with pytest.raises(ValueError) as info:
        fake.arrange_room(create_time=T0, update_time=T0 - timedelta(seconds=1))
    assert str(info.value) == (
        "update_time 2024-05-01 11:59:59.250999+00:00 is before create_time"
        " 2024-05-01 12:00:00.250999+00:00"
    )
    with pytest.raises(TypeError) as wrong_type:
        fake.arrange_room(create_time="2024-05-01")  # type: ignore[arg-type]
    assert str(wrong_type.value) == "create_time must be a datetime or None, got '2024-05-01' (str)"
    with pytest.raises(TypeError):
        fake.arrange_room(42)  # type: ignore[arg-type]


@pytest.mark.parametrize("year", [1, 99, 999, 1000, 9999])
def test_times_of_any_year_read_back_equal(fake: FakeIvsChat, client: Any, year: int) -> None:
    # Written with a short year ("1-06-15T..."), botocore read year 1 as 2015-01-06, 99 as 1999.
    created = datetime(year, 6, 15, 12, 30, 5, 123000, tzinfo=timezone.utc)
    updated = created + timedelta(milliseconds=1)
    room = fake.arrange_room(ROOM_ARN, create_time=created, update_time=updated)
    assert (room["createTime"], room["updateTime"]) == (created, updated)
    got = client.get_room(identifier=ROOM_ARN)
    assert (got["createTime"], got["updateTime"]) == (created, updated)
    assert client.list_rooms()["rooms"][0]["updateTime"] == updated
    config = fake.arrange_logging_configuration(
        CONFIG_ARN, destinationConfiguration=S3, create_time=created
    )
    assert config["createTime"] == created
    listed = client.list_logging_configurations()["loggingConfigurations"]
    assert (listed[0]["createTime"], listed[0]["updateTime"]) == (created, created)

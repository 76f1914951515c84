"""CreateRoom, GetRoom, UpdateRoom and DeleteRoom through a real client: defaults, identity,
timestamps, partial updates, and every error the spec assigns them."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

import freezegun
import pytest
import time_machine
from helpers import body, error

from fake_ivschat import FakeIvsChat

REGION = "us-west-2"
ACCOUNT = "123456789012"
LAMBDA = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:review"
T0 = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=timezone.utc)
T0_MS = T0.replace(microsecond=123000)  # the service keeps milliseconds
ROOM_ARN = re.compile(rf"arn:aws:ivschat:{REGION}:{ACCOUNT}:room/([a-zA-Z0-9]{{12}})")


def s3_config(client: Any) -> str:
    arn: str = client.create_logging_configuration(
        destinationConfiguration={"s3": {"bucketName": "chat-logs"}}
    )["arn"]
    return arn


# ------------------------------------------------------------------------------ CreateRoom


def test_create_room_defaults_and_identity(client: Any) -> None:
    with time_machine.travel(T0, tick=False):
        created = client.create_room()
    match = ROOM_ARN.fullmatch(created["arn"])
    assert match is not None
    assert created["id"] == match.group(1)
    assert body(created) == {
        "arn": created["arn"],
        "id": created["id"],
        "name": "",
        "createTime": T0_MS,
        "updateTime": T0_MS,
        "maximumMessageLength": 500,
        "maximumMessageRatePerSecond": 10,
        "tags": {},
        "loggingConfigurationIdentifiers": [],
    }
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert body(client.get_room(identifier=created["arn"])) == body(created)


def test_create_time_follows_freezegun_to_the_millisecond(client: Any) -> None:
    # freezegun derives time_ns from a float (…00.123 would read …00.122999808).
    with freezegun.freeze_time("2024-05-01T12:00:00.123Z"):
        created = client.create_room()
    expected = datetime(2024, 5, 1, 12, 0, 0, 123000, tzinfo=timezone.utc)
    assert created["createTime"] == created["updateTime"] == expected


def test_create_room_with_every_member(client: Any) -> None:
    config = s3_config(client)
    created = client.create_room(
        name="lobby-1_a",
        maximumMessageLength=1,
        maximumMessageRatePerSecond=100,
        tags={"team": "chat", "empty": ""},
        messageReviewHandler={"uri": LAMBDA, "fallbackResult": "DENY"},
        loggingConfigurationIdentifiers=[config],
    )
    assert created["name"] == "lobby-1_a"
    assert created["maximumMessageLength"] == 1
    assert created["maximumMessageRatePerSecond"] == 100
    assert created["tags"] == {"team": "chat", "empty": ""}
    assert created["messageReviewHandler"] == {"uri": LAMBDA, "fallbackResult": "DENY"}
    assert created["loggingConfigurationIdentifiers"] == [config]
    assert body(client.get_room(identifier=created["arn"])) == body(created)


def test_review_handler_without_fallback_allows(client: Any) -> None:
    created = client.create_room(messageReviewHandler={"uri": LAMBDA})
    assert created["messageReviewHandler"] == {"uri": LAMBDA, "fallbackResult": "ALLOW"}


def test_room_ids_are_unique_and_names_need_not_be(client: Any) -> None:
    rooms = [client.create_room(name="same") for _ in range(20)]
    assert len({room["id"] for room in rooms}) == 20
    assert all(re.fullmatch(r"[a-zA-Z0-9]{12}", room["id"]) for room in rooms)


@pytest.mark.parametrize(
    ("uri", "where"),
    [
        (f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:review", "another region"),
        (f"arn:aws:lambda:{REGION}:111122223333:function:review", "another account"),
    ],
)
def test_review_handler_must_be_in_the_rooms_account_and_region(
    client: Any, fake: FakeIvsChat, uri: str, where: str
) -> None:
    response = error(client.create_room, messageReviewHandler={"uri": uri})
    assert response["Error"]["Code"] == "ValidationException", where
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert response["reason"] == "FIELD_VALIDATION_FAILED"
    constraint = (
        f"Member must be a Lambda function in the room's account and region ({ACCOUNT}, {REGION})"
    )
    assert response["fieldList"] == [{"name": "messageReviewHandler.uri", "message": constraint}]
    assert response["Error"]["Message"] == (
        f"1 validation error detected: Value '{uri}' at 'messageReviewHandler.uri' failed to"
        f" satisfy constraint: {constraint}"
    )
    assert client.list_rooms()["rooms"] == []


def test_more_than_three_logging_configurations_is_a_validation_error(client: Any) -> None:
    configs = [s3_config(client) for _ in range(4)]
    assert client.create_room(loggingConfigurationIdentifiers=configs[:3])
    response = error(client.create_room, loggingConfigurationIdentifiers=configs)
    assert response["Error"]["Code"] == "ValidationException"
    assert response["reason"] == "FIELD_VALIDATION_FAILED"
    assert [field["name"] for field in response["fieldList"]] == ["loggingConfigurationIdentifiers"]


def test_duplicate_logging_configurations_are_a_validation_error(client: Any) -> None:
    config = s3_config(client)
    response = error(client.create_room, loggingConfigurationIdentifiers=[config, config])
    assert response["Error"]["Code"] == "ValidationException"
    assert response["reason"] == "FIELD_VALIDATION_FAILED"
    assert response["fieldList"] == [
        {
            "name": "loggingConfigurationIdentifiers",
            "message": "Member must not contain duplicate logging configuration identifiers",
        }
    ]
    assert response["Error"]["Message"] == (
        f"1 validation error detected: Value '[{config}, {config}]' at"
        " 'loggingConfigurationIdentifiers' failed to satisfy constraint: Member must not"
        " contain duplicate logging configuration identifiers"
    )


def test_missing_logging_configuration_is_not_found(client: Any) -> None:
    missing = f"arn:aws:ivschat:{REGION}:{ACCOUNT}:logging-configuration/ABcdef34ghIJ"
    response = error(client.create_room, loggingConfigurationIdentifiers=[missing])
    assert response["Error"]["Code"] == "ResourceNotFoundException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert response["Error"]["Message"] == f"Logging configuration not found: {missing}."
    assert response["resourceId"] == "ABcdef34ghIJ"
    assert response["resourceType"] == "ROOM"
    assert client.list_rooms()["rooms"] == []


def test_rooms_quota(fake: FakeIvsChat, client: Any) -> None:
    fake.quotas.rooms = 2
    first = client.create_room()
    client.create_room()
    response = error(client.create_room, name="third")
    assert response["Error"]["Code"] == "ServiceQuotaExceededException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 402
    assert response["Error"]["Message"] == "You have reached the quota of 2 rooms in this region."
    assert response["limit"] == 2
    assert response["resourceType"] == "ROOM"
    # The quota is per account and region, and deleting a room frees a slot.
    fake.client(region_name="eu-west-1").create_room()
    client.delete_room(identifier=first["arn"])
    assert client.create_room(name="third")["name"] == "third"


def test_bad_request_is_reported_before_the_quota(fake: FakeIvsChat, client: Any) -> None:
    fake.quotas.rooms = 0
    response = error(client.create_room, tags={"aws:reserved": "x"})
    assert response["Error"]["Code"] == "ValidationException"


# --------------------------------------------------------------------------------- GetRoom


@pytest.mark.parametrize(
    "arn",
    [
        f"arn:aws:ivschat:{REGION}:{ACCOUNT}:room/g1H2I3j4k5L6",
        f"arn:aws:ivschat:eu-west-1:{ACCOUNT}:room/g1H2I3j4k5L6",
        f"arn:aws:ivschat:{REGION}:111122223333:room/g1H2I3j4k5L6",
    ],
    ids=["missing", "other-region", "other-account"],
)
def test_get_missing_room_is_not_found(client: Any, arn: str) -> None:
    response = error(client.get_room, identifier=arn)
    assert response["Error"]["Code"] == "ResourceNotFoundException"
    assert response["Error"]["Message"] == f"Room not found: {arn}."
    assert response["resourceId"] == "g1H2I3j4k5L6"
    assert response["resourceType"] == "ROOM"


def test_room_of_another_region_or_account_is_not_visible(fake: FakeIvsChat, client: Any) -> None:
    arn = client.create_room()["arn"]
    for other in (
        fake.client(region_name="eu-west-1"),
        fake.client(region_name=REGION, account_id="111122223333"),
    ):
        assert other.list_rooms()["rooms"] == []
        assert error(other.get_room, identifier=arn)["Error"]["Code"] == (
            "ResourceNotFoundException"
        )


def test_bare_room_id_is_rejected(client: Any, room: dict[str, Any]) -> None:
    response = error(client.get_room, identifier=room["id"])
    assert response["Error"]["Code"] == "ValidationException"
    assert [field["name"] for field in response["fieldList"]] == ["identifier"]


# ------------------------------------------------------------------------------ UpdateRoom


def test_update_room_changes_only_what_is_given_and_bumps_update_time(client: Any) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        created = client.create_room(
            name="lobby", tags={"k": "v"}, messageReviewHandler={"uri": LAMBDA}
        )
        traveller.shift(timedelta(seconds=5))
        updated = client.update_room(identifier=created["arn"], maximumMessageLength=42)
    expected = {
        **body(created),
        "maximumMessageLength": 42,
        "updateTime": T0_MS + timedelta(seconds=5),
    }
    assert body(updated) == expected
    assert body(client.get_room(identifier=created["arn"])) == expected


def test_update_room_each_member(client: Any, room: dict[str, Any]) -> None:
    arn = room["arn"]
    assert client.update_room(identifier=arn, name="renamed")["name"] == "renamed"
    assert client.update_room(identifier=arn, name="")["name"] == ""
    rate = client.update_room(identifier=arn, maximumMessageRatePerSecond=1)
    assert rate["maximumMessageRatePerSecond"] == 1
    final = client.get_room(identifier=arn)
    assert final["name"] == ""
    assert final["maximumMessageLength"] == 500
    assert final["maximumMessageRatePerSecond"] == 1


def test_update_room_replaces_and_clears_logging_configurations(client: Any) -> None:
    a, b, c = (s3_config(client) for _ in range(3))
    arn = client.create_room(loggingConfigurationIdentifiers=[a, b])["arn"]
    replaced = client.update_room(identifier=arn, loggingConfigurationIdentifiers=[c, a])
    assert replaced["loggingConfigurationIdentifiers"] == [c, a]
    assert client.update_room(identifier=arn, name="x")["loggingConfigurationIdentifiers"] == [c, a]
    cleared = client.update_room(identifier=arn, loggingConfigurationIdentifiers=[])
    assert cleared["loggingConfigurationIdentifiers"] == []
    assert client.get_room(identifier=arn)["loggingConfigurationIdentifiers"] == []


def test_empty_uri_detaches_the_review_handler(client: Any) -> None:
    arn = client.create_room(messageReviewHandler={"uri": LAMBDA, "fallbackResult": "DENY"})["arn"]
    updated = client.update_room(identifier=arn, messageReviewHandler={"uri": ""})
    assert updated["messageReviewHandler"] == {"uri": "", "fallbackResult": "DENY"}
    assert client.get_room(identifier=arn)["messageReviewHandler"] == {
        "uri": "",
        "fallbackResult": "DENY",
    }


def test_update_handler_members_independently(client: Any, room: dict[str, Any]) -> None:
    arn = room["arn"]
    assert "messageReviewHandler" not in room
    attached = client.update_room(identifier=arn, messageReviewHandler={"uri": LAMBDA})
    assert attached["messageReviewHandler"] == {"uri": LAMBDA, "fallbackResult": "ALLOW"}
    denying = client.update_room(identifier=arn, messageReviewHandler={"fallbackResult": "DENY"})
    assert denying["messageReviewHandler"] == {"uri": LAMBDA, "fallbackResult": "DENY"}


def test_update_handler_in_another_region_is_rejected(client: Any, room: dict[str, Any]) -> None:
    uri = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:review"
    response = error(client.update_room, identifier=room["arn"], messageReviewHandler={"uri": uri})
    assert response["Error"]["Code"] == "ValidationException"
    assert [field["name"] for field in response["fieldList"]] == ["messageReviewHandler.uri"]


def test_failed_update_changes_nothing(client: Any) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        created = client.create_room(name="before")
        traveller.shift(timedelta(seconds=1))
        missing = f"arn:aws:ivschat:{REGION}:{ACCOUNT}:logging-configuration/ABcdef34ghIJ"
        response = error(
            client.update_room,
            identifier=created["arn"],
            name="after",
            loggingConfigurationIdentifiers=[missing],
        )
    assert response["Error"]["Code"] == "ResourceNotFoundException"
    assert response["resourceId"] == "ABcdef34ghIJ"
    assert body(client.get_room(identifier=created["arn"])) == body(created)


def test_update_missing_room_is_not_found(client: Any) -> None:
    arn = f"arn:aws:ivschat:{REGION}:{ACCOUNT}:room/g1H2I3j4k5L6"
    response = error(client.update_room, identifier=arn, name="x")
    assert response["Error"]["Code"] == "ResourceNotFoundException"
    assert response["resourceId"] == "g1H2I3j4k5L6"


def test_update_room_duplicate_or_too_many_logging_configurations(
    client: Any, room: dict[str, Any]
) -> None:
    configs = [s3_config(client) for _ in range(4)]
    for given in ([configs[0], configs[0]], configs):
        response = error(
            client.update_room, identifier=room["arn"], loggingConfigurationIdentifiers=given
        )
        assert response["Error"]["Code"] == "ValidationException"
        assert response["fieldList"][0]["name"] == "loggingConfigurationIdentifiers"


# ------------------------------------------------------------------------------ DeleteRoom


def test_delete_room_answers_204_and_the_room_is_gone(client: Any, room: dict[str, Any]) -> None:
    deleted = client.delete_room(identifier=room["arn"])
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert body(deleted) == {}
    for call in (client.get_room, client.delete_room, client.update_room):
        response = error(call, identifier=room["arn"])
        assert response["Error"]["Code"] == "ResourceNotFoundException"
        assert response["resourceId"] == room["id"]
    assert client.list_rooms()["rooms"] == []


def test_delete_room_closes_its_connections(fake: FakeIvsChat, client: Any) -> None:
    arn = client.create_room()["arn"]
    token = client.create_chat_token(roomIdentifier=arn, userId="alice")["token"]
    connection = fake.connect(token)
    client.delete_room(identifier=arn)
    assert connection.closed


@pytest.mark.parametrize(("room_id", "shown"), [("a-b", "ab"), ("-", "none")])
def test_an_id_no_resource_can_have_is_not_found_with_a_resource_id_that_fits_the_model(
    client: Any, room_id: str, shown: str
) -> None:
    # The identifier pattern lets "-" through; resource ids (the model's ResourceId) never hold one.
    missing = f"arn:aws:ivschat:{REGION}:{ACCOUNT}:room/{room_id}"
    response = error(client.get_room, identifier=missing)
    assert response["Error"]["Code"] == "ResourceNotFoundException"
    assert response["Error"]["Message"] == f"Room not found: {missing}."
    assert response["resourceId"] == shown

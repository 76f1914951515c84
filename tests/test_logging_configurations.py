"""Logging configurations through a real client: the CRUD operations, destinations, the quota,
delete-while-attached, and the optional CREATING/UPDATING/DELETING states."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import pytest
import time_machine
from helpers import body, error

from fake_ivschat import FakeIvsChat

if TYPE_CHECKING:
    from mypy_boto3_ivschat.type_defs import DestinationConfigurationTypeDef

REGION = "us-west-2"
ACCOUNT = "123456789012"
T0 = datetime(2024, 5, 1, 12, 0, 0, 250000, tzinfo=timezone.utc)
CONFIG_ARN = re.compile(
    rf"arn:aws:ivschat:{REGION}:{ACCOUNT}:logging-configuration/([a-zA-Z0-9]{{12}})"
)
MISSING = f"arn:aws:ivschat:{REGION}:{ACCOUNT}:logging-configuration/ABcdef34ghIJ"
S3: DestinationConfigurationTypeDef = {"s3": {"bucketName": "chat-logs"}}
CLOUDWATCH = {"cloudWatchLogs": {"logGroupName": "/ivs/chat"}}
FIREHOSE = {"firehose": {"deliveryStreamName": "chat-stream"}}


def states(client: Any, arn: str, polls: int) -> list[str]:
    """What ``polls`` successive GetLoggingConfiguration calls show ("gone" once it is 404)."""
    seen = []
    for _ in range(polls):
        try:
            seen.append(client.get_logging_configuration(identifier=arn)["state"])
        except client.exceptions.ResourceNotFoundException:
            seen.append("gone")
    return seen


@pytest.mark.parametrize("destination", [S3, CLOUDWATCH, FIREHOSE], ids=lambda d: next(iter(d)))
def test_create_and_get(client: Any, destination: dict[str, Any]) -> None:
    with time_machine.travel(T0, tick=False):
        created = client.create_logging_configuration(destinationConfiguration=destination)
    match = CONFIG_ARN.fullmatch(created["arn"])
    assert match is not None
    assert body(created) == {
        "arn": created["arn"],
        "id": match.group(1),
        "name": "",
        "destinationConfiguration": destination,
        "createTime": T0,
        "updateTime": T0,
        "state": "ACTIVE",
        "tags": {},
    }
    assert body(client.get_logging_configuration(identifier=created["arn"])) == body(created)


def test_create_with_name_and_tags(client: Any) -> None:
    created = client.create_logging_configuration(
        name="archive_1", destinationConfiguration=S3, tags={"env": "test"}
    )
    assert (created["name"], created["tags"]) == ("archive_1", {"env": "test"})


def test_get_update_delete_missing_are_not_found(client: Any) -> None:
    calls: tuple[tuple[Callable[..., Any], dict[str, Any]], ...] = (
        (client.get_logging_configuration, {}),
        (client.update_logging_configuration, {"name": "x"}),
        (client.delete_logging_configuration, {}),
    )
    for call, extra in calls:
        response = error(call, identifier=MISSING, **extra)
        assert response["Error"]["Code"] == "ResourceNotFoundException"
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 404
        assert response["Error"]["Message"] == f"Logging configuration not found: {MISSING}."
        assert response["resourceId"] == "ABcdef34ghIJ"
        assert response["resourceType"] == "ROOM"  # the model's only ResourceType


def test_update_changes_only_what_is_given(client: Any) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        created = client.create_logging_configuration(
            name="before", destinationConfiguration=S3, tags={"k": "v"}
        )
        traveller.shift(timedelta(seconds=3))
        renamed = client.update_logging_configuration(identifier=created["arn"], name="after")
        traveller.shift(timedelta(seconds=3))
        moved = client.update_logging_configuration(
            identifier=created["arn"], destinationConfiguration=CLOUDWATCH
        )
    assert body(renamed) == {
        **body(created),
        "name": "after",
        "updateTime": T0 + timedelta(seconds=3),
    }
    expected = {
        **body(created),
        "name": "after",
        "destinationConfiguration": CLOUDWATCH,
        "updateTime": T0 + timedelta(seconds=6),
    }
    assert body(moved) == expected
    assert body(client.get_logging_configuration(identifier=created["arn"])) == expected


def test_delete_answers_204_then_not_found(client: Any) -> None:
    arn = client.create_logging_configuration(destinationConfiguration=S3)["arn"]
    deleted = client.delete_logging_configuration(identifier=arn)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert body(deleted) == {}
    assert states(client, arn, 1) == ["gone"]
    assert client.list_logging_configurations()["loggingConfigurations"] == []


def test_quota_of_ten_per_account_and_region(fake: FakeIvsChat, client: Any) -> None:
    arns = [
        client.create_logging_configuration(destinationConfiguration=S3)["arn"] for _ in range(10)
    ]
    response = error(client.create_logging_configuration, destinationConfiguration=S3)
    assert response["Error"]["Code"] == "ServiceQuotaExceededException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 402
    assert response["limit"] == 10
    assert response["Error"]["Message"] == (
        "You have reached the quota of 10 logging configurations in this region."
    )
    fake.client(region_name="eu-west-1").create_logging_configuration(destinationConfiguration=S3)
    client.delete_logging_configuration(identifier=arns[0])
    client.create_logging_configuration(destinationConfiguration=S3)
    fake.quotas.logging_configurations = 11
    client.create_logging_configuration(destinationConfiguration=S3)
    assert len(client.list_logging_configurations()["loggingConfigurations"]) == 11


def test_configurations_are_per_account_and_region(fake: FakeIvsChat, client: Any) -> None:
    arn = client.create_logging_configuration(destinationConfiguration=S3)["arn"]
    for other in (
        fake.client(region_name="eu-west-1"),
        fake.client(region_name=REGION, account_id="111122223333"),
    ):
        assert other.list_logging_configurations()["loggingConfigurations"] == []
        with pytest.raises(other.exceptions.ResourceNotFoundException):
            other.get_logging_configuration(identifier=arn)
        with pytest.raises(other.exceptions.ResourceNotFoundException):
            other.create_room(loggingConfigurationIdentifiers=[arn])


def test_delete_while_attached_is_a_conflict(client: Any) -> None:
    arn = client.create_logging_configuration(destinationConfiguration=S3)["arn"]
    room = client.create_room(loggingConfigurationIdentifiers=[arn])
    response = error(client.delete_logging_configuration, identifier=arn)
    assert response["Error"]["Code"] == "ConflictException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 409
    config = CONFIG_ARN.fullmatch(arn)
    assert config is not None
    assert response["resourceId"] == config.group(1)
    assert response["resourceType"] == "ROOM"
    assert response["Error"]["Message"] == (
        f"Logging configuration {arn} is attached to 1 room(s); detach it with UpdateRoom before"
        " deleting it."
    )
    client.update_room(identifier=room["arn"], loggingConfigurationIdentifiers=[])
    client.delete_logging_configuration(identifier=arn)
    assert states(client, arn, 1) == ["gone"]


def test_delete_while_attached_can_be_allowed() -> None:
    fake = FakeIvsChat(conflict_on_attached_logging_delete=False)
    client = fake.client(region_name=REGION)
    kept, dropped = (
        client.create_logging_configuration(destinationConfiguration=S3)["arn"] for _ in range(2)
    )
    room = client.create_room(loggingConfigurationIdentifiers=[kept, dropped])
    client.delete_logging_configuration(identifier=dropped)
    assert client.get_room(identifier=room["arn"])["loggingConfigurationIdentifiers"] == [kept]
    assert states(client, dropped, 1) == ["gone"]


def test_list_is_newest_update_first(client: Any) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        arns = []
        for _ in range(3):
            arns.append(client.create_logging_configuration(destinationConfiguration=S3)["arn"])
            traveller.shift(timedelta(milliseconds=1))
        client.update_logging_configuration(identifier=arns[0], name="touched")
    listed = client.list_logging_configurations()
    assert "nextToken" not in listed
    assert [c["arn"] for c in listed["loggingConfigurations"]] == [arns[0], arns[2], arns[1]]
    assert listed["loggingConfigurations"][0] == body(
        client.get_logging_configuration(identifier=arns[0])
    )


# ------------------------------------------------------------- transitional states (option)


def test_states_pass_through_creating_updating_deleting() -> None:
    fake = FakeIvsChat(logging_state_polls=2)
    client = fake.client(region_name=REGION)
    created = client.create_logging_configuration(destinationConfiguration=S3)
    arn = created["arn"]
    assert created["state"] == "ACTIVE"  # the model allows only ACTIVE in this response
    assert states(client, arn, 3) == ["CREATING", "CREATING", "ACTIVE"]
    updated = client.update_logging_configuration(identifier=arn, name="renamed")
    assert updated["state"] == "ACTIVE"
    assert states(client, arn, 3) == ["UPDATING", "UPDATING", "ACTIVE"]
    client.delete_logging_configuration(identifier=arn)
    assert states(client, arn, 3) == ["DELETING", "DELETING", "gone"]


def test_list_counts_as_a_poll_and_hides_what_is_gone() -> None:
    fake = FakeIvsChat(logging_state_polls=1)
    client = fake.client(region_name=REGION)
    arn = client.create_logging_configuration(destinationConfiguration=S3)["arn"]
    assert [c["state"] for c in client.list_logging_configurations()["loggingConfigurations"]] == [
        "CREATING"
    ]
    assert client.get_logging_configuration(identifier=arn)["state"] == "ACTIVE"
    client.delete_logging_configuration(identifier=arn)
    assert [c["state"] for c in client.list_logging_configurations()["loggingConfigurations"]] == [
        "DELETING"
    ]
    assert client.list_logging_configurations()["loggingConfigurations"] == []


def test_unsettled_configuration_conflicts_where_the_model_allows_it() -> None:
    fake = FakeIvsChat(logging_state_polls=1)
    client = fake.client(region_name=REGION)
    arn = client.create_logging_configuration(destinationConfiguration=S3)["arn"]
    for call, kwargs in (
        (client.update_logging_configuration, {"identifier": arn, "name": "x"}),
        (client.delete_logging_configuration, {"identifier": arn}),
        (client.create_room, {"loggingConfigurationIdentifiers": [arn]}),
    ):
        response = error(call, **kwargs)
        assert response["Error"]["Code"] == "ConflictException"
        assert response["Error"]["Message"] == (
            f"Logging configuration {arn} is CREATING; retry when it is ACTIVE."
        )
    # UpdateRoom cannot raise ConflictException: a configuration still being created is taken.
    room = client.create_room()["arn"]
    updated = client.update_room(identifier=room, loggingConfigurationIdentifiers=[arn])
    assert updated["loggingConfigurationIdentifiers"] == [arn]


def test_configuration_being_deleted_is_not_found_for_update_room() -> None:
    fake = FakeIvsChat(logging_state_polls=5)
    client = fake.client(region_name=REGION)
    arn = client.create_logging_configuration(destinationConfiguration=S3)["arn"]
    states(client, arn, 5)
    room = client.create_room()["arn"]
    client.delete_logging_configuration(identifier=arn)
    response = error(client.update_room, identifier=room, loggingConfigurationIdentifiers=[arn])
    assert response["Error"]["Code"] == "ResourceNotFoundException"
    assert error(client.create_room, loggingConfigurationIdentifiers=[arn])["Error"]["Code"] == (
        "ConflictException"
    )


def test_quota_counts_configurations_until_they_are_gone() -> None:
    fake = FakeIvsChat(logging_state_polls=1)
    fake.quotas.logging_configurations = 1
    client = fake.client(region_name=REGION)
    arn = client.create_logging_configuration(destinationConfiguration=S3)["arn"]
    states(client, arn, 2)
    client.delete_logging_configuration(identifier=arn)
    response = error(client.create_logging_configuration, destinationConfiguration=S3)
    assert response["Error"]["Code"] == "ServiceQuotaExceededException"
    assert states(client, arn, 2) == ["DELETING", "gone"]
    assert client.create_logging_configuration(destinationConfiguration=S3)["state"] == "ACTIVE"

"""TagResource, UntagResource and ListTagsForResource on rooms and logging configurations."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import time_machine
from helpers import error

REGION = "us-west-2"
ACCOUNT = "123456789012"
RESERVED = "Map keys must not begin with 'aws:' (reserved for AWS use)"


def make_room(client: Any) -> str:
    arn: str = client.create_room()["arn"]
    return arn


def make_config(client: Any) -> str:
    arn: str = client.create_logging_configuration(
        destinationConfiguration={"s3": {"bucketName": "chat-logs"}}
    )["arn"]
    return arn


RESOURCES: list[Callable[[Any], str]] = [make_room, make_config]
KINDS = ["room", "logging-configuration"]


@pytest.fixture(params=RESOURCES, ids=KINDS)
def resource(request: pytest.FixtureRequest, client: Any) -> str:
    make: Callable[[Any], str] = request.param
    return make(client)


def tags_of(client: Any, arn: str) -> dict[str, str]:
    tags: dict[str, str] = client.list_tags_for_resource(resourceArn=arn)["tags"]
    return tags


def test_tag_list_untag(client: Any, resource: str) -> None:
    assert tags_of(client, resource) == {}
    tagged = client.tag_resource(resourceArn=resource, tags={"a": "1", "b": ""})
    assert {k: v for k, v in tagged.items() if k != "ResponseMetadata"} == {}
    assert tags_of(client, resource) == {"a": "1", "b": ""}
    client.tag_resource(resourceArn=resource, tags={"a": "2", "c": "3"})  # merge, overwrite
    assert tags_of(client, resource) == {"a": "2", "b": "", "c": "3"}
    untagged = client.untag_resource(resourceArn=resource, tagKeys=["b", "absent"])
    assert {k: v for k, v in untagged.items() if k != "ResponseMetadata"} == {}
    assert tags_of(client, resource) == {"a": "2", "c": "3"}
    client.untag_resource(resourceArn=resource, tagKeys=["a", "c"])
    assert tags_of(client, resource) == {}


def test_tags_given_at_creation_are_the_resources_tags(client: Any) -> None:
    room = client.create_room(tags={"team": "chat"})
    config = client.create_logging_configuration(
        destinationConfiguration={"s3": {"bucketName": "chat-logs"}}, tags={"env": "prod"}
    )
    assert tags_of(client, room["arn"]) == {"team": "chat"}
    assert tags_of(client, config["arn"]) == {"env": "prod"}
    client.tag_resource(resourceArn=room["arn"], tags={"more": "x"})
    assert client.get_room(identifier=room["arn"])["tags"] == {"team": "chat", "more": "x"}
    listed = client.list_rooms()["rooms"][0]["tags"]
    assert listed == {"team": "chat", "more": "x"}


def test_fifty_tags_at_most_counting_existing_ones(client: Any, resource: str) -> None:
    client.tag_resource(resourceArn=resource, tags={f"k{i}": "v" for i in range(49)})
    client.tag_resource(resourceArn=resource, tags={"k0": "overwrite"})  # still 49
    too_many = {"x": "1", "y": "2"}
    response = error(client.tag_resource, resourceArn=resource, tags=too_many)
    assert response["Error"]["Code"] == "ValidationException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert response["reason"] == "FIELD_VALIDATION_FAILED"
    constraint = "A resource can have at most 50 tags; these would make 51"
    assert response["fieldList"] == [{"name": "tags", "message": constraint}]
    assert response["Error"]["Message"] == (
        f"1 validation error detected: Value '{{x=1, y=2}}' at 'tags' failed to satisfy"
        f" constraint: {constraint}"
    )
    assert len(tags_of(client, resource)) == 49
    client.tag_resource(resourceArn=resource, tags={"x": "1"})
    assert len(tags_of(client, resource)) == 50


def test_fifty_tags_at_creation(client: Any) -> None:
    assert len(client.create_room(tags={f"k{i}": "v" for i in range(50)})["tags"]) == 50
    response = error(client.create_room, tags={f"k{i}": "v" for i in range(51)})
    assert response["Error"]["Code"] == "ValidationException"
    assert [field["name"] for field in response["fieldList"]] == ["tags"]


def test_reserved_prefix_is_rejected_everywhere(client: Any, resource: str) -> None:
    response = error(client.tag_resource, resourceArn=resource, tags={"aws:owner": "me"})
    assert response["Error"]["Code"] == "ValidationException"
    assert response["fieldList"] == [{"name": "tags", "message": RESERVED}]
    assert response["Error"]["Message"] == (
        "1 validation error detected: Value '{aws:owner=me}' at 'tags' failed to satisfy"
        f" constraint: {RESERVED}"
    )
    untag = error(client.untag_resource, resourceArn=resource, tagKeys=["ok", "aws:owner"])
    assert untag["Error"]["Code"] == "ValidationException"
    assert untag["fieldList"] == [
        {
            "name": "tagKeys",
            "message": "Member must not contain keys beginning with 'aws:' (reserved for AWS use)",
        }
    ]
    creates: tuple[Callable[[], Any], ...] = (
        lambda: client.create_room(tags={"aws:x": "1"}),
        lambda: client.create_logging_configuration(
            destinationConfiguration={"s3": {"bucketName": "chat-logs"}}, tags={"aws:x": "1"}
        ),
    )
    for create in creates:
        with pytest.raises(client.exceptions.ValidationException):
            create()
    assert tags_of(client, resource) == {}
    # Only the prefix is reserved: "aws" elsewhere in a key is fine.
    client.tag_resource(resourceArn=resource, tags={"my:aws:key": "v", "AWS": "v"})


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("operation", "extra"),
    [
        ("list_tags_for_resource", {}),
        ("tag_resource", {"tags": {"a": "1"}}),
        ("untag_resource", {"tagKeys": ["a"]}),
    ],
)
def test_missing_resource_is_not_found(
    client: Any, kind: str, operation: str, extra: dict[str, Any]
) -> None:
    arn = f"arn:aws:ivschat:{REGION}:{ACCOUNT}:{kind}/g1H2I3j4k5L6"
    response = error(getattr(client, operation), resourceArn=arn, **extra)
    assert response["Error"]["Code"] == "ResourceNotFoundException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert response["resourceId"] == "g1H2I3j4k5L6"
    assert response["resourceType"] == "ROOM"


def test_deleted_resource_is_not_found(client: Any) -> None:
    arn = make_room(client)
    client.delete_room(identifier=arn)
    response = error(client.list_tags_for_resource, resourceArn=arn)
    assert response["Error"]["Code"] == "ResourceNotFoundException"


def test_tagging_does_not_change_update_time(client: Any) -> None:
    start = datetime(2024, 5, 1, tzinfo=timezone.utc)
    with time_machine.travel(start, tick=False) as traveller:
        arn = make_room(client)
        traveller.shift(timedelta(minutes=1))
        client.tag_resource(resourceArn=arn, tags={"a": "1"})
        client.untag_resource(resourceArn=arn, tagKeys=["a"])
    assert client.get_room(identifier=arn)["updateTime"] == start


def test_tags_are_per_resource(client: Any) -> None:
    first, second = make_room(client), make_room(client)
    client.tag_resource(resourceArn=first, tags={"a": "1"})
    assert tags_of(client, second) == {}

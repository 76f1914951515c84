"""Output fidelity: the checker behind the suite-wide ``output_audit`` fixture, and a run of every
operation (and every error) so each output and error shape the fake sends is checked once.

botocore parses a response through the model and drops what it does not know, so a wrong body
would pass every other test unnoticed; the audit reads the bodies before botocore does.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import time_machine
from botocore.config import Config
from botocore.exceptions import ClientError
from response_audit import ResponseAudit, error_problems, output_problems, service_model

from fake_ivschat import FakeIvsChat
from fake_ivschat._service.backend import RegionState
from fake_ivschat._service.errors import ConflictException, ResourceNotFoundException

ROOM_ARN = "arn:aws:ivschat:us-west-2:123456789012:room/AbCdEfGhIjKl"
LOG_ARN = "arn:aws:ivschat:us-west-2:123456789012:logging-configuration/ABcdef34ghIJ"
STAMP = "2024-05-01T12:00:00.123Z"


def a_room(**changes: Any) -> dict[str, Any]:
    room = {
        "arn": ROOM_ARN,
        "id": "AbCdEfGhIjKl",
        "name": "lobby",
        "createTime": STAMP,
        "updateTime": STAMP,
        "maximumMessageLength": 500,
        "maximumMessageRatePerSecond": 10,
        "messageReviewHandler": {"uri": "", "fallbackResult": "ALLOW"},
        "tags": {"team": "chat"},
        "loggingConfigurationIdentifiers": [LOG_ARN],
    }
    room.update(changes)
    return room


def a_logging_configuration(**changes: Any) -> dict[str, Any]:
    config = {
        "arn": LOG_ARN,
        "id": "ABcdef34ghIJ",
        "name": "archive",
        "destinationConfiguration": {"s3": {"bucketName": "chat-logs"}},
        "createTime": STAMP,
        "updateTime": STAMP,
        "state": "ACTIVE",
        "tags": {},
    }
    config.update(changes)
    return config


# ------------------------------------------------------------------------ the checker


def test_well_formed_bodies_have_no_problems() -> None:
    assert output_problems("GetRoom", a_room()) == []
    assert output_problems("GetLoggingConfiguration", a_logging_configuration()) == []
    summary = {k: v for k, v in a_room().items() if not k.startswith("maximum")}
    assert output_problems("ListRooms", {"rooms": [summary], "nextToken": "abc"}) == []
    assert output_problems("DeleteRoom", None) == []
    assert output_problems("DisconnectUser", {}) == []
    assert (
        error_problems(
            "ValidationException",
            {"message": "m", "reason": "OTHER", "fieldList": [{"name": "n", "message": "m"}]},
            "GetRoom",
        )
        == []
    )


def test_an_unmodelled_key_is_caught_at_any_depth() -> None:
    assert output_problems("GetRoom", a_room(channel="x")) == [
        "GetRoom output $.channel: not a member of GetRoomResponse (members: ['arn', 'id',"
        " 'name', 'createTime', 'updateTime', 'maximumMessageRatePerSecond',"
        " 'maximumMessageLength', 'messageReviewHandler', 'tags',"
        " 'loggingConfigurationIdentifiers'])"
    ]
    # RoomSummary has no maximumMessageLength: a summary built from the full room is wrong.
    problems = output_problems("ListRooms", {"rooms": [a_room()]})
    assert sorted(problem.split(":")[0] for problem in problems) == [
        "ListRooms output $.rooms[0].maximumMessageLength",
        "ListRooms output $.rooms[0].maximumMessageRatePerSecond",
    ]
    handler = {"uri": "", "fallbackResult": "ALLOW", "timeout": 200}
    problems = output_problems("GetRoom", a_room(messageReviewHandler=handler))
    assert problems[0].startswith("GetRoom output $.messageReviewHandler.timeout: not a member")


def test_a_missing_required_member_is_caught() -> None:
    assert output_problems("ListRooms", {}) == [
        "ListRooms output $.rooms: required member of ListRoomsResponse is missing"
    ]
    assert output_problems("ListRooms", {"rooms": None}) == [
        "ListRooms output $.rooms: required member of ListRoomsResponse is missing"
    ]
    assert error_problems("ValidationException", {"message": "m"}) == [
        "ValidationException body $.reason: required member of ValidationException is missing"
    ]


def test_a_value_outside_its_enum_is_caught() -> None:
    assert output_problems("GetLoggingConfiguration", a_logging_configuration(state="READY")) == [
        "GetLoggingConfiguration output $.state: 'READY' is not one of LoggingConfigurationState"
        " ['CREATING', 'CREATE_FAILED', 'DELETING', 'DELETE_FAILED', 'UPDATING',"
        " 'UPDATE_FAILED', 'ACTIVE']"
    ]
    body = {"message": "m", "resourceId": "abc", "resourceType": "LOGGING_CONFIGURATION"}
    assert error_problems("ResourceNotFoundException", body) == [
        "ResourceNotFoundException body $.resourceType: 'LOGGING_CONFIGURATION' is not one of"
        " ResourceType ['ROOM']"
    ]


def test_patterns_lengths_types_and_timestamps_are_checked() -> None:
    bad = a_room(
        id="short",
        arn=ROOM_ARN.replace("room/", "channel/"),
        createTime=1714564800.123,
        updateTime="2024-05-01 12:00:00",
        maximumMessageLength="500",
        tags={"k" * 129: "v"},
    )
    problems = output_problems("GetRoom", bad)
    assert sorted(problems) == sorted(
        [
            "GetRoom output $.arn: 'arn:aws:ivschat:us-west-2:123456789012:channel/AbCdEfGhIjKl'"
            " does not match RoomArn pattern"
            " arn:aws:ivschat:[a-z0-9-]+:[0-9]+:room/[a-zA-Z0-9-]+",
            "GetRoom output $.id: 5 characters, fewer than RoomID's min 12",
            "GetRoom output $.createTime: expected an ISO-8601 timestamp string,"
            " got 1714564800.123",
            "GetRoom output $.updateTime: expected an ISO-8601 timestamp string,"
            " got '2024-05-01 12:00:00'",
            "GetRoom output $.maximumMessageLength: expected an integer"
            " (RoomMaxMessageLength), got '500'",
            f"GetRoom output $.tags key {'k' * 129!r}: 129 characters, more than TagKey's max 128",
        ]
    )


def test_a_union_must_hold_exactly_one_member() -> None:
    both = {"s3": {"bucketName": "abc"}, "firehose": {"deliveryStreamName": "x"}}
    problems = output_problems(
        "GetLoggingConfiguration", a_logging_configuration(destinationConfiguration=both)
    )
    assert problems == [
        "GetLoggingConfiguration output $.destinationConfiguration: union"
        " DestinationConfiguration must set exactly one member, sets ['s3', 'firehose']"
    ]


def test_bodies_for_operations_without_output_and_foreign_errors_are_caught() -> None:
    assert output_problems("DeleteRoom", {"deleted": True}) == [
        "DeleteRoom has no output shape, but the fake answered {'deleted': True}"
    ]
    assert error_problems("ConflictException", {"message": "m"}, "GetRoom")[0] == (
        "GetRoom cannot answer ConflictException; the model allows ['AccessDeniedException',"
        " 'ResourceNotFoundException', 'ValidationException']"
    )
    assert error_problems("TeapotException", {"message": "m"})[0].startswith(
        "error 'TeapotException' is not modelled"
    )


# ------------------------------------------------------------- the suite-wide audit


def test_the_audit_sees_what_botocore_would_drop(
    client: Any, room: dict[str, Any], output_audit: ResponseAudit, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_get_room = RegionState.get_room

    def get_room_with_a_stray_key(self: RegionState, params: dict[str, Any]) -> dict[str, Any]:
        return {**real_get_room(self, params), "internalState": "warm"}

    monkeypatch.setattr(RegionState, "get_room", get_room_with_a_stray_key)
    answer = client.get_room(identifier=room["arn"])
    assert "internalState" not in answer  # botocore dropped it without a word...
    assert output_audit.problems == [  # ... the audit did not
        "GetRoom output $.internalState: not a member of GetRoomResponse (members: ['arn',"
        " 'id', 'name', 'createTime', 'updateTime', 'maximumMessageRatePerSecond',"
        " 'maximumMessageLength', 'messageReviewHandler', 'tags',"
        " 'loggingConfigurationIdentifiers'])"
    ]
    report = output_audit.report()
    assert report.startswith("fake_ivschat sent 1 response part(s) that botocore's ivschat model")
    assert "\n  - GetRoom output $.internalState: not a member" in report
    assert report.endswith("clears `output_audit.problems` (fixture from tests/conftest.py).")
    output_audit.problems.clear()  # provoked on purpose


def test_the_audit_checks_error_bodies_against_the_operation(
    client: Any, room: dict[str, Any], output_audit: ResponseAudit, monkeypatch: pytest.MonkeyPatch
) -> None:
    failures: list[Exception] = [
        ResourceNotFoundException("gone", resourceId="abc", resourceType="CHANNEL"),
        ConflictException("busy", resourceId="abc", resourceType="ROOM"),
    ]

    def failing_get_room(self: RegionState, params: dict[str, Any]) -> dict[str, Any]:
        raise failures.pop(0)

    monkeypatch.setattr(RegionState, "get_room", failing_get_room)
    for _ in range(2):
        with pytest.raises(ClientError):
            client.get_room(identifier=room["arn"])
    assert output_audit.problems == [
        "ResourceNotFoundException body $.resourceType: 'CHANNEL' is not one of ResourceType"
        " ['ROOM']",
        "GetRoom cannot answer ConflictException; the model allows ['AccessDeniedException',"
        " 'ResourceNotFoundException', 'ValidationException']",
    ]
    output_audit.problems.clear()  # provoked on purpose


def test_a_problem_fails_the_test_at_teardown(
    pytester: pytest.Pytester, output_audit: ResponseAudit
) -> None:
    pytester.makeconftest((Path(__file__).parent / "conftest.py").read_text())
    pytester.makepyfile(
        test_stray="""
        from fake_ivschat._service.backend import RegionState

        def test_stray(client, room, monkeypatch):
            def tags_and_more(self, params):
                return {"tags": {}, "etag": "1"}

            monkeypatch.setattr(RegionState, "list_tags_for_resource", tags_and_more)
            client.list_tags_for_resource(resourceArn=room["arn"])
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:randomly")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_stray*",
            "*fake_ivschat sent 1 response part(s) that botocore's ivschat model*",
            "*  - ListTagsForResource output $.etag: not a member of ListTagsForResourceResponse*",
        ]
    )
    output_audit.problems.clear()  # this test's own audit saw the inner run's body too


# --------------------------------------------------------- every operation, every error


def test_every_operation_and_every_error_shape_is_exercised(
    fake: FakeIvsChat, client: Any, output_audit: ResponseAudit
) -> None:
    fake.quotas.rooms = 2
    fake.quotas.api_rates["SendEvent"] = 1
    config = client.create_logging_configuration(
        name="archive",
        destinationConfiguration={"firehose": {"deliveryStreamName": "chat"}},
        tags={"team": "chat"},
    )
    room = client.create_room(
        name="lobby",
        messageReviewHandler={"uri": "arn:aws:lambda:us-west-2:123456789012:function:review"},
        loggingConfigurationIdentifiers=[config["arn"]],
        tags={"team": "chat"},
    )
    arn = room["arn"]
    calls: dict[str, Callable[[], Any]] = {
        "GetRoom": lambda: client.get_room(identifier=arn),
        "UpdateRoom": lambda: client.update_room(identifier=arn, maximumMessageLength=100),
        "ListRooms": lambda: client.list_rooms(maxResults=1),
        "GetLoggingConfiguration": lambda: client.get_logging_configuration(
            identifier=config["arn"]
        ),
        "UpdateLoggingConfiguration": lambda: client.update_logging_configuration(
            identifier=config["arn"],
            destinationConfiguration={"cloudWatchLogs": {"logGroupName": "/chat"}},
        ),
        "ListLoggingConfigurations": lambda: client.list_logging_configurations(maxResults=1),
        "CreateChatToken": lambda: client.create_chat_token(
            roomIdentifier=arn, userId="alice", capabilities=["SEND_MESSAGE"]
        ),
        "SendEvent": lambda: client.send_event(roomIdentifier=arn, eventName="app:start"),
        "DeleteMessage": lambda: client.delete_message(roomIdentifier=arn, id="AbCdEfGhIjKl"),
        "DisconnectUser": lambda: client.disconnect_user(roomIdentifier=arn, userId="bob"),
        "TagResource": lambda: client.tag_resource(resourceArn=arn, tags={"tier": "gold"}),
        "UntagResource": lambda: client.untag_resource(resourceArn=arn, tagKeys=["tier"]),
        "ListTagsForResource": lambda: client.list_tags_for_resource(resourceArn=arn),
    }
    # A client that does not retry: botocore retries a ThrottlingException (its backoff would
    # carry it into the next second) and an InternalServerException.
    once = fake.client(region_name="us-west-2", config=Config(retries={"total_max_attempts": 1}))
    with time_machine.travel(datetime(2024, 5, 1, 12, tzinfo=timezone.utc), tick=False):
        for call in calls.values():
            call()
        errors: dict[str, Callable[[], Any]] = {
            "ValidationException": lambda: client.create_room(name="no spaces"),
            "ResourceNotFoundException": lambda: client.get_room(identifier=arn + "x"),
            "ConflictException": lambda: client.delete_logging_configuration(
                identifier=config["arn"]
            ),
            "ServiceQuotaExceededException": lambda: [client.create_room() for _ in range(2)],
            "ThrottlingException": lambda: once.send_event(roomIdentifier=arn, eventName="x"),
        }
        for code, call in errors.items():
            with pytest.raises(ClientError) as caught:
                call()
            assert caught.value.response["Error"]["Code"] == code
        # Errors the fake never raises by itself: injected into operations that may raise them.
        calls_once: dict[str, Callable[[], object]] = {
            "GetRoom": lambda: once.get_room(identifier=arn),
            "UpdateRoom": lambda: once.update_room(identifier=arn, name="x"),
            "TagResource": lambda: once.tag_resource(resourceArn=arn, tags={"x": "y"}),
        }
        for code, operation in (
            ("AccessDeniedException", "GetRoom"),
            ("PendingVerification", "UpdateRoom"),
            ("InternalServerException", "TagResource"),
        ):
            fake.inject_error(operation, code)
            with pytest.raises(ClientError) as caught:
                calls_once[operation]()
            assert caught.value.response["Error"]["Code"] == code
    client.update_room(identifier=arn, loggingConfigurationIdentifiers=[])
    client.delete_logging_configuration(identifier=config["arn"])
    client.delete_room(identifier=arn)

    model = service_model()
    assert set(output_audit.checked) == set(model.operation_names) | {
        shape.name for shape in model.error_shapes
    }
    assert output_audit.problems == []

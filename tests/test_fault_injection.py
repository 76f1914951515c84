"""fake.inject_error: an operation's modelled errors and the errors common to every AWS action,
as botocore parses them, every argument checked when injecting; retries with botocore's own
attempt count, each attempt a recorded call, and no wall-clock time spent waiting between them."""

from __future__ import annotations

import time
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from helpers import NO_RETRY
from sleeps import Sleeps

from fake_ivschat import FakeIvsChat, mock_ivschat

REGION = "us-west-2"
FAST = 0.5  # seconds; botocore's own backoff for 4 retries would take several


def client_with(fake: FakeIvsChat, retries: dict[str, Any]) -> Any:
    return fake.client(REGION, config=Config(retries=retries))


def attempts_of(fake: FakeIvsChat, operation: str) -> list[str | None]:
    return [call.error for call in fake.get_calls(operation)]


def test_a_throttled_call_retried_four_times_returns_in_milliseconds(fake: FakeIvsChat) -> None:
    client = client_with(fake, {"mode": "legacy"})  # 5 attempts
    arn = client.create_room()["arn"]
    fake.inject_error("SendEvent", "ThrottlingException", times=4)
    started = time.perf_counter()
    response = client.send_event(roomIdentifier=arn, eventName="app:go")
    elapsed = time.perf_counter() - started
    assert elapsed < FAST
    assert response["ResponseMetadata"]["RetryAttempts"] == 4
    assert attempts_of(fake, "SendEvent") == ["ThrottlingException"] * 4 + [None]
    assert [e.event_name for e in fake.events(arn)] == ["app:go"]  # delivered once


@pytest.mark.parametrize(
    ("retries", "attempts"),
    [
        ({"mode": "legacy"}, 5),
        ({"mode": "legacy", "total_max_attempts": 2}, 2),
        ({"mode": "legacy", "max_attempts": 0}, 1),
        ({"mode": "standard"}, 3),
        ({"mode": "standard", "total_max_attempts": 6}, 6),
        ({"mode": "adaptive"}, 3),
    ],
    ids=["legacy", "legacy-2", "legacy-off", "standard", "standard-6", "adaptive"],
)
def test_the_attempt_count_is_botocores(
    fake: FakeIvsChat, retries: dict[str, Any], attempts: int
) -> None:
    client = client_with(fake, retries)
    arn = client.create_room()["arn"]
    fake.inject_error("DisconnectUser", "ThrottlingException", times=10)
    started = time.perf_counter()
    with pytest.raises(ClientError) as error:
        client.disconnect_user(roomIdentifier=arn, userId="bob")
    assert time.perf_counter() - started < FAST
    assert error.value.response["Error"]["Code"] == "ThrottlingException"
    assert error.value.response["ResponseMetadata"]["RetryAttempts"] == attempts - 1
    assert attempts_of(fake, "DisconnectUser") == ["ThrottlingException"] * attempts


def test_server_errors_are_retried_and_client_errors_are_not(fake: FakeIvsChat) -> None:
    client = client_with(fake, {"mode": "standard"})
    arn = client.create_room()["arn"]
    fake.inject_error("TagResource", "InternalServerException", times=2)
    client.tag_resource(resourceArn=arn, tags={"k": "v"})
    assert attempts_of(fake, "TagResource") == ["InternalServerException"] * 2 + [None]
    fake.inject_error("GetRoom", "AccessDeniedException", times=3)
    with pytest.raises(client.exceptions.AccessDeniedException):
        client.get_room(identifier=arn)
    assert attempts_of(fake, "GetRoom") == ["AccessDeniedException"]
    # The two injections left fail the next two calls, then the room is back.
    for _ in range(2):
        with pytest.raises(client.exceptions.AccessDeniedException):
            client.get_room(identifier=arn)
    assert client.get_room(identifier=arn)["arn"] == arn


def test_the_error_carries_the_message_and_modelled_members(fake: FakeIvsChat) -> None:
    client = fake.client(REGION)
    fake.inject_error(
        "CreateRoom",
        "ServiceQuotaExceededException",
        message="Too many rooms.",
        resourceId="roomQuota",
        resourceType="ROOM",
        limit=50,
    )
    with pytest.raises(client.exceptions.ServiceQuotaExceededException) as error:
        client.create_room()
    response = error.value.response
    assert response["Error"] == {
        "Code": "ServiceQuotaExceededException",
        "Message": "Too many rooms.",
    }
    assert (response["resourceId"], response["resourceType"], response["limit"]) == (
        "roomQuota",
        "ROOM",
        50,
    )
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 402
    assert fake.calls[-1].error_message == "Too many rooms."


def test_required_members_not_given_get_placeholders(fake: FakeIvsChat) -> None:
    client = fake.client(REGION)
    fake.inject_error("DeleteRoom", "ResourceNotFoundException")
    with pytest.raises(client.exceptions.ResourceNotFoundException) as error:
        client.delete_room(identifier=f"arn:aws:ivschat:{REGION}:123456789012:room/abcdefABCDEF")
    response = error.value.response
    assert response["Error"]["Message"] == "Injected ResourceNotFoundException for DeleteRoom."
    assert (response["resourceId"], response["resourceType"]) == ("injected", "ROOM")
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_injections_are_consumed_in_order_and_touch_only_their_operation(
    fake: FakeIvsChat,
) -> None:
    client = fake.client(REGION)
    fake.inject_error("ListRooms", "ValidationException", message="first")
    fake.inject_error("ListRooms", "AccessDeniedException", message="second", times=2)
    assert client.create_room()["arn"]  # another operation: unaffected
    messages = []
    for _ in range(3):
        with pytest.raises(ClientError) as error:
            client.list_rooms()
        messages.append(
            (error.value.response["Error"]["Code"], error.value.response["Error"]["Message"])
        )
    assert messages == [
        ("ValidationException", "first"),
        ("AccessDeniedException", "second"),
        ("AccessDeniedException", "second"),
    ]
    assert len(client.list_rooms()["rooms"]) == 1


def test_injection_reaches_routed_clients() -> None:
    with mock_ivschat() as fake:
        client = boto3.client("ivschat", region_name=REGION)
        fake.inject_error("CreateChatToken", "PendingVerification")
        with pytest.raises(client.exceptions.PendingVerification):
            client.create_chat_token(roomIdentifier="arn:x", userId="u")
        assert attempts_of(fake, "CreateChatToken") == ["PendingVerification"]


# --------------------------------------------------------------------- what is refused


def test_an_unknown_operation_is_refused(fake: FakeIvsChat) -> None:
    with pytest.raises(
        ValueError, match=r"^'CreateChannel' is not an ivschat operation; one of CreateChatToken, "
    ):
        fake.inject_error("CreateChannel", "ThrottlingException")


def test_an_error_the_operation_cannot_raise_is_refused(fake: FakeIvsChat) -> None:
    with pytest.raises(ValueError) as error:
        fake.inject_error("GetRoom", "ConflictException")
    assert str(error.value) == (
        "GetRoom cannot fail with 'ConflictException'; it may fail with its modelled errors "
        "['AccessDeniedException', 'ResourceNotFoundException', 'ValidationException'] or the "
        "errors common to every action ['AccessDeniedException', 'IncompleteSignature', "
        "'InternalFailure', 'InvalidAction', 'InvalidClientTokenId', 'NotAuthorized', "
        "'OptInRequired', 'RequestExpired', 'ServiceUnavailable', 'ThrottlingException', "
        "'ValidationError']"
    )


def test_unknown_fields_are_a_type_error_naming_them(fake: FakeIvsChat) -> None:
    with pytest.raises(TypeError) as error:
        fake.inject_error("SendEvent", "ThrottlingException", retryAfter=3, limit=1)
    assert str(error.value) == (
        "ThrottlingException has no member(s) ['retryAfter']; "
        "it has ['message', 'resourceId', 'resourceType', 'limit']"
    )


ENUM = "[UNKNOWN_OPERATION, FIELD_VALIDATION_FAILED, OTHER]"


@pytest.mark.parametrize(
    ("code", "arguments", "problem", "text"),
    [
        ("ThrottlingException", {"times": 0}, ValueError, "times must be an int >= 1, got 0"),
        (
            "ThrottlingException",
            {"times": 1.5},
            TypeError,
            "times must be an int >= 1, got 1.5 (float)",
        ),
        (
            "ThrottlingException",
            {"times": "2"},
            TypeError,
            "times must be an int >= 1, got '2' (str)",
        ),
        (
            "ThrottlingException",
            {"times": True},
            TypeError,
            "times must be an int >= 1, got True (bool)",
        ),
        (
            "ThrottlingException",
            {"limit": "lots"},
            TypeError,
            "ThrottlingException member 'limit' must be int, not str ('lots')",
        ),
        (
            "ThrottlingException",
            {"limit": True},
            TypeError,
            "ThrottlingException member 'limit' must be int, not bool (True)",
        ),
        (
            "ThrottlingException",
            {"resourceType": "CHANNEL"},
            ValueError,
            "ThrottlingException: Value 'CHANNEL' at 'resourceType' failed to satisfy "
            "constraint: Member must satisfy enum value set: [ROOM]",
        ),
        (
            "ValidationException",
            {"fieldList": "oops"},
            TypeError,
            "ValidationException member 'fieldList' must be list, not str ('oops')",
        ),
        (
            "ValidationException",
            {"fieldList": [{"name": "userId", "message": 5}]},
            TypeError,
            "ValidationException member 'fieldList[0].message' must be str, not int (5)",
        ),
        (
            "ValidationException",
            {"fieldList": [{"name": "userId"}]},
            ValueError,
            "ValidationException: Value '[{name=userId}]' at 'fieldList' failed to satisfy "
            "constraint: Member must satisfy constraint: [Member must not be null]",
        ),
        (
            "ValidationException",
            {"reason": "BANANA"},
            ValueError,
            "ValidationException: Value 'BANANA' at 'reason' failed to satisfy constraint: "
            f"Member must satisfy enum value set: {ENUM}",
        ),
        (
            "ValidationException",
            {"message": ""},
            ValueError,
            "message must be a non-empty str or None (a default message), not ''",
        ),
        (
            "ValidationException",
            {"message": 404},
            TypeError,
            "message must be a non-empty str or None, not int",
        ),
        (
            "InternalFailure",
            {"reason": "OTHER"},
            TypeError,
            "InternalFailure has no member(s) ['reason']; it has ['message']",
        ),
    ],
    ids=[
        "times-0",
        "times-float",
        "times-str",
        "times-bool",
        "limit-str",
        "limit-bool",
        "resourceType-enum",
        "fieldList-str",
        "fieldList-item-type",
        "fieldList-item-required",
        "reason-enum",
        "message-empty",
        "message-int",
        "common-has-no-members",
    ],
)
def test_every_argument_is_checked_when_injecting(
    fake: FakeIvsChat,
    code: str,
    arguments: dict[str, Any],
    problem: type[Exception],
    text: str,
) -> None:
    with pytest.raises(problem) as caught:
        fake.inject_error("SendEvent", code, **arguments)
    assert str(caught.value) == text
    client = fake.client(REGION)
    arn = client.create_room()["arn"]
    client.send_event(roomIdentifier=arn, eventName="e")  # nothing was queued
    assert attempts_of(fake, "SendEvent") == [None]


def test_the_operation_must_be_a_name(fake: FakeIvsChat) -> None:
    with pytest.raises(TypeError) as caught:
        fake.inject_error(None, "ValidationException")  # type: ignore[arg-type]
    assert str(caught.value) == (
        "None (NoneType) is not an ivschat operation; pass a name such as 'CreateRoom'"
    )


def test_valid_members_reach_the_client_as_given(fake: FakeIvsChat) -> None:
    client = fake.client(REGION)
    fields = [{"name": "userId", "message": "Member must not be empty"}]
    fake.inject_error(
        "CreateChatToken", "ValidationException", reason="FIELD_VALIDATION_FAILED", fieldList=fields
    )
    with pytest.raises(client.exceptions.ValidationException) as caught:
        client.create_chat_token(roomIdentifier="arn:x", userId="u")
    response = caught.value.response
    assert (response["reason"], response["fieldList"]) == ("FIELD_VALIDATION_FAILED", fields)


def test_an_injected_validation_exception_claims_no_particular_reason(fake: FakeIvsChat) -> None:
    client = fake.client(REGION)
    fake.inject_error("ListRooms", "ValidationException", reason=None)
    with pytest.raises(client.exceptions.ValidationException) as caught:
        client.list_rooms()
    assert caught.value.response["reason"] == "OTHER"
    assert "fieldList" not in caught.value.response


# ------------------------------------------------------------------ the common errors

# The AWS API reference's "Common Errors": the HTTP status of each.
COMMON = {
    "AccessDeniedException": 400,
    "IncompleteSignature": 400,
    "InternalFailure": 500,
    "InvalidAction": 400,
    "InvalidClientTokenId": 403,
    "NotAuthorized": 400,
    "OptInRequired": 403,
    "RequestExpired": 400,
    "ServiceUnavailable": 503,
    "ThrottlingException": 400,
    "ValidationError": 400,
}


@pytest.mark.parametrize("code", COMMON)
def test_every_operation_accepts_the_common_errors(fake: FakeIvsChat, code: str) -> None:
    client = fake.client(REGION, config=NO_RETRY)
    # ListTagsForResource models neither AccessDeniedException nor ThrottlingException.
    fake.inject_error("ListTagsForResource", code, message=f"no: {code}")
    with pytest.raises(ClientError) as caught:
        client.list_tags_for_resource(resourceArn=f"arn:aws:ivschat:{REGION}:1:room/abc")
    response = caught.value.response
    assert response["Error"] == {"Code": code, "Message": f"no: {code}"}
    assert response["ResponseMetadata"]["HTTPStatusCode"] == COMMON[code]
    # A message and no other member (botocore lifts `message` to the top as well where the
    # service models an error of that name, for whichever operation).
    assert set(response) - {"message"} == {"Error", "ResponseMetadata"}
    assert attempts_of(fake, "ListTagsForResource") == [code]


def test_a_modelled_error_wins_over_the_common_one_of_the_same_name(fake: FakeIvsChat) -> None:
    client = fake.client(REGION, config=NO_RETRY)
    arn = client.create_room()["arn"]
    fake.inject_error("SendEvent", "ThrottlingException", limit=100)
    fake.inject_error("CreateRoom", "ThrottlingException")
    fake.inject_error("GetRoom", "AccessDeniedException")
    fake.inject_error("TagResource", "AccessDeniedException")
    statuses = []
    for call in (
        lambda: client.send_event(roomIdentifier=arn, eventName="e"),
        client.create_room,
        lambda: client.get_room(identifier=arn),
        lambda: client.tag_resource(resourceArn=arn, tags={"a": "b"}),
    ):
        with pytest.raises(ClientError) as caught:
            call()
        statuses.append(
            (
                caught.value.response["ResponseMetadata"]["HTTPStatusCode"],
                caught.value.response.get("limit"),
            )
        )
    assert statuses == [(429, 100), (400, None), (403, None), (400, None)]


@pytest.mark.parametrize(
    ("code", "mode"),
    [
        ("ThrottlingException", "legacy"),
        ("ThrottlingException", "standard"),
        ("InternalFailure", "standard"),
        ("ServiceUnavailable", "legacy"),
    ],
)
def test_botocore_retries_the_common_errors_it_retries(
    fake: FakeIvsChat, code: str, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Common errors make the retry path of any operation testable, CreateRoom's included.
    client = client_with(fake, {"mode": mode})
    fake.inject_error("CreateRoom", code, times=2)
    sleeps = Sleeps().install(monkeypatch)
    response = client.create_room()
    assert sleeps.asked == [0, 0]
    assert response["ResponseMetadata"]["RetryAttempts"] == 2
    assert attempts_of(fake, "CreateRoom") == [code, code, None]


def test_a_client_error_among_the_common_ones_is_not_retried(fake: FakeIvsChat) -> None:
    client = client_with(fake, {"mode": "standard"})
    fake.inject_error("CreateRoom", "InvalidClientTokenId", times=3)
    with pytest.raises(ClientError) as caught:
        client.create_room()
    assert caught.value.response["Error"]["Code"] == "InvalidClientTokenId"
    assert attempts_of(fake, "CreateRoom") == ["InvalidClientTokenId"]

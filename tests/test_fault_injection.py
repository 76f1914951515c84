"""fake.inject_error: only modelled errors, as botocore parses them; retries with botocore's own
attempt count, each attempt a recorded call, and no wall-clock time spent waiting between them."""

from __future__ import annotations

import time
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

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
    assert response["Error"]["Message"] == "Injected ResourceNotFoundException for DeleteRoom"
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
    with pytest.raises(ValueError, match=r"^Unknown ivschat operation 'CreateChannel'; one of \["):
        fake.inject_error("CreateChannel", "ThrottlingException")


def test_an_error_the_operation_cannot_raise_is_refused(fake: FakeIvsChat) -> None:
    with pytest.raises(ValueError) as error:
        fake.inject_error("CreateRoom", "ThrottlingException")
    assert str(error.value) == (
        "CreateRoom cannot fail with 'ThrottlingException'; the model allows: "
        "['AccessDeniedException', 'ConflictException', 'PendingVerification', "
        "'ResourceNotFoundException', 'ServiceQuotaExceededException', 'ValidationException']"
    )


def test_unknown_fields_are_a_type_error_naming_them(fake: FakeIvsChat) -> None:
    with pytest.raises(TypeError) as error:
        fake.inject_error("SendEvent", "ThrottlingException", retryAfter=3, limit=1)
    assert str(error.value) == (
        "ThrottlingException has no member(s) ['retryAfter']; "
        "it has ['message', 'resourceId', 'resourceType', 'limit']"
    )


def test_times_must_be_positive(fake: FakeIvsChat) -> None:
    with pytest.raises(ValueError, match=r"^times must be at least 1, got 0$"):
        fake.inject_error("SendEvent", "ThrottlingException", times=0)
    client = fake.client(REGION)
    arn = client.create_room()["arn"]
    client.send_event(roomIdentifier=arn, eventName="e")  # nothing was queued
    assert attempts_of(fake, "SendEvent") == [None]

"""fake.inject_fault: connection errors, timeouts and a load balancer's bare 5xx pages, raised or
answered where botocore's HTTP layer would, so that botocore's own retry rules, attempt counts and
exception types apply unchanged; every attempt is recorded and none waits for botocore's backoff."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from helpers import ANSWERED_FAULTS, FAULT_KINDS, NO_RETRY, RAISED_FAULTS, RETRY_MODES
from sleeps import Sleeps

from fake_ivschat import FakeIvsChat

REGION = "us-west-2"


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> Sleeps:
    return Sleeps().install(monkeypatch)


def attempts_of(fake: FakeIvsChat, operation: str) -> list[str | None]:
    return [call.error for call in fake.get_calls(operation)]


def failure_of(call: Any, kind: str) -> Exception:
    """What the call raised, checked to be what botocore raises on that fault."""
    expected: type[Exception] = RAISED_FAULTS.get(kind, ClientError)
    with pytest.raises(expected) as caught:
        call()
    if kind in ANSWERED_FAULTS:
        answered = caught.value
        assert isinstance(answered, ClientError)
        response = answered.response
        status = ANSWERED_FAULTS[kind]
        assert response["Error"]["Code"] == str(status)
        assert response["ResponseMetadata"]["HTTPStatusCode"] == status
        assert response["ResponseMetadata"]["HTTPHeaders"]["content-type"] == "text/html"
        assert "x-amzn-requestid" not in response["ResponseMetadata"]["HTTPHeaders"]
    return caught.value


@pytest.mark.parametrize("mode", RETRY_MODES)
@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_botocore_retries_each_fault_its_own_way(
    fake: FakeIvsChat, kind: str, mode: str, sleeps: Sleeps
) -> None:
    client = fake.client(REGION, config=Config(retries={"mode": mode}))
    fake.inject_fault("ListRooms", kind, times=10)
    failure_of(client.list_rooms, kind)
    # botocore slept once per retry, for nothing: the fake took its backoff away.
    assert sleeps.asked == [0] * (RETRY_MODES[mode] - 1)
    assert attempts_of(fake, "ListRooms") == [kind] * RETRY_MODES[mode]


@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_without_retries_the_fault_is_raised_bare(fake: FakeIvsChat, kind: str) -> None:
    client = fake.client(REGION, config=NO_RETRY)
    fake.inject_fault("CreateRoom", kind)
    error = failure_of(client.create_room, kind)
    if kind in RAISED_FAULTS:
        url = f"https://ivschat.{REGION}.amazonaws.com/CreateRoom"
        assert (
            str(error)
            == {
                "connection-error": f'Could not connect to the endpoint URL: "{url}"',
                "connect-timeout": f'Connect timeout on endpoint URL: "{url}"',
                "read-timeout": f'Read timeout on endpoint URL: "{url}"',
                "connection-closed": "Connection was closed before we received a valid response "
                f'from endpoint URL: "{url}".',
            }[kind]
        )
    assert attempts_of(fake, "CreateRoom") == [kind]
    # The service never saw the request: no room was made. The fault was used up.
    assert client.list_rooms()["rooms"] == []
    assert client.create_room()["arn"]


@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_a_fault_twice_then_success_on_the_third_attempt(
    fake: FakeIvsChat, kind: str, sleeps: Sleeps
) -> None:
    client = fake.client(REGION, config=Config(retries={"mode": "standard"}))
    fake.inject_fault("CreateRoom", kind, times=2)
    response = client.create_room(name="lobby")
    assert sleeps.asked == [0, 0]
    assert response["ResponseMetadata"]["RetryAttempts"] == 2
    assert attempts_of(fake, "CreateRoom") == [kind, kind, None]
    assert [room["name"] for room in client.list_rooms()["rooms"]] == ["lobby"]  # made once


def test_faults_and_errors_of_an_operation_are_used_in_injection_order(fake: FakeIvsChat) -> None:
    client = fake.client(REGION, config=Config(retries={"mode": "legacy"}))
    fake.inject_fault("GetRoom", "read-timeout")
    fake.inject_error("GetRoom", "InternalFailure")
    fake.inject_fault("GetRoom", "http-503", times=2)
    arn = client.create_room()["arn"]
    assert client.get_room(identifier=arn)["ResponseMetadata"]["RetryAttempts"] == 4
    assert attempts_of(fake, "GetRoom") == [
        "read-timeout",
        "InternalFailure",
        "http-503",
        "http-503",
        None,
    ]
    recorded = fake.get_calls("GetRoom")[0]
    assert (recorded.params, recorded.response) == ({"identifier": arn}, None)


# --------------------------------------------------------------------- what is refused


@pytest.mark.parametrize(
    ("kwargs", "problem", "text"),
    [
        (
            {"kind": "timeout"},
            ValueError,
            "Unknown fault kind 'timeout'; one of ['connection-error', 'connect-timeout', "
            "'read-timeout', 'connection-closed', 'http-502', 'http-503', 'http-504']",
        ),
        (
            {"kind": 503},
            TypeError,
            "Unknown fault kind 503; one of ['connection-error', 'connect-timeout', "
            "'read-timeout', 'connection-closed', 'http-502', 'http-503', 'http-504']",
        ),
        ({"times": 0}, ValueError, "times must be an int >= 1, got 0"),
        ({"times": 1.5}, TypeError, "times must be an int >= 1, got 1.5 (float)"),
        ({"times": True}, TypeError, "times must be an int >= 1, got True (bool)"),
        (
            {"operation": "send_event"},
            ValueError,
            "'send_event' is not an ivschat operation; did you mean 'SendEvent'?",
        ),
    ],
    ids=["kind", "kind-type", "times-0", "times-float", "times-bool", "operation"],
)
def test_arguments_are_checked_when_injecting(
    fake: FakeIvsChat, kwargs: dict[str, Any], problem: type[Exception], text: str
) -> None:
    arguments = {"operation": "SendEvent", "kind": "read-timeout", **kwargs}
    operation, kind = arguments.pop("operation"), arguments.pop("kind")
    with pytest.raises(problem) as caught:
        fake.inject_fault(operation, kind, **arguments)
    assert str(caught.value).startswith(text)
    client = fake.client(REGION, config=NO_RETRY)
    arn = client.create_room()["arn"]
    client.send_event(roomIdentifier=arn, eventName="e")  # nothing was queued
    assert attempts_of(fake, "SendEvent") == [None]

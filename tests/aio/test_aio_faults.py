"""What an aiobotocore client sees of the fake, as test_fault_injection.py, test_transport_faults.py
and test_retry_backoff.py check it for botocore's: modelled exceptions with their members, the
common errors, transport faults raised or answered where aiobotocore's HTTP layer would, retries
with botocore's attempt count that never wait, every attempt recorded; chat tokens that
fake.connect takes."""

from __future__ import annotations

import time
from typing import Any

import pytest
from aio_support import (  # noqa: F401
    REGION,
    Sleeps,
    aiobotocore_restored,
    get_session,
    run,
    seeded_backoff,
)
from botocore.config import Config
from botocore.exceptions import ClientError
from helpers import ANSWERED_FAULTS, FAULT_KINDS, NO_RETRY, RAISED_FAULTS, RETRY_MODES

from fake_ivschat import FakeIvsChat, mock_ivschat


@pytest.fixture
def fake() -> FakeIvsChat:
    return FakeIvsChat(seed=1234)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> Sleeps:
    return Sleeps(monkeypatch)


def attempts_of(fake: FakeIvsChat, operation: str) -> list[str | None]:
    return [call.error for call in fake.get_calls(operation)]


def call(fake: FakeIvsChat, operation: str, config: Config | None = None, **params: Any) -> Any:
    """The answer of one call of ``operation`` (a method name) from a fresh aio client of
    ``fake``; what it raises, raised."""

    async def scenario() -> Any:
        async with fake.aio_client(REGION, config=config) as client:
            return await getattr(client, operation)(**params)

    return run(scenario())


def error_of(fake: FakeIvsChat, operation: str, **params: Any) -> dict[str, Any]:
    """The ClientError response of a call that must fail, checked to be the client's modelled
    exception class when the code is a modelled one."""

    async def scenario() -> dict[str, Any]:
        async with fake.aio_client(REGION, config=NO_RETRY) as client:
            with pytest.raises(ClientError) as caught:
                await getattr(client, operation)(**params)
            response: dict[str, Any] = caught.value.response
            code = response["Error"]["Code"]
            assert type(caught.value) is client.exceptions.from_code(code)
            return response

    return run(scenario())


# -------------------------------------------------------------------- service errors


def test_a_modelled_error_is_the_clients_exception_with_its_members(fake: FakeIvsChat) -> None:
    arn = f"arn:aws:ivschat:{REGION}:123456789012:room/abcdefABCDEF"
    response = error_of(fake, "get_room", identifier=arn)
    assert response["Error"]["Code"] == "ResourceNotFoundException"
    assert (response["resourceId"], response["resourceType"]) == ("abcdefABCDEF", "ROOM")
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert fake.calls[-1].error == "ResourceNotFoundException"


def test_validation_happens_in_the_fake_with_its_field_list(fake: FakeIvsChat) -> None:
    response = error_of(fake, "create_room", name="not a room name!")  # botocore checks no pattern
    assert response["Error"]["Code"] == "ValidationException"
    assert response["reason"] == "FIELD_VALIDATION_FAILED"
    assert [field["name"] for field in response["fieldList"]] == ["name"]


def test_an_injected_error_carries_its_message_and_members(fake: FakeIvsChat) -> None:
    fake.inject_error(
        "CreateRoom",
        "ServiceQuotaExceededException",
        message="Too many rooms.",
        resourceId="roomQuota",
        resourceType="ROOM",
        limit=50,
    )
    response = error_of(fake, "create_room")
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


def test_a_common_error_is_a_client_error_with_its_code(fake: FakeIvsChat) -> None:
    fake.inject_error("ListRooms", "InvalidClientTokenId", message="Who are you?")
    response = error_of(fake, "list_rooms")
    assert response["Error"] == {"Code": "InvalidClientTokenId", "Message": "Who are you?"}
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 403


# ----------------------------------------------------------------------------- retries


@pytest.mark.parametrize(
    ("retries", "attempts"),
    [({"mode": "legacy"}, 5), ({"mode": "standard"}, 3), ({"mode": "adaptive"}, 3)],
    ids=["legacy", "standard", "adaptive"],
)
def test_the_attempt_count_is_botocores_and_no_retry_waits(
    fake: FakeIvsChat, retries: dict[str, Any], attempts: int, sleeps: Sleeps
) -> None:
    fake.inject_error("ListRooms", "ThrottlingException", times=10)
    started = time.perf_counter()
    with pytest.raises(ClientError) as caught:
        call(fake, "list_rooms", Config(retries=retries))
    assert time.perf_counter() - started < 2  # backoff alone would take over a second
    assert caught.value.response["Error"]["Code"] == "ThrottlingException"
    assert caught.value.response["ResponseMetadata"]["RetryAttempts"] == attempts - 1
    assert attempts_of(fake, "ListRooms") == ["ThrottlingException"] * attempts
    assert sleeps.asked == [0] * (attempts - 1)


def test_a_throttled_call_succeeds_on_its_fifth_attempt(fake: FakeIvsChat, sleeps: Sleeps) -> None:
    arn = call(fake, "create_room")["arn"]
    fake.inject_error("SendEvent", "ThrottlingException", times=4)
    response = call(fake, "send_event", roomIdentifier=arn, eventName="app:go")
    assert response["ResponseMetadata"]["RetryAttempts"] == 4
    assert attempts_of(fake, "SendEvent") == ["ThrottlingException"] * 4 + [None]
    assert [event.event_name for event in fake.events(arn)] == ["app:go"]  # delivered once
    assert sleeps.asked == [0] * 4


@pytest.mark.usefixtures("seeded_backoff")
def test_a_burst_past_the_rate_recovers_on_retry_without_waiting(
    fake: FakeIvsChat, sleeps: Sleeps
) -> None:
    # SendEvent allows 100 calls per second: the fake's rate windows see the backoff aiobotocore
    # would have slept pass, so the throttled calls of a burst succeed on retry, at once.
    async def burst() -> list[int]:
        async with fake.aio_client(REGION) as client:
            arn = (await client.create_room())["arn"]
            return [
                (await client.send_event(roomIdentifier=arn, eventName="tick"))["ResponseMetadata"][
                    "RetryAttempts"
                ]
                for _ in range(150)
            ]

    retried = run(burst())
    throttled = [c.error for c in fake.get_calls("SendEvent") if not c.ok]
    assert throttled == ["ThrottlingException"] * sum(retried)
    assert len(fake.events()) == 150
    assert set(sleeps.asked) <= {0}


# ---------------------------------------------------------------------- transport faults


@pytest.mark.parametrize("mode", RETRY_MODES)
@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_aiobotocore_retries_each_fault_its_own_way(
    fake: FakeIvsChat, kind: str, mode: str, sleeps: Sleeps
) -> None:
    fake.inject_fault("ListRooms", kind, times=10)
    with pytest.raises(RAISED_FAULTS.get(kind, ClientError)) as caught:
        call(fake, "list_rooms", Config(retries={"mode": mode}))
    if kind in ANSWERED_FAULTS:
        assert isinstance(caught.value, ClientError)
        response = caught.value.response
        assert response["Error"]["Code"] == str(ANSWERED_FAULTS[kind])
        assert response["ResponseMetadata"]["HTTPHeaders"]["content-type"] == "text/html"
    assert attempts_of(fake, "ListRooms") == [kind] * RETRY_MODES[mode]
    assert sleeps.asked == [0] * (RETRY_MODES[mode] - 1)


@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_a_fault_twice_then_success_on_the_third_attempt(fake: FakeIvsChat, kind: str) -> None:
    fake.inject_fault("CreateRoom", kind, times=2)
    response = call(fake, "create_room", Config(retries={"mode": "standard"}), name="lobby")
    assert response["ResponseMetadata"]["RetryAttempts"] == 2
    assert attempts_of(fake, "CreateRoom") == [kind, kind, None]
    assert [room["name"] for room in call(fake, "list_rooms")["rooms"]] == ["lobby"]  # made once


def test_injection_reaches_routed_async_clients() -> None:
    async def scenario(fake: FakeIvsChat) -> None:
        async with get_session().create_client("ivschat", region_name=REGION) as client:
            fake.inject_fault("ListRooms", "connection-closed")
            fake.inject_error("ListRooms", "AccessDeniedException")
            with pytest.raises(client.exceptions.AccessDeniedException):
                await client.list_rooms()

    with mock_ivschat() as fake:
        run(scenario(fake))
        assert attempts_of(fake, "ListRooms") == ["connection-closed", "AccessDeniedException"]


# ------------------------------------------------------------ recording and tokens


def test_every_call_is_recorded_with_its_params_region_and_account() -> None:
    fake = FakeIvsChat(account_id="111122223333")

    async def scenario() -> str:
        async with fake.aio_client("eu-west-1", account_id="444455556666") as client:
            room = await client.create_room(name="lobby", tags={"team": "chat"})
            await client.get_room(identifier=room["arn"])
            return str(room["arn"])

    arn = run(scenario())
    assert arn.startswith("arn:aws:ivschat:eu-west-1:444455556666:room/")
    created = fake.assert_called("CreateRoom", name="lobby")
    assert (created.region, created.account_id) == ("eu-west-1", "444455556666")
    assert created.params == {"name": "lobby", "tags": {"team": "chat"}}
    assert [c.operation for c in fake.calls] == ["CreateRoom", "GetRoom"]


def test_a_chat_token_minted_by_an_async_client_connects(fake: FakeIvsChat) -> None:
    async def scenario() -> tuple[str, str]:
        async with fake.aio_client(REGION) as client:
            room = await client.create_room(name="lobby")
            token = await client.create_chat_token(
                roomIdentifier=room["arn"], userId="alice", capabilities=["SEND_MESSAGE"]
            )
            return room["arn"], token["token"]

    arn, token = run(scenario())
    connection = fake.connect(token)
    assert (connection.user_id, connection.room_arn) == ("alice", arn)
    connection.send_message("hello")
    assert fake.assert_message("hello", room=arn).sender_user_id == "alice"

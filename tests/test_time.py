"""freezegun and time-machine drive the fake's clock (timestamps, token expiry, SendTime), while
request signing, credentials and retries keep working under frozen time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest
import time_machine
from aws_env import without_aws
from botocore.config import Config
from botocore.credentials import CredentialProvider, RefreshableCredentials
from freezegun import freeze_time

from fake_ivschat import ChatConnectionError, FakeIvsChat, mock_ivschat

REGION = "us-west-2"
FROZEN = datetime(2031, 4, 5, 6, 7, 8, 123000, tzinfo=timezone.utc)

Shift = Callable[[float], object]


@contextmanager
def with_freezegun() -> Iterator[Shift]:
    with freeze_time(FROZEN) as frozen:
        yield lambda seconds: frozen.tick(timedelta(seconds=seconds))


@contextmanager
def with_time_machine() -> Iterator[Shift]:
    with time_machine.travel(FROZEN, tick=False) as traveller:
        yield lambda seconds: traveller.shift(timedelta(seconds=seconds))


FREEZERS = pytest.mark.parametrize(
    "frozen_time", [with_freezegun, with_time_machine], ids=["freezegun", "time-machine"]
)


@FREEZERS
def test_frozen_time_sets_every_timestamp(frozen_time: Callable[[], Any]) -> None:
    with frozen_time() as shift, mock_ivschat() as fake:
        client = boto3.client("ivschat", region_name=REGION)
        room = client.create_room(name="clock")
        assert room["createTime"] == room["updateTime"] == FROZEN
        shift(5)
        updated = client.update_room(identifier=room["arn"], name="later")
        assert updated["createTime"] == FROZEN
        assert updated["updateTime"] == FROZEN + timedelta(seconds=5)
        client.send_event(roomIdentifier=room["arn"], eventName="app:tick")
        event = fake.assert_event("app:tick")
        assert event.send_time == FROZEN + timedelta(seconds=5)
        assert event.payload["SendTime"] == "2031-04-05T06:07:13.123Z"


@FREEZERS
def test_frozen_time_drives_token_expiry(frozen_time: Callable[[], Any]) -> None:
    with frozen_time() as shift, mock_ivschat() as fake:
        client = boto3.client("ivschat", region_name=REGION)
        arn = client.create_room()["arn"]
        issued = client.create_chat_token(
            roomIdentifier=arn, userId="alice", sessionDurationInMinutes=5
        )
        assert issued["tokenExpirationTime"] == FROZEN + timedelta(minutes=1)
        assert issued["sessionExpirationTime"] == FROZEN + timedelta(minutes=5)
        claims = fake.decode_token(issued["token"])
        assert claims.token_expiration_time == FROZEN + timedelta(minutes=1)
        late = client.create_chat_token(roomIdentifier=arn, userId="bob")["token"]
        shift(60)
        assert not fake.connect(issued["token"]).closed  # at the very second: still valid
        shift(1)
        with pytest.raises(ChatConnectionError) as error:
            fake.connect(late)
        assert error.value.code == 401
        assert error.value.message == (
            "This chat token expired at 2031-04-05T06:08:08.123Z; create a new one."
        )


@FREEZERS
def test_requests_are_signed_with_the_frozen_date(frozen_time: Callable[[], Any]) -> None:
    signed: list[str] = []

    def capture(request: Any, **_: Any) -> None:
        value = request.headers["Authorization"]
        signed.append(value.decode() if isinstance(value, bytes) else value)

    with frozen_time(), mock_ivschat():
        client = boto3.client("ivschat", region_name=REGION)
        client.meta.events.register("request-created.ivschat", capture)
        client.list_rooms()
    assert signed[0].startswith(
        "AWS4-HMAC-SHA256 Credential=FAKEIVSCHATTESTING/20310405/us-west-2/ivschat/aws4_request"
    )


class _ExpiredAtFrozenTime(CredentialProvider):  # type: ignore[misc]
    """Credentials that botocore would have to refresh (over the network) at FROZEN."""

    METHOD = "test-expiring"
    CANONICAL_NAME = "TestExpiring"

    def load(self) -> RefreshableCredentials:
        def refresh() -> dict[str, str]:
            raise AssertionError("the fake must never make botocore refresh credentials")

        return RefreshableCredentials.create_from_metadata(
            metadata={
                "access_key": "AKIAEXPIRING00000000",
                "secret_key": "expiring",
                "token": "expiring",
                "expiry_time": (FROZEN - timedelta(days=1)).isoformat(),
            },
            refresh_using=refresh,
            method=self.METHOD,
        )


def test_a_pre_created_client_never_refreshes_its_credentials_under_frozen_time(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    without_aws(monkeypatch, tmp_path)
    session = botocore.session.get_session()
    session.get_component("credential_provider").insert_before("env", _ExpiredAtFrozenTime())
    early = session.create_client("ivschat", region_name=REGION)
    with freeze_time(FROZEN), mock_ivschat() as fake:
        early.create_room(name="no-refresh")
    assert fake.get_calls("CreateRoom", name="no-refresh")


@FREEZERS
def test_retries_under_frozen_time_finish(frozen_time: Callable[[], Any]) -> None:
    # Adaptive mode's client-side rate limiter measures time; frozen, it would never refill.
    with frozen_time():
        fake = FakeIvsChat()
        for mode in ("legacy", "standard", "adaptive"):
            client = fake.client(REGION, config=Config(retries={"mode": mode}))
            arn = client.create_room()["arn"]
            fake.inject_error("SendEvent", "ThrottlingException", times=2)
            response = client.send_event(roomIdentifier=arn, eventName="e")
            assert response["ResponseMetadata"]["RetryAttempts"] == 2

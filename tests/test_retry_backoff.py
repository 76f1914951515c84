"""Retries against the fake never sleep, yet the fake's API rate windows see the time botocore's
backoff would have waited: a burst past a rate recovers on retry as it does against AWS."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from freezegun import freeze_time
from helpers import NO_RETRY
from sleeps import Sleeps

from fake_ivschat import FakeIvsChat

REGION = "us-west-2"
BURST = 150  # SendEvent allows 100 calls per second per account and region


@pytest.fixture
def seeded_backoff() -> Iterator[None]:
    """botocore draws each backoff delay from the process-wide generator (legacy mode calls
    ``random.random()``; standard mode keeps a reference to that same bound method), so seeding
    it makes every delay, and so the test, repeatable. The seed is no special pick: see
    ``FROZEN_AT`` for how rarely another seed would fail."""
    state = random.getstate()
    random.seed(8)
    yield
    random.setstate(state)


# Where in its second the burst starts. botocore's default (legacy) mode retries 4 times with
# delays up to 1, 2, 4 and 8 s: even from the start of a second, the throttled call fails only
# if they all draw tiny (about 1 seed in 1500). Standard mode retries twice, up to 1 and 2 s, which
# falls short of a whole second about 1 time in 4, as it would against AWS: 0.9 s into the second
# it falls short about 1 time in 400.
FROZEN_AT = {"default": "2024-05-01 12:00:00", "standard": "2024-05-01 12:00:00.900"}
RETRIES: dict[str, dict[str, Any] | None] = {"default": None, "standard": {"mode": "standard"}}


def burst(client: Any, arn: str) -> list[int]:
    """Send the burst; the retry count of each call."""
    return [
        client.send_event(roomIdentifier=arn, eventName="tick")["ResponseMetadata"]["RetryAttempts"]
        for _ in range(BURST)
    ]


@pytest.mark.usefixtures("seeded_backoff")
@pytest.mark.parametrize("mode", RETRIES)
def test_a_burst_past_the_rate_succeeds_on_retry_under_a_frozen_clock(
    fake: FakeIvsChat, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    retries = RETRIES[mode]
    client = fake.client(REGION, config=Config(retries=retries) if retries else None)
    arn = client.create_room()["arn"]
    sleeps = Sleeps().install(monkeypatch)
    with freeze_time(FROZEN_AT[mode]):
        retried = burst(client, arn)
    assert sleeps.asked == [0] * retried[100]  # botocore slept once per retry, for nothing
    assert retried[:100] == [0] * 100
    assert retried[100] > 0  # the 101st call was throttled, then retried in the next second
    assert retried[101:] == [0] * (BURST - 101)
    assert len(fake.events(arn)) == BURST
    throttled = [call for call in fake.get_calls("SendEvent") if not call.ok]
    assert [call.error for call in throttled] == ["ThrottlingException"] * retried[100]


def test_without_retries_the_call_past_the_rate_is_throttled(fake: FakeIvsChat) -> None:
    client = fake.client(REGION, config=NO_RETRY)
    arn = client.create_room()["arn"]
    with freeze_time("2024-05-01 12:00:00.250"):
        for _ in range(100):
            client.send_event(roomIdentifier=arn, eventName="tick")
        with pytest.raises(ClientError) as caught:
            client.send_event(roomIdentifier=arn, eventName="tick")
    assert caught.value.response["Error"]["Code"] == "ThrottlingException"
    assert caught.value.response["limit"] == 100


@pytest.mark.usefixtures("seeded_backoff")
def test_skipped_backoff_moves_only_the_rate_windows_not_the_clock(fake: FakeIvsChat) -> None:
    client = fake.client(REGION)
    arn = client.create_room()["arn"]
    with freeze_time("2024-05-01 12:00:00"):
        burst(client, arn)
        later = client.create_room()
    # Timestamps still read the test's clock: the skipped backoff is not time that passed.
    assert later["createTime"].isoformat() == "2024-05-01T12:00:00+00:00"

"""A review handler runs outside the fake's lock and is cut off at the room's timeout, measured in
real time only: slow handlers, handlers that call the fake, and test clocks that are frozen,
ticking or moved by the handler."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

import pytest
import time_machine
from freezegun import freeze_time
from helpers import within

from fake_ivschat import ChatConnection, FakeIvsChat

LAMBDA = "arn:aws:lambda:us-west-2:123456789012:function:review-chat"
DENIED = "Message denied by the room's message review handler"
T0 = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
# How long a regression may block a test before it fails instead of hanging for ever.
BOUND = 2.0
T = TypeVar("T")


def make_room(client: Any, fallback: str = "ALLOW") -> str:
    handler = {"uri": LAMBDA, "fallbackResult": fallback}
    return str(client.create_room(messageReviewHandler=handler)["arn"])


def join(fake: FakeIvsChat, client: Any, arn: str, user: str) -> ChatConnection:
    token = client.create_chat_token(
        roomIdentifier=arn, userId=user, capabilities=["SEND_MESSAGE"]
    )["token"]
    return fake.connect(token)


def allow(request: dict[str, Any]) -> dict[str, Any]:
    return {"ReviewResult": "ALLOW", "Content": request["Content"]}


def deny(request: dict[str, Any]) -> dict[str, Any]:
    return {"ReviewResult": "DENY", "Attributes": {"Reason": "profanity"}}


def allow_once(release: threading.Event) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A handler that allows once ``release`` is set (or BOUND seconds have passed)."""

    def handler(request: dict[str, Any]) -> dict[str, Any]:
        release.wait(BOUND)
        return allow(request)

    return handler


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """Set by the test, or at its end at the latest: no handler thread outlives the test."""
    event = threading.Event()
    yield event
    event.set()


# ------------------------------------------------------------------------ the timeout


@pytest.mark.parametrize("fallback", ["ALLOW", "DENY"])
def test_a_handler_past_the_timeout_yields_the_fallback_within_about_the_timeout(
    fake: FakeIvsChat, client: Any, release: threading.Event, fallback: str
) -> None:
    finished = threading.Event()

    def blocked(request: dict[str, Any]) -> dict[str, Any]:
        release.wait(BOUND * 2)
        finished.set()
        return {"ReviewResult": "ALLOW", "Content": "the late answer"}

    fake.register_review_handler(LAMBDA, blocked)
    fake.quotas.review_handler_timeout_ms = 50
    arn = make_room(client, fallback)
    alice, bob = join(fake, client, arn, "alice"), join(fake, client, arn, "bob")
    started = time.perf_counter()
    try:
        frame = within(BOUND, lambda: alice.send_message("original", request_id="r"))
    finally:
        release.set()
    elapsed = time.perf_counter() - started
    assert 0.05 <= elapsed < 0.5
    assert finished.wait(BOUND)  # the late answer came, and changed nothing
    if fallback == "DENY":
        assert (frame["Type"], frame["ErrorCode"], frame["RequestId"]) == ("ERROR", 406, "r")
        assert frame["ErrorMessage"] == (
            f"{DENIED} (fallbackResult DENY: it did not answer within 50 ms)."
        )
        assert bob.received == [] and fake.messages() == []
    else:
        assert (frame["Type"], frame["Content"]) == ("MESSAGE", "original")
        assert bob.received == [frame]
        assert [m.content for m in fake.messages()] == ["original"]


def test_the_timeout_is_logged_as_the_cause_of_the_fallback(
    fake: FakeIvsChat, client: Any, release: threading.Event, caplog: pytest.LogCaptureFixture
) -> None:
    fake.register_review_handler(LAMBDA, allow_once(release))
    fake.quotas.review_handler_timeout_ms = 20
    alice = join(fake, client, make_room(client), "alice")
    with caplog.at_level("WARNING", logger="fake_ivschat"):
        within(BOUND, lambda: alice.send_message("hi"))
    assert caplog.messages == [
        f"Message review handler {LAMBDA}: it did not answer within 20 ms;"
        " the room's fallbackResult ALLOW applies."
    ]


# ----------------------------------------------------------------- outside the lock


def test_other_threads_use_the_fake_while_a_handler_runs(
    fake: FakeIvsChat, client: Any, release: threading.Event
) -> None:
    fake.quotas.review_handler_timeout_ms = 10_000
    reviewing = threading.Event()

    def slow(request: dict[str, Any]) -> dict[str, Any]:
        reviewing.set()
        release.wait(BOUND * 2)
        return allow(request)

    fake.register_review_handler(LAMBDA, slow)
    reviewed, lobby = make_room(client), client.create_room()["arn"]
    alice, bob = join(fake, client, reviewed, "alice"), join(fake, client, lobby, "bob")
    sent: list[Mapping[str, Any]] = []
    sender = threading.Thread(target=lambda: sent.append(alice.send_message("hi")), daemon=True)
    sender.start()
    try:
        assert reviewing.wait(BOUND)
        assert within(1.0, lambda: client.get_room(identifier=reviewed))["arn"] == reviewed
        assert within(1.0, lambda: bob.send_message("meanwhile"))["Type"] == "MESSAGE"
        assert within(1.0, lambda: [m.content for m in fake.messages()]) == ["meanwhile"]
        assert within(1.0, lambda: alice.closed) is False
        assert sender.is_alive()  # the handler is still at work
    finally:
        release.set()
    sender.join(BOUND)
    assert sent[0]["Content"] == "hi"


def test_a_handler_may_call_the_fake_from_a_thread_it_joins(fake: FakeIvsChat, client: Any) -> None:
    fake.quotas.review_handler_timeout_ms = 5_000
    reviewed, lobby = make_room(client), client.create_room()["arn"]
    alice, bob = join(fake, client, reviewed, "alice"), join(fake, client, lobby, "bob")

    def audited(request: dict[str, Any]) -> dict[str, Any]:
        def audit() -> None:
            client.send_event(
                roomIdentifier=lobby, eventName="app:reviewed", attributes={"of": "alice"}
            )
            bob.send_message("reviewed one")

        worker = threading.Thread(target=audit, daemon=True)
        worker.start()
        worker.join()
        return allow(request)

    fake.register_review_handler(LAMBDA, audited)
    frame = within(BOUND, lambda: alice.send_message("hi"))
    assert (frame["Type"], frame["Content"]) == ("MESSAGE", "hi")
    assert [f.get("EventName", f.get("Content")) for f in bob.received] == [
        "app:reviewed",
        "reviewed one",
    ]


def test_a_handler_may_call_the_fake_on_its_own_thread(fake: FakeIvsChat, client: Any) -> None:
    fake.quotas.review_handler_timeout_ms = 5_000
    arn = make_room(client)

    def counting(request: dict[str, Any]) -> dict[str, Any]:
        client.send_event(roomIdentifier=arn, eventName="app:reviewing")
        return allow(request)

    fake.register_review_handler(LAMBDA, counting)
    alice = join(fake, client, arn, "alice")
    within(BOUND, lambda: alice.send_message("hi"))
    assert [f.get("EventName", f.get("Content")) for f in alice.received] == ["app:reviewing", "hi"]


# ------------------------------------------------------- what changed during the review


def test_a_room_deleted_during_the_review_answers_404_and_delivers_nothing(
    fake: FakeIvsChat, client: Any
) -> None:
    fake.quotas.review_handler_timeout_ms = 5_000
    seen: list[dict[str, Any]] = []

    def deleting(request: dict[str, Any]) -> dict[str, Any]:
        seen.append(request)
        client.delete_room(identifier=request["RoomArn"])
        return allow(request)

    fake.register_review_handler(LAMBDA, deleting)
    arn = make_room(client)
    alice = join(fake, client, arn, "alice")
    frame = within(BOUND, lambda: alice.send_message("hi", request_id="r"))
    assert frame == {
        "Type": "ERROR",
        "Id": seen[0]["MessageId"],
        "RequestId": "r",
        "ErrorCode": 404,
        "ErrorMessage": "The message was not delivered: the connection closed (DeleteRoom)"
        " while the message was under review.",
    }
    assert alice.received == [] and alice.close_reason == "DeleteRoom"
    assert fake.messages() == []


def test_a_sender_disconnected_during_the_review_gets_an_error_and_nothing_is_delivered(
    fake: FakeIvsChat, client: Any
) -> None:
    fake.quotas.review_handler_timeout_ms = 5_000

    def banning(request: dict[str, Any]) -> dict[str, Any]:
        client.disconnect_user(roomIdentifier=request["RoomArn"], userId="alice", reason="ban")
        return allow(request)

    fake.register_review_handler(LAMBDA, banning)
    arn = make_room(client)
    alice, bob = join(fake, client, arn, "alice"), join(fake, client, arn, "bob")
    frame = within(BOUND, lambda: alice.send_message("hi"))
    assert (frame["Type"], frame["ErrorCode"]) == ("ERROR", 500)
    assert frame["ErrorMessage"] == (
        "The message was not delivered: the connection closed (DisconnectUser: ban)"
        " while the message was under review."
    )
    assert [f["EventName"] for f in bob.received] == ["aws:DISCONNECT_USER"]
    assert alice.received[-1]["EventName"] == "aws:DISCONNECT_USER"
    assert fake.messages() == []


# ------------------------------------------------------------------------ test clocks


def _freezegun() -> AbstractContextManager[Any]:
    return freeze_time(T0)


def _freezegun_auto_tick() -> AbstractContextManager[Any]:
    return freeze_time(T0, auto_tick_seconds=1)


def _time_machine() -> AbstractContextManager[Any]:
    return time_machine.travel(T0, tick=False)


def _time_machine_ticking() -> AbstractContextManager[Any]:
    return time_machine.travel(T0, tick=True)


CLOCKS = {
    "freezegun": _freezegun,
    "freezegun-auto-tick": _freezegun_auto_tick,
    "time-machine": _time_machine,
    "time-machine-ticking": _time_machine_ticking,
}


@pytest.mark.parametrize("clock", CLOCKS)
def test_deny_holds_under_every_test_clock(fake: FakeIvsChat, client: Any, clock: str) -> None:
    fake.register_review_handler(LAMBDA, deny)
    with CLOCKS[clock]():
        alice = join(fake, client, make_room(client), "alice")
        frame = alice.send_message("rude words")
    assert (frame["ErrorCode"], frame["ErrorMessage"]) == (406, f"{DENIED}: profanity")


def _move(clock: Any) -> None:
    if hasattr(clock, "tick"):
        clock.tick(600)  # freezegun
    else:
        clock.shift(timedelta(minutes=10))  # time-machine


@pytest.mark.parametrize("clock", CLOCKS)
def test_a_handler_that_moves_the_test_clock_is_not_slow(
    fake: FakeIvsChat, client: Any, clock: str
) -> None:
    with CLOCKS[clock]() as moving:

        def slow_only_on_paper(request: dict[str, Any]) -> dict[str, Any]:
            _move(moving)
            return deny(request)

        fake.register_review_handler(LAMBDA, slow_only_on_paper)
        alice = join(fake, client, make_room(client), "alice")
        frame = alice.send_message("rude words")
    assert (frame["ErrorCode"], frame["ErrorMessage"]) == (406, f"{DENIED}: profanity")


@pytest.mark.parametrize("clock", CLOCKS)
def test_a_handler_that_sleeps_past_the_timeout_is_cut_off_under_every_test_clock(
    fake: FakeIvsChat, client: Any, release: threading.Event, clock: str
) -> None:
    fake.quotas.review_handler_timeout_ms = 10
    fake.register_review_handler(LAMBDA, allow_once(release))
    with CLOCKS[clock]():
        alice = join(fake, client, make_room(client, "DENY"), "alice")
        frame = within(BOUND, lambda: alice.send_message("hi"))
    assert frame["ErrorMessage"] == (
        f"{DENIED} (fallbackResult DENY: it did not answer within 10 ms)."
    )

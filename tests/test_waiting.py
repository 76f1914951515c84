"""Waiting for what other threads deliver: ``conn.wait_for``, ``fake.wait_for_message`` and
``fake.wait_for_event`` return the first match, already there or arriving; time out in real time
whatever the test clock; fail with what arrived instead; and never poll or hold the lock while a
test's predicate runs."""

from __future__ import annotations

import math
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

import pytest
import time_machine
from freezegun import freeze_time
from helpers import within

from fake_ivschat import ChatConnection, FakeIvsChat, RecordedEvent, RecordedMessage

LAMBDA = "arn:aws:lambda:us-west-2:123456789012:function:review"
T0 = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
DELAY = 0.05  # how long after the wait starts another thread delivers
TIMEOUT = 0.1  # a wait that must time out
BOUND = 2.0  # how long a regression may block before the test fails instead of hanging
T = TypeVar("T")


@pytest.fixture
def arn(client: Any) -> str:
    return str(client.create_room(maximumMessageRatePerSecond=100)["arn"])


def join(fake: FakeIvsChat, client: Any, arn: str, user: str) -> ChatConnection:
    capabilities = ["SEND_MESSAGE", "DELETE_MESSAGE", "DISCONNECT_USER"]
    token = client.create_chat_token(roomIdentifier=arn, userId=user, capabilities=capabilities)
    return fake.connect(token["token"])


@pytest.fixture
def later() -> Iterator[Callable[[Callable[[], object]], None]]:
    """``later(action)`` runs ``action`` in another thread DELAY seconds from now; every such
    thread has finished when the test ends."""
    timers: list[threading.Timer] = []

    def schedule(action: Callable[[], object]) -> None:
        timer = threading.Timer(DELAY, action)
        timer.start()
        timers.append(timer)

    yield schedule
    for timer in timers:
        timer.join(BOUND)


def timed(call: Callable[[], T]) -> tuple[T, float]:
    """``call()``'s result and how long it took in real time."""
    started = time.perf_counter()
    result = call()
    return result, time.perf_counter() - started


def failure(call: Callable[[], object]) -> tuple[str, float]:
    """The message of the AssertionError ``call()`` raises, and how long it took to raise."""
    started = time.perf_counter()
    with pytest.raises(AssertionError) as info:
        call()
    return str(info.value), time.perf_counter() - started


def is_message(frame: Mapping[str, Any]) -> bool:
    return bool(frame["Type"] == "MESSAGE")


def content_is(content: str) -> Callable[[Mapping[str, Any]], bool]:
    return lambda frame: bool(frame.get("Content") == content)


# ------------------------------------------------------------------ arriving later


def test_a_message_sent_from_another_thread_is_returned_when_it_arrives(
    fake: FakeIvsChat, client: Any, arn: str, later: Any
) -> None:
    alice, bob = join(fake, client, arn, "alice"), join(fake, client, arn, "bob")
    later(lambda: alice.send_message("hi from the browser", {"lang": "en"}))

    message, elapsed = timed(
        lambda: fake.wait_for_message("hi from the browser", room=arn, timeout=BOUND)
    )

    assert isinstance(message, RecordedMessage)
    assert (message.sender_user_id, message.attributes) == ("alice", {"lang": "en"})
    # It waited (the other thread starts its DELAY a moment before the wait starts, more on a busy
    # machine), and woke when the message came.
    assert DELAY * 0.5 <= elapsed < BOUND / 2
    assert bob.wait_for(is_message, timeout=0) is message.payload


def test_a_frame_and_an_event_from_another_thread_are_returned_when_they_arrive(
    fake: FakeIvsChat, client: Any, arn: str, later: Any
) -> None:
    alice, bob = join(fake, client, arn, "alice"), join(fake, client, arn, "bob")
    message_id = alice.send_message("oops")["Id"]
    later(lambda: client.delete_message(roomIdentifier=arn, id=message_id, reason="spam"))

    frame, elapsed = timed(lambda: bob.wait_for(lambda f: f["Type"] == "EVENT", timeout=BOUND))
    event = fake.wait_for_event("aws:DELETE_MESSAGE", room=arn, timeout=0)

    assert isinstance(event, RecordedEvent)
    assert event.attributes["MessageId"] == message_id
    assert frame is event.payload and frame is bob.received[-1]
    assert DELAY * 0.5 <= elapsed < BOUND / 2


def test_an_event_waited_for_by_name_and_attributes(
    fake: FakeIvsChat, client: Any, arn: str, later: Any
) -> None:
    def send_two() -> None:
        client.send_event(roomIdentifier=arn, eventName="app:score", attributes={"team": "red"})
        client.send_event(roomIdentifier=arn, eventName="app:score", attributes={"team": "blue"})

    later(send_two)
    event, elapsed = timed(
        lambda: fake.wait_for_event("app:score", attributes={"team": "blue"}, timeout=BOUND)
    )
    assert elapsed < BOUND / 2
    assert [e.attributes["team"] for e in fake.events()] == ["red", "blue"]
    assert event == fake.events()[1]


# ---------------------------------------------------------------- already there


def test_matches_recorded_before_the_call_return_at_once_and_the_first_of_them(
    fake: FakeIvsChat, client: Any, arn: str
) -> None:
    alice, bob = join(fake, client, arn, "alice"), join(fake, client, arn, "bob")
    first = alice.send_message("hello", request_id="1")
    alice.send_message("hello", request_id="2")
    client.send_event(roomIdentifier=arn, eventName="app:tick")
    client.send_event(roomIdentifier=arn, eventName="app:tick")

    message, elapsed = timed(lambda: fake.wait_for_message("hello", user_id="alice", timeout=10))
    assert message.payload is first and elapsed < 1
    event, elapsed = timed(lambda: fake.wait_for_event("app:tick", room=arn, timeout=10))
    assert event == fake.events()[0] and elapsed < 1
    frame, elapsed = timed(lambda: bob.wait_for(timeout=10))  # any frame: the first received
    assert frame is first and elapsed < 1
    # The last, by contrast, is what assert_message gives.
    assert fake.assert_message("hello").payload is not first


def test_a_connection_closed_before_the_call_still_returns_a_frame_it_received(
    fake: FakeIvsChat, client: Any, arn: str
) -> None:
    alice, bob = join(fake, client, arn, "alice"), join(fake, client, arn, "bob")
    sent = alice.send_message("last words")
    bob.close()
    assert bob.wait_for(is_message, timeout=10) is sent


# ------------------------------------------------------------------------- failing


def test_a_message_that_never_comes_fails_after_the_timeout_listing_the_messages(
    fake: FakeIvsChat, client: Any, arn: str
) -> None:
    alice = join(fake, client, arn, "alice")
    sent = alice.send_message("hi")

    text, elapsed = failure(lambda: fake.wait_for_message("bye", room=arn, timeout=TIMEOUT))

    assert TIMEOUT * 0.95 <= elapsed < TIMEOUT + 0.4
    assert text == (
        f"No MESSAGE with content='bye', room='{arn}' was recorded (waited 0.1 s).\n"
        "Recorded messages (1):\n"
        f"  - <RecordedMessage 'hi' from 'alice' in {arn} id={sent['Id']}>"
    )


def test_an_event_that_never_comes_fails_after_the_timeout_saying_none_was_recorded(
    fake: FakeIvsChat,
) -> None:
    text, elapsed = failure(
        lambda: fake.wait_for_event("app:done", attributes={"ok": "1"}, timeout=TIMEOUT)
    )
    assert TIMEOUT * 0.95 <= elapsed < TIMEOUT + 0.4
    assert text == (
        "No EVENT 'app:done' with attributes {'ok': '1'} was recorded (waited 0.1 s).\n"
        "No events were recorded at all."
    )


def test_a_frame_that_never_comes_fails_after_the_timeout_listing_the_frames(
    fake: FakeIvsChat, client: Any, arn: str
) -> None:
    alice, bob = join(fake, client, arn, "alice"), join(fake, client, arn, "bob")
    sent = alice.send_message("hi", request_id="r1")
    error = alice.send({"Action": "SHOUT", "RequestId": "r2"})

    def is_event(frame: Mapping[str, Any]) -> bool:
        return "EventName" in frame

    text, elapsed = failure(lambda: alice.wait_for(is_event, timeout=TIMEOUT))

    assert TIMEOUT * 0.95 <= elapsed < TIMEOUT + 0.4
    assert text == (
        "No frame matching is_event was received by 'alice' (waited 0.1 s).\n"
        "Received frames (2):\n"
        f"  - <MESSAGE 'hi' from 'alice' id={sent['Id']} request_id='r1'>\n"
        # Long values are shortened, as assert_message shortens them.
        "  - <ERROR 400 \"Unknown or missing Action 'SHOUT'; ex...ESSAGE, DISCONNECT_USER,"
        f" SEND_MESSAGE.\" id={error['Id']} request_id='r2'>"
    )
    is_error = lambda f: f["Type"] == "ERROR"  # noqa: E731
    line = is_error.__code__.co_firstlineno
    text, _ = failure(lambda: bob.wait_for(is_error, timeout=0))
    assert text.splitlines() == [
        f"No frame matching <lambda> at test_waiting.py:{line} was received by 'bob' (waited 0 s).",
        "Received frames (1):",  # the ERROR answered alice alone
        f"  - <MESSAGE 'hi' from 'alice' id={sent['Id']} request_id='r1'>",
    ]


@pytest.mark.parametrize(
    ("close", "reason"),
    [
        (
            lambda c, arn: c.disconnect_user(roomIdentifier=arn, userId="bob", reason="spam"),
            "DisconnectUser: spam",
        ),
        (lambda c, arn: c.delete_room(identifier=arn), "DeleteRoom"),
    ],
    ids=["DisconnectUser", "DeleteRoom"],
)
def test_a_connection_closed_while_waiting_fails_at_once_saying_why(
    fake: FakeIvsChat, client: Any, arn: str, later: Any, close: Any, reason: str
) -> None:
    bob = join(fake, client, arn, "bob")
    later(lambda: close(client, arn))

    text, elapsed = failure(lambda: bob.wait_for(is_message, timeout=BOUND))

    assert elapsed < BOUND / 2  # not the timeout: as soon as it closed
    lines = text.splitlines()
    assert lines[0] == (
        f"No frame matching is_message was received by 'bob' before the connection closed"
        f" ({reason})."
    )
    # Closed already: it fails at once, again.
    assert failure(lambda: bob.wait_for(is_message, timeout=BOUND))[0] == text


def test_a_connection_whose_session_expired_fails_at_once(
    fake: FakeIvsChat, client: Any, arn: str
) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        token = client.create_chat_token(
            roomIdentifier=arn, userId="bob", sessionDurationInMinutes=1
        )["token"]
        bob = fake.connect(token)
        traveller.shift(61)
        text, elapsed = failure(lambda: bob.wait_for(timeout=BOUND))
    assert elapsed < BOUND / 2
    assert text == (
        "No frame was received by 'bob' before the connection closed (session expired).\n"
        "No frames were received at all."
    )


# -------------------------------------------------------------------- test clocks


CLOCKS: dict[str, Callable[[], AbstractContextManager[Any]]] = {
    "freezegun": lambda: freeze_time(T0),
    "freezegun-auto-tick": lambda: freeze_time(T0, auto_tick_seconds=1),
    "time-machine": lambda: time_machine.travel(T0, tick=False),
}


@pytest.mark.parametrize("clock", CLOCKS)
def test_waits_take_real_time_under_every_test_clock(
    fake: FakeIvsChat, client: Any, arn: str, later: Any, clock: str
) -> None:
    alice, bob = join(fake, client, arn, "alice"), join(fake, client, arn, "bob")
    # The clock is started and stopped outside what is timed: perf_counter is frozen within.
    started = time.perf_counter()
    with CLOCKS[clock]():
        # A frozen clock must not make a timeout last for ever...
        text = within(BOUND, lambda: failure(lambda: bob.wait_for(timeout=TIMEOUT))[0])
    elapsed = time.perf_counter() - started
    assert text.startswith("No frame was received by 'bob' (waited 0.1 s).")
    assert TIMEOUT * 0.95 <= elapsed < BOUND / 2
    with CLOCKS[clock]():
        # ...nor a ticking one end it early: a message DELAY later is still waited for.
        later(lambda: alice.send_message("tick"))
        message = within(BOUND, lambda: fake.wait_for_message("tick", timeout=10 * DELAY))
    assert message.payload is bob.received[0]


# ---------------------------------------------------------------------- arguments


@pytest.mark.parametrize(
    "room",
    ["lobby", {"arn": "arn:aws:ivschat:us-west-2:123456789012:room/abcdEFGH1234"}, 42],
    ids=["name", "dict", "int"],
)
def test_filters_are_checked_as_assert_checks_them(fake: FakeIvsChat, room: Any) -> None:
    pairs: list[tuple[Callable[[], object], Callable[[], object]]] = [
        (
            lambda: fake.assert_message("hi", room=room),
            lambda: fake.wait_for_message("hi", room=room, timeout=BOUND),
        ),
        (
            lambda: fake.assert_event("e", room=room),
            lambda: fake.wait_for_event("e", room=room, timeout=BOUND),
        ),
    ]
    for asserting, waiting in pairs:
        with pytest.raises((TypeError, ValueError)) as expected:
            asserting()
        with pytest.raises(type(expected.value), match=r"^room must be") as got:
            waiting()
        assert str(got.value) == str(expected.value)


@pytest.mark.parametrize(
    ("timeout", "error", "message"),
    [
        ("5", TypeError, "timeout must be a number of seconds, got '5' (str)"),
        (None, TypeError, "timeout must be a number of seconds, got None (NoneType)"),
        (True, TypeError, "timeout must be a number of seconds, got True (bool)"),
        (-1, ValueError, "timeout must be a finite number of seconds >= 0, got -1"),
        (math.nan, ValueError, "timeout must be a finite number of seconds >= 0, got nan"),
        (math.inf, ValueError, "timeout must be a finite number of seconds >= 0, got inf"),
    ],
)
def test_a_timeout_that_is_not_a_number_of_seconds_is_refused(
    fake: FakeIvsChat, client: Any, arn: str, timeout: Any, error: type, message: str
) -> None:
    bob = join(fake, client, arn, "bob")
    for wait in (
        lambda: fake.wait_for_message(timeout=timeout),
        lambda: fake.wait_for_event("e", timeout=timeout),
        lambda: bob.wait_for(timeout=timeout),
    ):
        with pytest.raises(error) as info:
            wait()
        assert str(info.value) == message


@pytest.mark.parametrize("timeout", [1e10, 1e300, 10**400], ids=["1e10", "1e300", "10**400"])
def test_a_timeout_beyond_what_threads_can_wait_is_a_long_wait(
    fake: FakeIvsChat,
    client: Any,
    arn: str,
    later: Callable[[Callable[[], object]], None],
    timeout: float,
) -> None:
    bob = join(fake, client, arn, "bob")
    alice = join(fake, client, arn, "alice")
    later(lambda: alice.send_message("hi"))
    assert within(BOUND, lambda: bob.wait_for(is_message, timeout=timeout))["Content"] == "hi"
    assert within(BOUND, lambda: fake.wait_for_message("hi", timeout=timeout)).content == "hi"
    later(lambda: client.send_event(roomIdentifier=arn, eventName="app:go"))
    assert within(BOUND, lambda: fake.wait_for_event("app:go", timeout=timeout)).id


def test_a_predicate_that_is_not_a_function_is_refused(
    fake: FakeIvsChat, client: Any, arn: str
) -> None:
    bob = join(fake, client, arn, "bob")
    with pytest.raises(TypeError) as info:
        bob.wait_for("MESSAGE")  # type: ignore[arg-type]
    assert str(info.value) == (
        "predicate must be a function taking a frame (a dict) and returning true for the frame"
        " to wait for, or None for any frame; got 'MESSAGE' (str)"
    )


# ------------------------------------------------------------- threads delivering


def test_a_review_handler_on_its_thread_delivers_while_a_waiter_waits(
    fake: FakeIvsChat, client: Any
) -> None:
    arn = client.create_room(messageReviewHandler={"uri": LAMBDA})["arn"]
    alice, bob = join(fake, client, arn, "alice"), join(fake, client, arn, "bob")

    def review(request: dict[str, Any]) -> dict[str, Any]:
        time.sleep(DELAY)  # the waiters below are waiting by now
        client.send_event(roomIdentifier=arn, eventName="review:seen")
        return {"ReviewResult": "ALLOW", "Content": request["Content"].upper()}

    fake.register_review_handler(LAMBDA, review)
    sender = threading.Thread(target=alice.send_message, args=("hi",))
    sender.start()
    started = time.perf_counter()
    try:
        event = fake.wait_for_event("review:seen", room=arn, timeout=BOUND)
        frame = bob.wait_for(is_message, timeout=BOUND)
    finally:
        sender.join(BOUND)
    assert time.perf_counter() - started < BOUND / 2
    assert frame["Content"] == "HI"
    assert [f["Type"] for f in bob.received] == ["EVENT", "MESSAGE"]
    assert bob.received[0] is event.payload


def test_the_predicate_runs_outside_the_lock(fake: FakeIvsChat, client: Any, arn: str) -> None:
    alice, bob = join(fake, client, arn, "alice"), join(fake, client, arn, "bob")
    alice.send_message("first")
    delivered = threading.Event()

    def sender() -> None:
        alice.send_message("second")  # needs the fake's lock
        delivered.set()

    def slow(frame: Mapping[str, Any]) -> bool:
        if frame["Content"] == "first":
            threading.Thread(target=sender).start()
            delivered.wait(BOUND)  # would time out if the waiter held the lock now
        return bool(frame["Content"] == "second")

    frame, elapsed = timed(lambda: bob.wait_for(slow, timeout=BOUND))
    assert delivered.is_set() and frame["Content"] == "second"
    assert elapsed < BOUND / 2


def test_messages_from_several_threads_all_arrive_in_the_recorded_order(
    fake: FakeIvsChat, client: Any, arn: str
) -> None:
    senders = [join(fake, client, arn, f"user-{i}") for i in range(4)]
    bob = join(fake, client, arn, "bob")

    def send(index: int) -> None:
        for n in range(20):
            senders[index].send_message(f"{index}-{n}")

    threads = [threading.Thread(target=send, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    try:
        for i in range(4):
            assert bob.wait_for(content_is(f"{i}-19"), timeout=BOUND)
    finally:
        for thread in threads:
            thread.join(BOUND)
    assert bob.received == [m.payload for m in fake.messages()]
    assert sorted(f["Content"] for f in bob.received) == sorted(
        f"{i}-{n}" for i in range(4) for n in range(20)
    )


# ------------------------------------------------------- resets and session ends


@pytest.fixture
def served_reset(fake: FakeIvsChat) -> Iterator[Callable[[], object]]:
    """A reset through ``POST /_fake/reset`` of ``fake`` served; the server closes at teardown."""
    with fake.serve() as server:
        url = f"{server.endpoint_url}/_fake/reset"

        def reset() -> None:
            request = urllib.request.Request(url, data=b"", method="POST")
            with urllib.request.urlopen(request, timeout=BOUND) as response:
                assert response.status == 200

        yield reset


@pytest.mark.parametrize("how", ["fake.reset()", "POST /_fake/reset"])
@pytest.mark.parametrize("kind", ["message", "event"])
def test_a_wait_started_before_a_reset_sees_what_is_recorded_after_it(
    fake: FakeIvsChat,
    client: Any,
    arn: str,
    later: Any,
    request: pytest.FixtureRequest,
    how: str,
    kind: str,
) -> None:
    join(fake, client, arn, "alice").send_message("before the reset")
    reset = fake.reset if how == "fake.reset()" else request.getfixturevalue("served_reset")

    def after_reset() -> None:  # what a browser's beforeEach does, then its test
        reset()
        room = client.create_room()["arn"]
        if kind == "message":
            join(fake, client, room, "alice").send_message("after the reset")
        else:
            client.send_event(roomIdentifier=room, eventName="app:after")

    later(after_reset)
    if kind == "message":
        message, elapsed = timed(lambda: fake.wait_for_message("after the reset", timeout=BOUND))
        assert message is fake.messages()[0]
    else:
        event, elapsed = timed(lambda: fake.wait_for_event("app:after", timeout=BOUND))
        assert event is fake.events()[0]
    assert elapsed < BOUND / 2  # when it was recorded, not at the timeout


def test_a_wait_that_spans_a_reset_and_times_out_lists_what_is_recorded_now(
    fake: FakeIvsChat, client: Any, arn: str, later: Any
) -> None:
    join(fake, client, arn, "alice").send_message("before the reset")

    def after_reset() -> None:
        fake.reset()
        room = client.create_room()["arn"]
        join(fake, client, room, "alice").send_message("after the reset")

    later(after_reset)
    text, _ = failure(lambda: fake.wait_for_message("never", timeout=4 * DELAY))
    [message] = fake.messages()
    assert text.splitlines()[1:] == ["Recorded messages (1):", f"  - {message!r}"]


@pytest.mark.parametrize("clock", ["time-machine", "freezegun", "real time"])
def test_a_wait_ends_when_the_session_ends_during_it(
    fake: FakeIvsChat, client: Any, arn: str, later: Any, clock: str
) -> None:
    with time_machine.travel(T0, tick=False):
        token = client.create_chat_token(
            roomIdentifier=arn, userId="bob", sessionDurationInMinutes=1
        )["token"]
        bob = fake.connect(token)

    def wait() -> str:
        return failure(lambda: within(2 * BOUND, lambda: bob.wait_for(timeout=BOUND)))[0]

    # Timed outside the test clocks: perf_counter is frozen within them.
    started = time.perf_counter()
    if clock == "time-machine":
        with time_machine.travel(T0, tick=False) as traveller:
            later(lambda: traveller.shift(61))
            text = wait()
    elif clock == "freezegun":
        with freeze_time(T0) as frozen:
            later(lambda: frozen.tick(61))
            text = wait()
    else:  # the clock runs as real time does, from DELAY before the session's end
        with time_machine.travel(T0 + timedelta(seconds=60 - DELAY), tick=True):
            text = wait()
    elapsed = time.perf_counter() - started
    assert text.startswith(
        "No frame was received by 'bob' before the connection closed (session expired)."
    )
    assert elapsed < DELAY + 0.5  # a fraction of a second after the clock passed the end

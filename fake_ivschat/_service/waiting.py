"""Waiting for what other threads deliver: a condition variable bound to the fake's one lock,
notified by each delivery and record while someone waits (and nearly free while nobody does).

A wait reads what arrived under the lock and judges it outside, so that a test's predicate never
holds up a delivery. Its timeout is a timer thread: real time, which a frozen or ticking test
clock (freezegun, time-machine) neither stops nor speeds. Waits span resets (the condition
variable is the fake's for good; a wait reads the records a reset starts afresh).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from .._hints import describe
from .._records import (
    RecordedEvent,
    RecordedMessage,
    not_recorded,
    wanted_event,
    wanted_message,
)

T = TypeVar("T")

DEFAULT_TIMEOUT = 5.0
# How often a connection's wait reads the fake's clock, which a test may move (freezegun,
# time-machine) or real time moves, with nothing to notify: a session ending ends the wait.
CLOCK_RECHECK = 0.05


def check_timeout(timeout: object) -> float:
    """``timeout`` in seconds, if it is a finite number >= 0; else TypeError or ValueError.
    Beyond what a thread can wait (``threading.TIMEOUT_MAX``, ~292 years) is as long a wait."""
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(f"timeout must be a number of seconds, got {describe(timeout)}")
    if not 0 <= timeout < math.inf:  # NaN fails too
        raise ValueError(f"timeout must be a finite number of seconds >= 0, got {timeout!r}")
    return float(min(timeout, threading.TIMEOUT_MAX))


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """How a wait ended: the first item matching (None if none did), every item read (since the
    last reset, for records), and why no more could come (None when the wait timed out or found a
    match)."""

    match: T | None
    seen: list[T]
    ended: str | None


class Changes:
    """The fake's condition variable, on its lock: deliveries notify it, waits wait on it."""

    def __init__(self, lock: threading.RLock) -> None:
        self._condition = threading.Condition(lock)
        self.waiting = 0  # threads in a wait: deliveries notify only while there are some

    def notify(self) -> None:
        """Wake every waiting thread; the caller holds the lock."""
        if self.waiting:
            self._condition.notify_all()

    def wait(
        self,
        read: Callable[[], tuple[Sequence[T], str | None]],
        match: Callable[[T], object],
        timeout: float,
        recheck: float | None = None,
    ) -> Outcome[T]:
        """The first item ``read`` gives (already there or arriving within ``timeout`` seconds)
        that ``match`` accepts. ``read``, called under the lock, returns every item so far (a list
        that only grows, or another one after a reset: then read from its start) and why no more
        can come (e.g. a connection's close reason) or None. ``recheck``: every how many seconds
        to read again though nothing was notified (for what the clock decides). The caller must
        not hold the lock."""
        cursor = _Cursor[T]()
        outcome = self._judge(read, match, cursor, None, recheck)
        if outcome.match is not None or outcome.ended is not None or timeout == 0:
            return outcome
        expired = threading.Event()
        timer = threading.Timer(timeout, self._expire, (expired,))
        timer.name, timer.daemon = "fake-ivschat wait timeout", True
        with self._condition:
            self.waiting += 1
        try:
            timer.start()
            while outcome.match is None and outcome.ended is None and not expired.is_set():
                outcome = self._judge(read, match, cursor, expired, recheck)
        finally:
            timer.cancel()
            with self._condition:
                self.waiting -= 1
        return outcome

    def _judge(
        self,
        read: Callable[[], tuple[Sequence[T], str | None]],
        match: Callable[[T], object],
        cursor: _Cursor[T],
        expired: threading.Event | None,
        recheck: float | None,
    ) -> Outcome[T]:
        """Read the items the ``cursor`` has not taken (first waiting for some, unless ``expired``
        is None), then judge them outside the lock."""
        with self._condition:
            items, ended = read()
            idle = expired is not None and not expired.is_set()
            while idle and cursor.at_end(items) and ended is None:
                self._condition.wait(recheck)
                idle = expired is not None and not expired.is_set()
                items, ended = read()
            new = cursor.take(items)
        return Outcome(next((item for item in new if match(item)), None), cursor.seen, ended)

    def _expire(self, expired: threading.Event) -> None:
        with self._condition:
            expired.set()
            self._condition.notify_all()


class _Cursor(Generic[T]):
    """How far a wait has read: the list it read last, and the items of it taken (``seen``)."""

    def __init__(self) -> None:
        self._items: Sequence[T] | None = None
        self.seen: list[T] = []

    def at_end(self, items: Sequence[T]) -> bool:
        return items is self._items and len(items) == len(self.seen)

    def take(self, items: Sequence[T]) -> list[T]:
        """The items not taken yet: all of them when ``items`` replaced the list read last (a
        reset's: what was seen before it is forgotten, as the fake forgot it)."""
        if items is not self._items:
            self._items, self.seen = items, []
        new = list(items[len(self.seen) :])
        self.seen.extend(new)
        return new


class Records(Protocol):
    """What a wait for records reads (messaging.Messaging)."""

    events: list[RecordedEvent]
    messages: list[RecordedMessage]


class Recorded(Protocol):
    """Where waits for records read (state.ServiceState): its messaging is a new one after each
    reset, its changes the same."""

    changes: Changes

    @property
    def messaging(self) -> Records: ...


def first_event(
    recorded: Recorded,
    name: str,
    room: str | None,
    attributes: Mapping[str, str] | None,
    timeout: object,
) -> RecordedEvent:
    """The first EVENT ``name`` recorded (in ``room``, with at least ``attributes``), already or
    within ``timeout`` seconds; otherwise AssertionError listing the events recorded instead."""
    __tracebackhide__ = True
    wanted = wanted_event(name, room, attributes)
    return _first(
        recorded.changes,
        lambda: recorded.messaging.events,
        lambda event: event.matches(room, name, attributes),
        wanted,
        "events",
        timeout,
    )


def first_message(
    recorded: Recorded,
    content: str | None,
    room: str | None,
    user_id: str | None,
    attributes: Mapping[str, str] | None,
    timeout: object,
) -> RecordedMessage:
    """The first MESSAGE recorded matching every given filter (None: any), already or within
    ``timeout`` seconds; otherwise AssertionError listing the messages recorded instead."""
    __tracebackhide__ = True
    wanted = wanted_message(content, room, user_id, attributes)
    return _first(
        recorded.changes,
        lambda: recorded.messaging.messages,
        lambda message: message.matches(room, content, user_id, attributes),
        wanted,
        "messages",
        timeout,
    )


def _first(
    changes: Changes,
    read: Callable[[], Sequence[T]],
    match: Callable[[T], bool],
    wanted: str,
    kind: str,
    timeout: object,
) -> T:
    __tracebackhide__ = True
    seconds = check_timeout(timeout)
    outcome = changes.wait(lambda: (read(), None), match, seconds)
    if outcome.match is None:
        raise not_recorded(wanted, kind, outcome.seen, seconds)
    return outcome.match

"""Time, read at call time so that freezegun and time-machine drive the fake; and its formats."""

from __future__ import annotations

import functools
import time
from datetime import datetime, timedelta, timezone

NS_PER_SECOND = 1_000_000_000
NS_PER_MS = 1_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def now_ns() -> int:
    """The current time in nanoseconds since the epoch, at microsecond precision.

    Microseconds are all a frozen clock can express (a datetime has no finer unit), and clock
    patchers that go through a float (freezegun, time-machine 2.x) return 123449856 ns for a
    frozen .123450: rounding gives every test clock back exactly the instant it froze.
    """
    return (time.time_ns() + 500) // 1000 * 1000


def to_ms(ns: int) -> int:
    return ns // NS_PER_MS


@functools.lru_cache(maxsize=1024)  # calls come many to a second: format each second once
def _utc_seconds(seconds: int) -> str:
    # isoformat writes every year with 4 digits (strftime's %Y writes year 1 as "1", which
    # parsers read as another date); adding to the epoch reaches year 1 on every platform.
    moment = _EPOCH + timedelta(seconds=seconds)
    return moment.replace(tzinfo=None).isoformat(timespec="seconds")


def iso_ms(ms: int) -> str:
    """``2024-05-01T12:00:00.123Z``: the control plane's timestamps, millisecond precision."""
    seconds, millis = divmod(ms, 1000)
    return f"{_utc_seconds(seconds)}.{millis:03d}Z"


def rfc3339_nano(ns: int) -> str:
    """``2023-01-05T14:33:32.894089757Z``: messaging SendTime, trailing zeros trimmed (Go style)."""
    seconds, nanos = divmod(ns, NS_PER_SECOND)
    fraction = f"{nanos:09d}".rstrip("0")
    return f"{_utc_seconds(seconds)}.{fraction}Z" if fraction else f"{_utc_seconds(seconds)}Z"


class PerSecondLimiter:
    """Calls counted per key in fixed one-second windows of the (freezable) clock."""

    def __init__(self) -> None:
        self._windows: dict[str, tuple[int, int]] = {}

    def take(self, key: str, limit: int, ns: int) -> bool:
        """Count one call for ``key`` at ``ns``; False (and not counted) once ``limit`` is used."""
        second = ns // NS_PER_SECOND
        window, count = self._windows.get(key, (second, 0))
        if window != second:
            count = 0
        if count >= limit:
            return False
        self._windows[key] = (second, count + 1)
        return True

    def forget(self, key: str) -> None:
        self._windows.pop(key, None)


def to_datetime(ns: int) -> datetime:
    """Exact to the microsecond (a float division would round)."""
    seconds, nanos = divmod(ns, NS_PER_SECOND)
    return datetime.fromtimestamp(seconds, timezone.utc) + timedelta(microseconds=nanos // 1000)

"""Sorted listings with cursor pagination: opaque nextTokens bound to the listing they came from.

A token names the sort key of the last item returned and is sealed with an HMAC over the
listing's scope (operation, account, region, filters), so a token is the same in every process
and a forged, foreign or re-filtered one is refused.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import hmac
import json
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

from .errors import MESSAGES, ValidationException

# Not a secret: it only makes tokens opaque and tamper-evident, and must be equal across processes.
_KEY = b"fake-ivschat pagination v1"

SortKey = tuple[int, int, str]  # (-updateTime ms, -createTime ms, ARN): newest first, then by ARN
T = TypeVar("T")


class SortedIndex(Generic[T]):
    """Items kept in list order, so that a page starts with a bisection instead of a rescan."""

    def __init__(self) -> None:
        self._keys: list[SortKey] = []
        self._items: dict[SortKey, T] = {}
        self._key_of: dict[str, SortKey] = {}

    def put(self, arn: str, update_ms: int, create_ms: int, item: T) -> None:
        self.remove(arn)
        key = (-update_ms, -create_ms, arn)
        bisect.insort(self._keys, key)
        self._items[key] = item
        self._key_of[arn] = key

    def remove(self, arn: str) -> None:
        key = self._key_of.pop(arn, None)
        if key is not None:
            del self._keys[bisect.bisect_left(self._keys, key)]
            del self._items[key]

    def __len__(self) -> int:
        return len(self._keys)

    def after(self, cursor: SortKey | None) -> Iterator[tuple[SortKey, T]]:
        start = 0 if cursor is None else bisect.bisect_right(self._keys, cursor)
        for i in range(start, len(self._keys)):
            key = self._keys[i]
            yield key, self._items[key]


def page(
    index: SortedIndex[T],
    scope: dict[str, Any],
    next_token: str | None,
    max_results: int,
    keep: Callable[[T], bool],
) -> tuple[list[T], str | None]:
    """One page of the items ``keep`` accepts, and the token for the next page (None at the end)."""
    cursor = _open(next_token, scope) if next_token else None
    items: list[T] = []
    last: SortKey | None = None
    for key, item in index.after(cursor):
        if not keep(item):
            continue
        if len(items) == max_results:
            return items, _seal(last, scope)
        items.append(item)
        last = key
    return items, None


def _mac(payload: str, scope: dict[str, Any]) -> str:
    message = json.dumps([payload, scope], sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(_KEY, message, hashlib.sha256).hexdigest()[:32]


def _seal(cursor: SortKey | None, scope: dict[str, Any]) -> str:
    payload = base64.urlsafe_b64encode(json.dumps(cursor).encode()).decode().rstrip("=")
    return f"{payload}.{_mac(payload, scope)}"


def _open(token: str, scope: dict[str, Any]) -> SortKey:
    payload, _, mac = token.partition(".")
    # Bytes, not str: compare_digest refuses non-ASCII text, and a token is caller input.
    if not hmac.compare_digest(mac.encode(), _mac(payload, scope).encode()):
        raise ValidationException(MESSAGES["invalid_token"], reason="OTHER")
    update, create, arn = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return (int(update), int(create), str(arn))

"""JSON objects read into known fields as the service's Go decoder (``encoding/json``) reads them
into a struct: one mechanism, driven by a table of fields, for every object the service reads.

- A key names a field when it is the field's name, or else equal to it under Go's case folding.
- Keys naming one field are applied in the order of the text, so the later one wins; a ``null``
  leaves a text field as it was and empties a map field; a second object for a map field adds its
  entries to the first's.
- A value of the wrong type stays the field's value whatever follows (Go reports the first type
  error), for the caller's checks to refuse; unknown keys are kept as they are, for the caller to
  check and ignore.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

Kind = Literal["text", "map"]  # a Go string, a Go map[string]string

# The only characters outside ASCII that Go's folding (Unicode simple case folding) equates with
# an ASCII letter: the long s (s, S) and the Kelvin sign (k, K). Python's str.upper() and
# casefold() equate more (the dotless i with I, the sharp s with "SS"), so they cannot be used.
_NON_ASCII_FOLDS = str.maketrans({"\u017f": "S", "\u212a": "K"})


def fold(key: str) -> str:
    """``key`` folded as Go folds it to match an ASCII field name; a key left with characters
    outside ASCII matches none, and comes back unchanged."""
    if not key.isascii():
        key = key.translate(_NON_ASCII_FOLDS)
        if not key.isascii():
            return key
    return key.upper()


class Fields:
    """The fields of one JSON object the service reads: their names and kinds."""

    def __init__(self, **kinds: Kind) -> None:
        assert all(name.isascii() for name in kinds), "fold() matches ASCII names only"
        self._kinds = kinds
        self._by_fold = {fold(name): name for name in kinds}

    def read(self, members: Iterable[tuple[str, Any]]) -> dict[str, Any]:
        """The object whose ``members`` (key, value) are given in text order: each field present
        under its own name, unknown keys as they are. Reading a user's mapping may raise."""
        read: dict[str, Any] = {}
        kinds = self._kinds
        for key, value in members:
            name = key if key in kinds else self._by_fold.get(fold(key))  # exact match first
            if name is None:
                read[key] = value
            elif name not in read:
                if value is not None:
                    read[name] = value
            elif _fits(kinds[name], read[name]):
                _assign(read, name, kinds[name], value)
        return read


def _fits(kind: Kind, value: Any) -> bool:
    return isinstance(value, str) if kind == "text" else isinstance(value, Mapping)


def _assign(read: dict[str, Any], name: str, kind: Kind, value: Any) -> None:
    """Apply a later key for field ``name``, which holds a value of its kind."""
    if value is None:
        if kind == "map":
            del read[name]
    elif kind == "map" and isinstance(value, Mapping):
        read[name] = {**read[name], **value}
    else:
        read[name] = value


def members(value: Mapping[Any, Any]) -> Iterable[tuple[Any, Any]]:
    """The (key, value) pairs of an object in the order of its text: those of JSON text read with
    ``object_pairs_hook=json_object``, a mapping's own otherwise."""
    return value.pairs if isinstance(value, _InTextOrder) else value.items()


class _InTextOrder(dict[str, Any]):
    """A JSON object that repeats a key, with its members as the text gives them (a dict keeps
    a repeated key at its first position)."""

    __slots__ = ("pairs",)

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        self.pairs = pairs


def json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """The ``object_pairs_hook`` that keeps what ``members`` needs."""
    read = dict(pairs)
    return read if len(read) == len(pairs) else _InTextOrder(pairs)

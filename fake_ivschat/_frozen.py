"""Read-only containers: the frames and records a fake delivers and the calls it records, shared
by every holder (a leaf)."""

from __future__ import annotations

import copy
from typing import Any, ClassVar, NoReturn

_FRAMES = "Delivered frames and records are read-only (every holder shares them); change a copy:"
_CALLS = "Recorded calls are read-only (they keep what was sent and answered); change a copy:"


class FrozenDict(dict):  # type: ignore[type-arg]
    """A read-only dict: a frame or record as the fake delivered it, shared by every holder.

    Delivering one object to every connection of a crowded room (instead of a copy each) keeps
    fan-out cheap; being read-only, no holder can change what another sees. ``dict(frame)`` or
    ``copy.deepcopy(frame)`` gives a plain, mutable copy.
    """

    __slots__ = ()
    _refusal: ClassVar[str] = f"{_FRAMES} dict(frame) or copy.deepcopy(frame)."

    def _refuse(self, *_: Any, **__: Any) -> NoReturn:
        raise TypeError(self._refusal)

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def __copy__(self) -> dict[str, Any]:
        return dict(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        return {key: copy.deepcopy(value, memo) for key, value in self.items()}

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (dict(self),))


class FrozenList(list):  # type: ignore[type-arg]
    """A read-only list, equal to a plain list with the same items; ``list(value)`` or
    ``copy.deepcopy(value)`` gives a mutable copy."""

    __slots__ = ()
    _refusal: ClassVar[str] = f"{_FRAMES} list(value) or copy.deepcopy(value)."

    def _refuse(self, *_: Any, **__: Any) -> NoReturn:
        raise TypeError(self._refusal)

    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse
    append = clear = extend = insert = pop = remove = reverse = sort = _refuse

    def __copy__(self) -> list[Any]:
        return list(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> list[Any]:
        return [copy.deepcopy(value, memo) for value in self]

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (list(self),))


_CALL_COPY = f"{_CALLS} copy.deepcopy(call.params) or copy.deepcopy(call.response)."


class CallDict(FrozenDict):
    __slots__ = ()
    _refusal = _CALL_COPY


class CallList(FrozenList):
    __slots__ = ()
    _refusal = _CALL_COPY


def freeze(value: dict[str, Any]) -> FrozenDict:
    """``value`` as a FrozenDict, nested dicts and lists read-only too."""
    frozen: FrozenDict = _frozen(value, FrozenDict, FrozenList)
    return frozen


_CONTAINERS = (dict, list)


def _frozen(value: Any, mapping: type[FrozenDict], sequence: type[FrozenList]) -> Any:
    # Every recorded call is frozen, so this is hot: one C-level copy, then only the nested
    # containers replaced (scalars are passed over without a call).
    if isinstance(value, dict):
        frozen = mapping(value)
        for key, item in value.items():
            if isinstance(item, _CONTAINERS):
                dict.__setitem__(frozen, key, _frozen(item, mapping, sequence))
        return frozen
    if isinstance(value, list):
        return sequence(
            [_frozen(v, mapping, sequence) if isinstance(v, _CONTAINERS) else v for v in value]
        )
    return value


def frozen_call_value(value: Any) -> Any:
    """A recorded call's ``params`` or ``response`` made read-only (its refusals say so)."""
    return _frozen(value, CallDict, CallList)

"""The options of a fake (FakeIvsChat's keyword arguments and its Quotas), checked when given so a
bad value fails where it was written, not inside a later call."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from .._hints import describe, integer, one_of, suggest
from . import model

DEFAULT_ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"
_ACCOUNT_ID = re.compile(r"[0-9]{12}")


@functools.cache
def throttled_operations() -> tuple[str, ...]:
    """The operations the model lets throttle: the ones an API rate applies to."""
    return tuple(
        op for op in model.operation_names() if "ThrottlingException" in model.errors_of(op)
    )


class _Rates(dict):  # type: ignore[type-arg]
    """``Quotas.api_rates``: a dict that checks every entry set in it."""

    def __init__(self, rates: Mapping[str, int]) -> None:
        super().__init__()
        self.update(rates)

    def __setitem__(self, operation: str, rate: int) -> None:
        what = "an operation that can be throttled (a key of Quotas.api_rates)"
        one_of(operation, throttled_operations(), what)
        integer(f"Quotas.api_rates[{operation!r}] (calls per second)", rate, 0)
        super().__setitem__(operation, rate)

    def update(self, *args: Any, **kwargs: Any) -> None:
        for operation, rate in dict(*args, **kwargs).items():
            self[operation] = rate

    def setdefault(self, operation: Any, rate: Any = None, /) -> Any:
        if operation not in self:
            self[operation] = rate
        return self[operation]

    def __ior__(self, other: Any) -> _Rates:  # type: ignore[misc]
        self.update(other)
        return self


def _rates(value: object) -> _Rates:
    if not isinstance(value, Mapping):
        raise TypeError(
            "Quotas.api_rates must be a dict of operation name to calls per second, e.g."
            f" {{'SendEvent': 10}}, got {describe(value)}"
        )
    return _Rates(value)


# The least value of each integer quota; api_rates is checked entry by entry.
_MINIMUMS = {
    "rooms": 0,
    "logging_configurations": 0,
    "token_lifetime_seconds": 1,
    "review_handler_timeout_ms": 1,
}


@dataclass
class Quotas:
    """Service quotas of a fake; the defaults are the service's documented defaults.

    Each value is checked when set, at construction or later (``fake.quotas.rooms = 3``):
    ``rooms`` and ``logging_configurations`` ints >= 0, ``token_lifetime_seconds`` and
    ``review_handler_timeout_ms`` ints >= 1; ``api_rates`` maps operations that can be throttled
    (``SendEvent``, ``DeleteMessage``, ``DisconnectUser``) to calls per second per account and
    region (ints >= 0; 0 throttles every call); an operation left out is never throttled.
    """

    rooms: int = 50_000
    logging_configurations: int = 10
    # Calls per second per account and region, for the operations the model lets throttle.
    api_rates: dict[str, int] = field(
        default_factory=lambda: {"SendEvent": 100, "DeleteMessage": 100, "DisconnectUser": 100}
    )
    token_lifetime_seconds: int = 60
    review_handler_timeout_ms: int = 200

    # Hidden from type checkers: a checked __setattr__ would make them accept any attribute
    # name, and `fake.quotas.room = 3` should stay a type error for typed users.
    if not TYPE_CHECKING:

        def __setattr__(self, name: str, value: Any) -> None:
            if name == "api_rates":
                value = _rates(value)
            elif name in _MINIMUMS:
                integer(f"Quotas.{name}", value, _MINIMUMS[name])
            else:
                known = [quota.name for quota in fields(self)]
                hint = suggest(name, known) or f"; its quotas are {', '.join(known)}"
                raise AttributeError(f"Quotas has no quota {name!r}{hint}")
            super().__setattr__(name, value)


@dataclass(frozen=True)
class Options:
    """Behaviours where the service is undocumented; see docs/explanation/fidelity.md."""

    logging_state_polls: int = 0
    conflict_on_attached_logging_delete: bool = True


# --------------------------------------------------------------------- FakeIvsChat options


def _account_id(value: object) -> None:
    accepted = "a 12-digit AWS account ID string such as '123456789012'"
    if not isinstance(value, str):
        raise TypeError(f"account_id must be {accepted}, got {describe(value)}")
    if not _ACCOUNT_ID.fullmatch(value):
        raise ValueError(f"account_id must be {accepted}, got {value!r}")


def _seed(value: object) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise TypeError(f"seed must be an int or None, got {describe(value)}")


def _quotas(value: object) -> None:
    if value is None or isinstance(value, Quotas):
        return
    example = "Quotas(rooms=5, api_rates={'SendEvent': 10})"
    if isinstance(value, Mapping) and all(isinstance(key, str) for key in value):
        example = f"Quotas({', '.join(f'{key}={item!r}' for key, item in value.items())})"
    raise TypeError(
        f"quotas must be a Quotas, got {describe(value)}; build one with"
        f" `from fake_ivschat import Quotas` and quotas={example}"
    )


def _polls(value: object) -> None:
    integer("logging_state_polls", value, 0)


def _flag(value: object) -> None:
    if not isinstance(value, bool):
        raise TypeError(
            f"conflict_on_attached_logging_delete must be True or False, got {describe(value)}"
        )


# Every keyword argument of FakeIvsChat, with the check of its value.
CHECKS: dict[str, Callable[[object], None]] = {
    "account_id": _account_id,
    "seed": _seed,
    "quotas": _quotas,
    "logging_state_polls": _polls,
    "conflict_on_attached_logging_delete": _flag,
}


def check_options(**options: object) -> None:
    """TypeError or ValueError naming the first option whose value FakeIvsChat cannot take."""
    for name, value in options.items():
        CHECKS[name](value)


def fake_options(options: Mapping[str, Any], source: str) -> Mapping[str, Any]:
    """``options`` frozen, once checked to be FakeIvsChat keyword arguments with values it takes;
    otherwise TypeError or ValueError naming the option (``source`` says where they came from)."""
    unknown = sorted(set(options) - set(CHECKS))
    if unknown:
        raise TypeError(
            f"{source} got unknown option(s) {', '.join(map(repr, unknown))}; "
            f"valid options: {', '.join(sorted(CHECKS))}"
        )
    try:
        check_options(**options)
    except (TypeError, ValueError) as error:
        raise type(error)(f"{source}: {error}") from None
    return MappingProxyType(dict(options))

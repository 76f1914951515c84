"""The constraints the model puts on one scalar or collection shape (bounds, pattern, enum, byte
limits, valid Unicode), compiled once: one closure per constraint, to word what a value breaks,
and one predicate for all of them, which is all a valid value costs."""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import model
from .errors import MESSAGES

# The model's own defects and documented-but-unmodelled rules, by shape name. Keep them here,
# visible, rather than scattered over the operations.
PATTERN_OVERRIDES: dict[str, str] = {
    # The model writes `...:[a-z-]/...` (one character before the slash): no real ARN matches.
    "ResourceArn": r"arn:aws:ivschat:[a-z0-9-]+:[0-9]+:(room|logging-configuration)/[a-zA-Z0-9-]+",
    # The model starts with `$|`, which makes the pattern match anything when searched.
    "LambdaArn": r"|arn:aws:lambda:[a-z0-9-]+:[0-9]{12}:function:.+",
}
# Documented 1 KB limits on attribute maps: UTF-8 bytes of every key and value, summed.
MAP_BYTE_LIMITS: dict[str, int] = {"ChatTokenAttributes": 1024, "EventAttributes": 1024}
# JSON escapes can carry half of a UTF-16 pair alone; no service can store or forward that.
_SURROGATE = re.compile("[\ud800-\udfff]")


Rule = tuple[Callable[[Any], bool], str]


@dataclass(frozen=True)
class _Limits:
    """A scalar's or collection's constraints, read from the model once."""

    low: float  # min of the value, or of its length (``sized``)
    top: float
    sized: bool
    noun: str
    regex: re.Pattern[str] | None = None
    pattern: str = ""
    allowed: frozenset[str] | None = None
    enum: tuple[str, ...] = ()
    no_surrogate: bool = False
    byte_limit: int | None = None


def _limits(shape: model.Shape) -> _Limits:
    meta = shape.metadata
    sized = shape.type_name in ("string", "list", "map")
    bounds = {"low": meta.get("min", -math.inf), "top": meta.get("max", math.inf)}
    if shape.type_name == "string":
        pattern = enforced_pattern(shape.name, meta.get("pattern"))
        enum = tuple(shape.enum or ())
        return _Limits(
            **bounds,
            sized=True,
            noun="length",
            regex=re.compile(pattern) if pattern is not None else None,
            pattern=pattern or "",
            allowed=frozenset(enum) if enum else None,
            enum=enum,
            no_surrogate=True,
        )
    limit = MAP_BYTE_LIMITS.get(shape.name) if shape.type_name == "map" else None
    return _Limits(**bounds, sized=sized, noun="length" if sized else "value", byte_limit=limit)


def _rules(limits: _Limits) -> list[Rule]:
    """One closure per constraint, each with the text it reports."""
    low, top, rules = limits.low, limits.top, []
    measure: Callable[[Any], Any] = len if limits.sized else _itself
    if top != math.inf:
        text = MESSAGES["at_most"].format(noun=limits.noun, limit=top)
        rules.append((lambda v: measure(v) <= top, text))
    if low != -math.inf:
        text = MESSAGES["at_least"].format(noun=limits.noun, limit=low)
        rules.append((lambda v: measure(v) >= low, text))
    regex, allowed, byte_limit = limits.regex, limits.allowed, limits.byte_limit
    if regex is not None:
        text = MESSAGES["pattern"].format(pattern=limits.pattern)
        rules.append((lambda v: regex.fullmatch(v) is not None, text))
    if allowed is not None:
        text = MESSAGES["enum"].format(values=", ".join(limits.enum))
        rules.append((lambda v: v in allowed, text))
    if limits.no_surrogate:
        rules.append((no_surrogate, MESSAGES["surrogate"]))
    if byte_limit is not None:
        text = MESSAGES["map_bytes"].format(limit=byte_limit)
        rules.append((lambda v: utf8_size(v) <= byte_limit, text))
    return rules


def _fine(limits: _Limits) -> Callable[[Any], bool]:
    """Every constraint of ``limits`` at once, in one call: True only if no rule breaks (a value
    that passes this skips the rules, which run for every member of every request)."""
    low, top, regex, allowed = limits.low, limits.top, limits.regex, limits.allowed
    if limits.no_surrogate:  # a string

        def fine_string(v: str) -> bool:
            return (
                low <= len(v) <= top
                and (regex is None or regex.fullmatch(v) is not None)
                and (allowed is None or v in allowed)
                and no_surrogate(v)
            )

        return fine_string
    if limits.sized:
        byte_limit = limits.byte_limit
        return lambda v: low <= len(v) <= top and (byte_limit is None or utf8_size(v) <= byte_limit)
    return lambda v: low <= v <= top


# The shape types the model constrains (a timestamp's or blob's bounds are not checked).
_CONSTRAINED = frozenset({"string", "integer", "long", "float", "double", "list", "map"})


def _itself(value: Any) -> Any:
    return value


Constraints = tuple[Callable[[Any], bool], Callable[[Any], "list[str]"]]


def constraints(shape: model.Shape) -> Constraints:
    """For a scalar or collection ``shape``: a predicate true when a value breaks none of its
    constraints, and the messages of those a value breaks."""
    if shape.type_name not in _CONSTRAINED:
        return _anything, _none
    limits = _limits(shape)
    rules = _rules(limits)
    if not rules:
        return _anything, _none
    return _fine(limits), lambda value: [text for ok, text in rules if not ok(value)]


def _anything(value: Any) -> bool:
    return True


def no_surrogate(value: str) -> bool:
    return value.isascii() or _SURROGATE.search(value) is None


def utf8_size(mapping: dict[str, str]) -> int:
    # A lone surrogate is reported on its own; here it counts as the 3 bytes it would take.
    return sum(
        len(k.encode(errors="surrogatepass")) + len(v.encode(errors="surrogatepass"))
        for k, v in mapping.items()
    )


def _none(value: Any) -> list[str]:
    return []


@functools.cache
def enforced_pattern(shape_name: str, model_pattern: str | None) -> str | None:
    """The pattern enforced for a shape: the model's, unless the defect table overrides it."""
    return PATTERN_OVERRIDES.get(shape_name, model_pattern)

"""String values made from a regular expression and length bounds, for the model-parametrized
validation tests: one of an exact length that matches (``generate``), a realistic value grown or
shrunk to a length (``fit``), and a value one character away from matching (``break_pattern``).
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable, Iterator
from typing import Any

if sys.version_info >= (3, 11):  # sre_parse became re._parser; the old name warns
    from re import _parser as sre_parse
else:  # pragma: no cover
    import sre_parse

# Characters tried, in order, to fill a character class, and to break a pattern.
FILLERS = "a0A-_.b1B:/#"
BREAKERS = "! ~é\n"
_CATEGORIES = {
    sre_parse.CATEGORY_DIGIT: r"\d",
    sre_parse.CATEGORY_NOT_DIGIT: r"\D",
    sre_parse.CATEGORY_SPACE: r"\s",
    sre_parse.CATEGORY_NOT_SPACE: r"\S",
    sre_parse.CATEGORY_WORD: r"\w",
    sre_parse.CATEGORY_NOT_WORD: r"\W",
}


def generate(pattern: str, length: int) -> str | None:
    """A string of exactly ``length`` characters that fully matches ``pattern``, or None."""
    items = sre_parse.parse(pattern).data
    value = _sequence(items, length)
    return value if value is not None and re.fullmatch(pattern, value) else None


def fit(pattern: str | None, value: str, length: int) -> str:
    """``value`` grown or shrunk one character at a time, still matching, toward ``length``.

    Starting from a realistic value keeps it realistic (a room ARN stays an ARN of the same
    region); when it cannot reach ``length`` exactly, a value generated from the pattern is used,
    and failing that the closest value reached.
    """
    matches = _matcher(pattern)
    while len(value) != length:
        step = _grow(value, matches) if len(value) < length else _shrink(value, matches)
        if step is None:
            break
        value = step
    made = generate(pattern, length) if len(value) != length and pattern is not None else None
    return value if made is None else made


def break_pattern(pattern: str, value: str) -> str:
    """``value`` with one character replaced (or one added, if empty) so it no longer matches."""
    matches = _matcher(pattern)
    candidates = [value[:i] + ch + value[i + 1 :] for i in range(len(value)) for ch in BREAKERS]
    candidates += [value + ch for ch in BREAKERS]
    for candidate in candidates:
        if not matches(candidate):
            return candidate
    raise ValueError(f"no single-character change of {value!r} breaks {pattern!r}")


def _matcher(pattern: str | None) -> Callable[[str], bool]:
    if pattern is None:
        return lambda value: True
    regex = re.compile(pattern)
    return lambda value: regex.fullmatch(value) is not None


def _grow(value: str, matches: Callable[[str], bool]) -> str | None:
    for i in range(len(value), -1, -1):
        for ch in FILLERS:
            candidate = value[:i] + ch + value[i:]
            if matches(candidate):
                return candidate
    return None


def _shrink(value: str, matches: Callable[[str], bool]) -> str | None:
    for i in range(len(value) - 1, -1, -1):
        candidate = value[:i] + value[i + 1 :]
        if matches(candidate):
            return candidate
    return None


def _span(items: list[Any]) -> tuple[int, float]:
    low, high = 0, 0.0
    for op, arg in items:
        item_low, item_high = _item_span(op, arg)
        low, high = low + item_low, high + item_high
    return low, high


def _item_span(op: Any, arg: Any) -> tuple[int, float]:
    if op in (sre_parse.LITERAL, sre_parse.NOT_LITERAL, sre_parse.ANY, sre_parse.IN):
        return 1, 1
    if op in (sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT):
        least, most, sub = arg
        sub_low, sub_high = _span(list(sub))
        high = math.inf if most == sre_parse.MAXREPEAT and sub_high else most * sub_high
        return least * sub_low, high
    if op is sre_parse.SUBPATTERN:
        return _span(list(arg[-1]))
    if op is sre_parse.BRANCH:
        spans = [_span(list(alternative)) for alternative in arg[1]]
        return min(low for low, _ in spans), max(high for _, high in spans)
    if op is sre_parse.AT:
        return 0, 0
    raise ValueError(f"pattern element {op} is not supported by the value generator")


def _sequence(items: list[Any], length: int) -> str | None:
    if not items:
        return "" if length == 0 else None
    (op, arg), rest = items[0], items[1:]
    rest_low, rest_high = _span(rest)
    low, high = _item_span(op, arg)
    for size in range(int(max(low, length - rest_high)), int(min(high, length - rest_low)) + 1):
        head = _item(op, arg, size)
        tail = _sequence(rest, length - size) if head is not None else None
        if head is not None and tail is not None:
            return head + tail
    return None


def _item(op: Any, arg: Any, size: int) -> str | None:
    if op is sre_parse.AT:
        return "" if size == 0 else None
    if op is sre_parse.SUBPATTERN:
        return _sequence(list(arg[-1]), size)
    if op is sre_parse.BRANCH:
        for alternative in arg[1]:
            found = _sequence(list(alternative), size)
            if found is not None:
                return found
        return None
    if op in (sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT):
        return _repeat(arg, size)
    if size != 1:
        return None
    return next(_characters(op, arg), None)


def _repeat(arg: Any, size: int) -> str | None:
    least, most, sub = arg
    sub = list(sub)
    sub_low, sub_high = _span(sub)
    if size == 0:
        return "" if least == 0 or sub_low == 0 else None
    if sub_low == sub_high and sub_low > 0:  # fixed width: one piece, repeated
        count, extra = divmod(size, sub_low)
        piece = _sequence(sub, sub_low) if not extra and least <= count <= most else None
        return piece * count if piece is not None else None
    for count in range(max(least, 1), min(most, size) + 1):
        found = _sequence(sub * count, size)
        if found is not None:
            return found
    return None


def _characters(op: Any, arg: Any) -> Iterator[str]:
    """Characters matching one single-character element, the FILLERS first."""
    if op is sre_parse.LITERAL:
        yield chr(arg)
        return
    for ch in FILLERS + "".join(chr(c) for c in range(0x21, 0x250) if chr(c) not in FILLERS):
        if (
            op is sre_parse.ANY
            or (op is sre_parse.NOT_LITERAL and ord(ch) != arg)
            or (op is sre_parse.IN and _in_class(arg, ch))
        ):
            yield ch


def _in_class(items: list[Any], ch: str) -> bool:
    negate, hit = False, False
    for op, arg in items:
        if op is sre_parse.NEGATE:
            negate = True
        elif op is sre_parse.LITERAL:
            hit = hit or ord(ch) == arg
        elif op is sre_parse.RANGE:
            hit = hit or arg[0] <= ord(ch) <= arg[1]
        elif op is sre_parse.CATEGORY:
            hit = hit or re.fullmatch(_CATEGORIES[arg], ch) is not None
        else:
            raise ValueError(f"character class element {op} is not supported")
    return hit != negate

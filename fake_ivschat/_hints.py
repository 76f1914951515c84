"""How a mistake in what a test passes is worded: the value with its type, a did-you-mean
suggestion, what is accepted instead. A leaf: it imports nothing of the package."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable


def describe(value: object) -> str:
    """``'5' (str)``: a value with its type, for messages."""
    text = repr(value)
    if len(text) > 80:
        text = text[:77] + "..."
    return f"{text} ({type(value).__name__})"


def _folded(name: str) -> str:
    return re.sub(r"[\W_]", "", name).lower()


def suggest(name: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'CreateRoom'?"`` when ``name`` is a variant (snake_case, other case) or a
    typo of one of ``choices``; otherwise ``""``."""
    folded = {_folded(choice): choice for choice in choices}
    found = folded.get(_folded(name))
    if found is None:
        close = difflib.get_close_matches(_folded(name), list(folded), n=1, cutoff=0.75)
        found = folded[close[0]] if close else None
    return f"; did you mean {found!r}?" if found is not None else ""


def integer(name: str, value: object, minimum: int) -> int:
    """``value`` if it is an int (not a bool) of at least ``minimum``; else TypeError/ValueError."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int >= {minimum}, got {describe(value)}")
    if value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value}")
    return value


def one_of(name: object, choices: Iterable[str], kind: str) -> str:
    """``name`` if it is one of ``choices`` (operation names, ``kind`` saying which, e.g. "an
    ivschat operation"); else an error suggesting the right spelling."""
    names = list(choices)
    if not isinstance(name, str):
        raise TypeError(f"{describe(name)} is not {kind}; pass a name such as 'CreateRoom'")
    if name in names:
        return name
    hint = suggest(name, names) or f"; one of {', '.join(sorted(names))}"
    raise ValueError(f"{name!r} is not {kind}{hint}")

"""Identifier generation: random, or reproducible from a seed."""

from __future__ import annotations

import functools
import os
import random
import string
from collections.abc import Iterator
from contextlib import contextmanager

_ALPHABET = string.ascii_letters + string.digits
# An id is 12 characters of _ALPHABET: one number below 62**12, written two characters at a time.
_PAIRS = [first + second for first in _ALPHABET for second in _ALPHABET]
_IDS = 62**12
_BITS = _IDS.bit_length()
_UUID4_KEEP = ~((0xF000 << 64) | (0xC000 << 48)) & ((1 << 128) - 1)
_UUID4_SET = (4 << 76) | (0x8000 << 48)


@functools.cache
def _unseeded() -> tuple[random.Random, random.Random]:
    """The id and request-id streams every unseeded fake of the process draws from."""
    return random.Random(), random.Random()


# A forked child gets fresh streams, not a copy of its parent's (as random's own does).
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_unseeded.cache_clear)


class IdGenerator:
    """12-character resource/message IDs and request IDs; two streams so that one never shifts the
    other (a failed call consumes a request ID but must not change the next room's ID)."""

    def __init__(self, seed: int | None = None) -> None:
        if seed is None:  # nothing to reproduce: the process's streams (a fake is made per test)
            self._ids, self._requests = _unseeded()
        else:
            self._ids = random.Random(f"{seed}:ids")
            self._requests = random.Random(f"{seed}:requests")
        self._chosen: str | None = None
        self._taken: set[str] = set()  # chosen ids, never drawn afterwards

    def resource_id(self) -> str:
        if self._chosen is not None:
            chosen, self._chosen = self._chosen, None
            return chosen
        drawn = self._draw()
        while drawn in self._taken:  # a seeded stream may draw an id a test chose
            drawn = self._draw()
        return drawn

    def _draw(self) -> str:
        # Uniform over the 62**12 ids (bits past the range are drawn again), from one draw of
        # bits: hot, as rooms, tokens, messages and events each take an id.
        number = self._ids.getrandbits(_BITS)
        while number >= _IDS:
            number = self._ids.getrandbits(_BITS)
        pairs = []
        for _ in range(6):
            number, pair = divmod(number, 3844)
            pairs.append(_PAIRS[pair])
        return "".join(pairs)

    @contextmanager
    def choosing(self, resource_id: str | None) -> Iterator[None]:
        """Within the block, the next :meth:`resource_id` is ``resource_id`` (None: drawn as
        usual), taken without drawing, so the seeded stream goes on as if it was not made."""
        if resource_id is not None:
            self._taken.add(resource_id)
        self._chosen = resource_id
        try:
            yield
        finally:
            self._chosen = None

    def request_id(self) -> str:
        # What str(uuid.UUID(int=bits, version=4)) gives, without building a UUID (hot: one per
        # call): the version nibble set to 4, the variant bits to 10.
        bits = self._requests.getrandbits(128) & _UUID4_KEEP | _UUID4_SET
        text = f"{bits:032x}"
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"

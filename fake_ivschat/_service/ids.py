"""Identifier generation: random, or reproducible from a seed."""

from __future__ import annotations

import os
import random
import string

_ALPHABET = string.ascii_letters + string.digits
_UUID4_KEEP = ~((0xF000 << 64) | (0xC000 << 48)) & ((1 << 128) - 1)
_UUID4_SET = (4 << 76) | (0x8000 << 48)


class IdGenerator:
    """12-character resource/message IDs and request IDs; two streams so that one never shifts the
    other (a failed call consumes a request ID but must not change the next room's ID)."""

    def __init__(self, seed: int | None = None) -> None:
        # Unseeded, 128 bits from the OS: as unpredictable per fake as Random()'s own 2.5 KB
        # from the OS, at half the cost (a fake is made per test).
        base = f"{seed}" if seed is not None else os.urandom(16).hex()
        self._ids = random.Random(f"{base}:ids")
        self._requests = random.Random(f"{base}:requests")

    def resource_id(self) -> str:
        return "".join(self._ids.choices(_ALPHABET, k=12))

    def request_id(self) -> str:
        # What str(uuid.UUID(int=bits, version=4)) gives, without building a UUID (hot: one per
        # call): the version nibble set to 4, the variant bits to 10.
        bits = self._requests.getrandbits(128) & _UUID4_KEEP | _UUID4_SET
        text = f"{bits:032x}"
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"

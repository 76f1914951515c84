"""Identifier generation: random, or reproducible from a seed."""

from __future__ import annotations

import random
import string
import uuid

_ALPHABET = string.ascii_letters + string.digits


class IdGenerator:
    """12-character resource/message IDs and request IDs; two streams so that one never shifts the
    other (a failed call consumes a request ID but must not change the next room's ID)."""

    def __init__(self, seed: int | None = None) -> None:
        self._ids = random.Random(None if seed is None else f"{seed}:ids")
        self._requests = random.Random(None if seed is None else f"{seed}:requests")

    def resource_id(self) -> str:
        return "".join(self._ids.choices(_ALPHABET, k=12))

    def request_id(self) -> str:
        return str(uuid.UUID(int=self._requests.getrandbits(128), version=4))

"""Chat tokens: an id enciphered with AES under a key that only the issuing fake holds; the claims
stay with the fake."""

from __future__ import annotations

import base64
import binascii
import os
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from .clock import to_datetime
from .errors import InvalidTokenError

# A token is one AES block: the 12-byte token id, then this redundancy, which an altered or
# foreign token breaks (encode-then-encipher: the block cipher authenticates what it enciphers).
_REDUNDANCY = b"ivs\x01"
_BLOCK = 16


@dataclass(frozen=True)
class ChatTokenClaims:
    """What a chat token carries, as ``FakeIvsChat.decode_token`` reveals it."""

    token_id: str
    room_arn: str
    user_id: str
    capabilities: tuple[str, ...]
    attributes: dict[str, str] = field(hash=False)
    session_duration_minutes: int
    token_expiration_ns: int = field(repr=False)
    session_expiration_ns: int = field(repr=False)

    @property
    def token_expiration_time(self) -> datetime:
        return to_datetime(self.token_expiration_ns)

    @property
    def session_expiration_time(self) -> datetime:
        return to_datetime(self.session_expiration_ns)


class TokenSealer:
    """Seals and opens tokens with a key made for one fake instance. A token is its id with
    redundancy, enciphered as one AES block; the claims stay with the fake. So a token is opaque
    and authenticated, opens only in the fake that issued it (until a reset), and is short and
    cheap: one block through a cipher context made once, not a context per token as AES-GCM's."""

    def __init__(self) -> None:
        self._key = os.urandom(32)
        self._contexts: tuple[Any, Any] | None = None  # made on first use: most fakes mint none
        self._lock = threading.Lock()  # a cipher context serves one thread at a time
        self._claims: dict[str, ChatTokenClaims] = {}

    def _cipher(self) -> tuple[Any, Any]:
        """(encipher, decipher) contexts; the caller holds the lock."""
        if self._contexts is None:
            cipher = Cipher(algorithms.AES(self._key), modes.ECB())
            self._contexts = cipher.encryptor(), cipher.decryptor()
        return self._contexts

    def seal(self, claims: ChatTokenClaims) -> str:
        block = claims.token_id.encode() + _REDUNDANCY
        if len(block) != _BLOCK:  # a partial block would stay in the context, shifting the rest
            raise ValueError(f"a token id is 12 ASCII characters, not {claims.token_id!r}")
        with self._lock:
            self._claims[claims.token_id] = claims
            sealed = self._cipher()[0].update(block)
        return base64.urlsafe_b64encode(sealed).decode().rstrip("=")

    def open(self, token: str) -> ChatTokenClaims:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            if len(raw) != _BLOCK:
                raise ValueError("not one block")
            with self._lock:
                plain = self._cipher()[1].update(raw)
                if not plain.endswith(_REDUNDANCY):
                    raise ValueError("altered")
                return self._claims[plain[: -len(_REDUNDANCY)].decode()]
        except (binascii.Error, ValueError, TypeError, KeyError) as exc:
            raise InvalidTokenError(
                "not a chat token issued by this fake"
                " (altered, truncated, or from another instance)"
            ) from exc

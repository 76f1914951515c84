"""Chat tokens: claims sealed with AES-GCM under a key that only the issuing fake holds."""

from __future__ import annotations

import base64
import binascii
import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .clock import to_datetime
from .errors import InvalidTokenError

_NONCE_BYTES = 12
_ASSOCIATED_DATA = b"fake-ivschat chat token v1"
# json.dumps with any option builds a new encoder per call: build the compact one once.
_compact_json = json.JSONEncoder(separators=(",", ":")).encode


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
    """Seals and opens tokens with a key made for one fake instance."""

    def __init__(self) -> None:
        self._aead = AESGCM(AESGCM.generate_key(bit_length=256))

    def seal(self, claims: ChatTokenClaims) -> str:
        plain = _compact_json(
            [
                claims.token_id,
                claims.room_arn,
                claims.user_id,
                list(claims.capabilities),
                claims.attributes,
                claims.session_duration_minutes,
                claims.token_expiration_ns,
                claims.session_expiration_ns,
            ]
        ).encode()
        nonce = os.urandom(_NONCE_BYTES)
        sealed = nonce + self._aead.encrypt(nonce, plain, _ASSOCIATED_DATA)
        return base64.urlsafe_b64encode(sealed).decode().rstrip("=")

    def open(self, token: str) -> ChatTokenClaims:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            plain = self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], _ASSOCIATED_DATA)
        except (InvalidTag, binascii.Error, ValueError, TypeError) as exc:
            raise InvalidTokenError(
                "not a chat token issued by this fake"
                " (altered, truncated, or from another instance)"
            ) from exc
        fields: list[Any] = json.loads(plain)
        token_id, room, user, caps, attrs, minutes, token_exp, session_exp = fields
        return ChatTokenClaims(
            token_id, room, user, tuple(caps), attrs, minutes, token_exp, session_exp
        )

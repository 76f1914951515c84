"""Chat tokens: an id sealed with AES-GCM under a key that only the issuing fake holds; the claims
stay with the fake."""

from __future__ import annotations

import base64
import binascii
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .clock import to_datetime
from .errors import InvalidTokenError

_NONCE_BYTES = 12
_URL_SAFE = bytes.maketrans(b"+/", b"-_")
_ASSOCIATED_DATA = b"fake-ivschat chat token v2"


@dataclass(frozen=True)
class ChatTokenClaims:
    """What a chat token carries, as ``FakeIvsChat.decode_token`` reveals it."""

    token_id: str
    room_arn: str
    user_id: str
    capabilities: tuple[str, ...]
    attributes: Mapping[str, str] = field(hash=False)  # read-only: the fake keeps the claims
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
    """Seals and opens tokens with a key made for one fake instance. A token seals only its id:
    the claims stay with the fake (a short token costs less to make, send and parse than one
    carrying them), so a token opens only in the fake that issued it, and only until a reset."""

    def __init__(self) -> None:
        self._key = AESGCM.generate_key(bit_length=256)
        self._aead: AESGCM | None = None  # made on first use: most fakes mint no token
        self._claims: dict[str, ChatTokenClaims] = {}
        # GCM needs a nonce never used twice with a key: a counter is the standard way (and
        # needs no call to the OS per token). The key is this instance's alone.
        self._nonces = itertools.count()

    def seal(self, claims: ChatTokenClaims) -> str:
        self._claims[claims.token_id] = claims
        nonce = next(self._nonces).to_bytes(_NONCE_BYTES, "big")
        aead = self._aead or self._cipher()
        sealed = nonce + aead.encrypt(nonce, claims.token_id.encode(), _ASSOCIATED_DATA)
        # URL-safe base64 without padding, in C calls only (a token is made per CreateChatToken).
        return binascii.b2a_base64(sealed, newline=False).translate(_URL_SAFE).decode().rstrip("=")

    def open(self, token: str) -> ChatTokenClaims:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            nonce, sealed = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
            plain = self._cipher().decrypt(nonce, sealed, _ASSOCIATED_DATA)
            return self._claims[plain.decode()]
        except (InvalidTag, binascii.Error, ValueError, TypeError, KeyError) as exc:
            raise InvalidTokenError(
                "not a chat token issued by this fake"
                " (altered, truncated, or from another instance)"
            ) from exc

    def _cipher(self) -> AESGCM:
        if self._aead is None:
            self._aead = AESGCM(self._key)
        return self._aead

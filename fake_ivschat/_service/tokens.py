"""Chat tokens: a serial number sealed with AES-GCM under a key that only the issuing fake holds;
the claims stay with the fake."""

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
_SERIAL_BYTES = 8
_MOST_AHEAD = 64
_URL_SAFE = bytes.maketrans(b"+/", b"-_")
_ASSOCIATED_DATA = b"fake-ivschat chat token v3"


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
    """Seals and opens tokens with a key made for one fake instance. A token seals only a serial
    number: the claims stay with the fake (a short token costs less to make, send and parse than
    one carrying them), so a token opens only in the fake that issued it, and only until a reset.
    """

    def __init__(self) -> None:
        self._key = AESGCM.generate_key(bit_length=256)
        self._aead: AESGCM | None = None  # made on first use: most fakes mint no token
        self._claims: dict[int, ChatTokenClaims] = {}
        # GCM needs a nonce never used twice with a key: the serial is one (and needs no call to
        # the OS per token). The key is this instance's alone.
        self._serials = itertools.count()
        # Tokens sealed ahead, the next one last. Sealing one alone costs ten times what it costs
        # in a run (the cipher's code and tables are cold again by the next call), so they are
        # sealed in runs that double, up to _MOST_AHEAD: a fake that mints a token or two seals
        # no spare, one that mints hundreds pays the cold start once per run.
        self._ahead: list[tuple[int, str]] = []
        self._run = 1

    def seal(self, claims: ChatTokenClaims) -> str:
        if not self._ahead:
            self._seal_ahead()
        serial, token = self._ahead.pop()
        self._claims[serial] = claims
        return token

    def open(self, token: str) -> ChatTokenClaims:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            nonce, sealed = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
            plain = self._cipher().decrypt(nonce, sealed, _ASSOCIATED_DATA)
            return self._claims[int.from_bytes(plain, "big")]
        except (InvalidTag, binascii.Error, ValueError, TypeError, KeyError) as exc:
            raise InvalidTokenError(
                "not a chat token issued by this fake"
                " (altered, truncated, or from another instance)"
            ) from exc

    def _seal_ahead(self) -> None:
        encrypt = self._cipher().encrypt
        sealed: list[tuple[int, str]] = []
        for serial in itertools.islice(self._serials, self._run):
            nonce = serial.to_bytes(_NONCE_BYTES, "big")
            raw = nonce + encrypt(nonce, serial.to_bytes(_SERIAL_BYTES, "big"), _ASSOCIATED_DATA)
            # URL-safe base64 without padding, in C calls only.
            text = binascii.b2a_base64(raw, newline=False).translate(_URL_SAFE).decode()
            sealed.append((serial, text.rstrip("=")))
        sealed.reverse()
        self._ahead = sealed
        self._run = min(self._run * 2, _MOST_AHEAD)

    def _cipher(self) -> AESGCM:
        if self._aead is None:
            self._aead = AESGCM(self._key)
        return self._aead

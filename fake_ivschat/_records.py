"""What the fake recorded, for tests to assert on: API calls, delivered events and messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class RecordedCall:
    """One API call as it reached the fake: ``params`` as sent; ``response`` or ``error`` code."""

    operation: str
    region: str
    account_id: str
    params: dict[str, Any] = field(hash=False)
    response: dict[str, Any] | None = field(default=None, hash=False)
    error: str | None = None
    error_message: str | None = field(default=None, repr=False)

    def matches(self, operation: str | None, params: dict[str, Any]) -> bool:
        """True when this call is of ``operation`` (any if None) and sent every given param."""
        if operation is not None and operation != self.operation:
            return False
        return all(self.params.get(key, _MISSING) == value for key, value in params.items())


_MISSING = object()


@dataclass(frozen=True)
class RecordedEvent:
    """An EVENT frame delivered in a room (from the API or from a messaging action)."""

    room_arn: str
    id: str
    event_name: str
    attributes: dict[str, str] = field(hash=False)
    request_id: str
    send_time: datetime
    payload: dict[str, Any] = field(hash=False, repr=False)


@dataclass(frozen=True)
class RecordedMessage:
    """A MESSAGE frame delivered in a room."""

    room_arn: str
    id: str
    content: str
    attributes: dict[str, str] = field(hash=False)
    sender_user_id: str
    sender_attributes: dict[str, str] = field(hash=False)
    send_time: datetime
    payload: dict[str, Any] = field(hash=False, repr=False)

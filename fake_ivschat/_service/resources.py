"""The service's resources as it stores them: rooms and logging configurations, and how each is
described in a response."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import clock


@dataclass
class Room:
    """A chat room of one account and region."""

    arn: str
    id: str
    name: str
    create_ms: int
    update_ms: int
    maximum_message_length: int
    maximum_message_rate_per_second: int
    message_review_handler: dict[str, str] | None
    tags: dict[str, str]
    logging_configuration_identifiers: list[str]

    def summary(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "arn": self.arn,
            "id": self.id,
            "name": self.name,
            "createTime": clock.iso_ms(self.create_ms),
            "updateTime": clock.iso_ms(self.update_ms),
            "tags": dict(self.tags),
            "loggingConfigurationIdentifiers": list(self.logging_configuration_identifiers),
        }
        if self.message_review_handler is not None:
            body["messageReviewHandler"] = dict(self.message_review_handler)
        return body

    def describe(self) -> dict[str, Any]:
        body = self.summary()
        body["maximumMessageLength"] = self.maximum_message_length
        body["maximumMessageRatePerSecond"] = self.maximum_message_rate_per_second
        return body


@dataclass
class LoggingConfiguration:
    """Where the chat logs of the rooms that name it go, and its lifecycle state."""

    arn: str
    id: str
    name: str
    destination: dict[str, Any]
    create_ms: int
    update_ms: int
    tags: dict[str, str]
    state: str = "ACTIVE"
    # Get/List observations left before a CREATING/UPDATING/DELETING state settles.
    polls_left: int = field(default=0, repr=False)

    # Its lifecycle: ACTIVE at once, or (``logging_state_polls`` > 0) CREATING, UPDATING or
    # DELETING for that many Get/List looks, then ACTIVE, or gone for DELETING.

    def enter(self, state: str, polls: int) -> bool:
        """Show ``state`` for the next ``polls`` looks; False (nothing changes) if none."""
        if polls <= 0:
            return False
        self.state, self.polls_left = state, polls
        return True

    def observed(self) -> LoggingConfiguration:
        """A Get/List look at it: each one uses up a poll of a transitional state."""
        if self.polls_left > 0:
            self.polls_left -= 1
        return self

    @property
    def gone(self) -> bool:
        """True once a DELETING state has been looked at as often as it shows."""
        return self.state == "DELETING" and self.polls_left == 0

    def settle(self) -> bool:
        """Leave a transitional state whose polls are used up: True if it still exists."""
        if self.polls_left == 0 and self.state != "ACTIVE":
            if self.state == "DELETING":
                return False
            self.state = "ACTIVE"
        return True

    def describe(self, state: str | None = None) -> dict[str, Any]:
        return {
            "arn": self.arn,
            "id": self.id,
            "name": self.name,
            "destinationConfiguration": copy_destination(self.destination),
            "createTime": clock.iso_ms(self.create_ms),
            "updateTime": clock.iso_ms(self.update_ms),
            "state": state or self.state,
            "tags": dict(self.tags),
        }


def copy_destination(value: dict[str, Any]) -> dict[str, Any]:
    """A copy of a ``destinationConfiguration``: one member, itself a flat object."""
    return {key: dict(inner) for key, inner in value.items()}

"""What a moderator's dashboard calls: remove a message, ban a user from a stream's room."""

from __future__ import annotations

from .config import ivschat


def remove_message(room_arn: str, message_id: str, reason: str) -> str:
    """Delete a message for everyone in the room; returns the id of the deletion event."""
    answer = ivschat().delete_message(roomIdentifier=room_arn, id=message_id, reason=reason)
    return str(answer["id"])


def ban(room_arn: str, user_id: str, reason: str) -> None:
    """Disconnect every connection of ``user_id`` from the room."""
    ivschat().disconnect_user(roomIdentifier=room_arn, userId=user_id, reason=reason)

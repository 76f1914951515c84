"""Chat tokens for the browser: viewers may chat, moderators may also delete and ban."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .config import Settings, ivschat

if TYPE_CHECKING:
    from mypy_boto3_ivschat.literals import ChatTokenCapabilityType

CAPABILITIES: dict[str, list[ChatTokenCapabilityType]] = {
    "viewer": ["SEND_MESSAGE"],
    "moderator": ["SEND_MESSAGE", "DELETE_MESSAGE", "DISCONNECT_USER"],
}


def viewer_token(room_arn: str, user_id: str, display_name: str) -> dict[str, str]:
    return _token(room_arn, user_id, display_name, "viewer")


def moderator_token(room_arn: str, user_id: str, display_name: str) -> dict[str, str]:
    return _token(room_arn, user_id, display_name, "moderator")


def _token(room_arn: str, user_id: str, display_name: str, role: str) -> dict[str, str]:
    """What the chat SDK's tokenProvider returns to the browser, times as ISO 8601 text."""
    made = ivschat().create_chat_token(
        roomIdentifier=room_arn,
        userId=user_id,
        capabilities=CAPABILITIES[role],
        sessionDurationInMinutes=Settings.from_env().session_minutes,
        # Every message the user sends carries these, as Sender.Attributes.
        attributes={"displayName": display_name, "role": role},
    )
    return {
        "token": made["token"],
        "sessionExpirationTime": made["sessionExpirationTime"].isoformat(),
        "tokenExpirationTime": made["tokenExpirationTime"].isoformat(),
    }

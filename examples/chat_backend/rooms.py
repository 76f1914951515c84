"""One chat room per live stream, logged to the destination the settings name."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .config import Settings, ivschat

if TYPE_CHECKING:
    from mypy_boto3_ivschat.type_defs import DestinationConfigurationTypeDef

APP_TAG, APP = "app", "chat-backend"  # marks the rooms this backend owns (see cleaner.py)
STREAM_TAG = "stream"
LOGGING_CONFIGURATION_NAME = "chat-backend-logs"
STREAM_ENDED = "app:stream-ended"  # the event every viewer's page gets when the stream ends


def chat_log_configuration(settings: Settings) -> str | None:
    """The ARN of this backend's logging configuration, created on first use; None when the
    settings name no destination."""
    if settings.chat_log_bucket:
        destination: DestinationConfigurationTypeDef = {
            "s3": {"bucketName": settings.chat_log_bucket}
        }
    elif settings.chat_log_group:
        destination = {"cloudWatchLogs": {"logGroupName": settings.chat_log_group}}
    else:
        return None
    # An account has at most 10 logging configurations by default: one page holds them all.
    for summary in ivschat().list_logging_configurations(maxResults=50)["loggingConfigurations"]:
        if summary.get("name") == LOGGING_CONFIGURATION_NAME:
            if summary["destinationConfiguration"] != destination:
                ivschat().update_logging_configuration(
                    identifier=summary["arn"], destinationConfiguration=destination
                )
            return str(summary["arn"])
    created = ivschat().create_logging_configuration(
        name=LOGGING_CONFIGURATION_NAME, destinationConfiguration=destination
    )
    return str(created["arn"])


def open_stream_room(stream_id: str) -> str:
    """Create the chat room of a stream going live; returns its ARN."""
    settings = Settings.from_env()
    room: dict[str, Any] = {
        "name": room_name(stream_id),
        "maximumMessageLength": 200,
        "tags": {APP_TAG: APP, STREAM_TAG: stream_id},
    }
    logging_configuration = chat_log_configuration(settings)
    if logging_configuration:
        room["loggingConfigurationIdentifiers"] = [logging_configuration]
    if settings.review_lambda_arn:
        # If the Lambda fails or is slow, let the message through rather than silence the chat.
        room["messageReviewHandler"] = {
            "uri": settings.review_lambda_arn,
            "fallbackResult": "ALLOW",
        }
    return str(ivschat().create_room(**room)["arn"])


def room_name(stream_id: str) -> str:
    return f"stream-{stream_id}"


def find_stream_room(stream_id: str) -> str | None:
    """The ARN of the room :func:`open_stream_room` made for a stream; None when it has none."""
    # ListRooms filters by name: one call, whatever the number of rooms in the account.
    for room in ivschat().list_rooms(name=room_name(stream_id), maxResults=50)["rooms"]:
        tags = room.get("tags", {})
        if tags.get(APP_TAG) == APP and tags.get(STREAM_TAG) == stream_id:
            return str(room["arn"])
    return None


def announce_stream_ended(room_arn: str, stream_id: str) -> str:
    """Tell everyone in the room that the stream is over; returns the event's id."""
    sent = ivschat().send_event(
        roomIdentifier=room_arn, eventName=STREAM_ENDED, attributes={STREAM_TAG: stream_id}
    )
    return str(sent["id"])

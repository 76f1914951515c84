"""The frames of the Chat Messaging API, as the WebSocket API sends them (MESSAGE, EVENT, ERROR),
each read-only and, for MESSAGE and EVENT, as the record ``fake.messages()``/``events()`` list."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._frozen import FrozenDict, freeze
from .._records import RecordedEvent, RecordedMessage, made
from . import clock
from .tokens import ChatTokenClaims

# Read-only in its type as at run time (a FrozenDict): every holder shares the same frame.
Frame = Mapping[str, Any]

DELETE_MESSAGE_EVENT = "aws:DELETE_MESSAGE"
DISCONNECT_USER_EVENT = "aws:DISCONNECT_USER"


def message(
    room_arn: str,
    message_id: str,
    request_id: str,
    content: str,
    attributes: dict[str, str],
    sender: ChatTokenClaims,
    ns: int,
) -> RecordedMessage:
    """A MESSAGE frame sent at ``ns`` (the record's ``payload``), with its record."""
    # Read-only as built (no generic freeze of the whole frame: a frame is made per message).
    frame = FrozenDict(
        {
            "Type": "MESSAGE",
            "Id": message_id,
            "RequestId": request_id,
            "Content": content,
            "Attributes": freeze(attributes),
            # A token's attributes are read-only already (the fake keeps them).
            "Sender": FrozenDict({"UserId": sender.user_id, "Attributes": sender.attributes}),
            "SendTime": clock.rfc3339_nano(ns),
        }
    )
    return made(
        RecordedMessage,
        room_arn=room_arn,
        id=message_id,
        content=content,
        attributes=frame["Attributes"],
        sender_user_id=sender.user_id,
        sender_attributes=frame["Sender"]["Attributes"],
        send_time=ns,  # a datetime once read (_records.py)
        payload=frame,
    )


def event(
    room_arn: str,
    event_id: str,
    request_id: str,
    name: str,
    attributes: dict[str, str],
    ns: int,
) -> RecordedEvent:
    """An EVENT frame sent at ``ns`` (the record's ``payload``), with its record."""
    frame = FrozenDict(
        {
            "Type": "EVENT",
            "Id": event_id,
            "RequestId": request_id,
            "EventName": name,
            "Attributes": freeze(attributes),
            "SendTime": clock.rfc3339_nano(ns),
        }
    )
    return made(
        RecordedEvent,
        room_arn=room_arn,
        id=event_id,
        event_name=name,
        attributes=frame["Attributes"],
        request_id=request_id,
        send_time=ns,  # a datetime once read (_records.py)
        payload=frame,
    )


def error(frame_id: str, request_id: str, code: int, message: str) -> Frame:
    """The ERROR frame answering a request."""
    return freeze(
        {
            "Type": "ERROR",
            "Id": frame_id,
            "RequestId": request_id,
            "ErrorCode": code,
            "ErrorMessage": message,
        }
    )


def delete_event(message_id: str, reason: str) -> tuple[str, dict[str, str]]:
    """The name and attributes of the EVENT that deletes a message."""
    # MessageID is the deprecated spelling; clients in the wild read either, so send both.
    attributes = {"MessageId": message_id, "MessageID": message_id, "Reason": reason}
    return DELETE_MESSAGE_EVENT, attributes


def disconnect_event(user_id: str, reason: str) -> tuple[str, dict[str, str]]:
    """The name and attributes of the EVENT that disconnects a user."""
    return DISCONNECT_USER_EVENT, {"UserId": user_id, "Reason": reason}

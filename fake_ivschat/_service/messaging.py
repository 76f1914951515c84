"""The Chat Messaging API in-process: connections, publish actions, delivery, chat-log records.

Frames are the exact JSON objects the WebSocket API sends (MESSAGE, EVENT, ERROR). Every frame
delivered in a room is also recorded for ``fake.events()`` / ``fake.messages()`` and, for rooms
with logging configurations, as a chat-log record.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Callable, ClassVar

from .._records import RecordedEvent, RecordedMessage, freeze
from . import clock
from .chat_requests import (
    MAX_ID_CHARS,
    MAX_REASON_CHARS,
    MAX_USER_ID_CHARS,
    Refused,
    attributes,
    read_request,
    safe_repr,
    text,
)
from .chatlog_records import ChatLog
from .errors import ChatConnectionError, InvalidTokenError
from .ids import IdGenerator
from .options import Quotas
from .resources import Room
from .review import Review, Verdict
from .review import ReviewHandler as ReviewHandler  # FakeIvsChat.register_review_handler's
from .tokens import ChatTokenClaims, TokenSealer

Frame = dict[str, Any]

CLIENT_IP = "127.0.0.1"  # what a review handler sees as Sender.Ip

# Why a connection closed (``close_reason``), and the code of the ChatConnectionError raised when
# it is used afterwards: 401 for an expired session, 404 for a deleted room, 0 otherwise.
CLOSED_BY_CLIENT = "closed by client"
SESSION_EXPIRED = "session expired"
ROOM_DELETED = "DeleteRoom"
DISCONNECTED = "DisconnectUser"


class ChatConnection:
    """One WebSocket connection to a room, opened with a chat token by ``FakeIvsChat.connect``.

    ``received`` lists every frame delivered to it, in order. Each publish method returns the
    frame that answers it on this connection: the echoed MESSAGE or EVENT, or an ERROR frame.
    A session past its expiry counts as closed as soon as the connection is looked at or used.
    """

    def __init__(self, hub: Messaging, claims: ChatTokenClaims) -> None:
        self._hub = hub
        self.claims = claims
        self.received: list[Frame] = []
        self._close_reason: str | None = None
        self._close_code = 0

    @property
    def room_arn(self) -> str:
        """The ARN of the room this connection is in."""
        return self.claims.room_arn

    @property
    def user_id(self) -> str:
        """The user the chat token was issued to."""
        return self.claims.user_id

    @property
    def closed(self) -> bool:
        """True once the connection is closed (by the client, the server, or session expiry)."""
        return self.close_reason is not None

    @property
    def close_reason(self) -> str | None:
        """Why the connection closed: ``"DeleteRoom"``, ``"DisconnectUser"`` (``": <reason>"``
        when one was given), ``"session expired"`` or ``"closed by client"``; None while open."""
        with self._hub.lock:
            self._hub.expire(self, clock.now_ns())
            return self._close_reason

    def __repr__(self) -> str:
        state = f"closed ({self.close_reason})" if self.closed else "open"
        return (
            f"<ChatConnection user_id={self.user_id!r} room={self.room_arn!r} {state},"
            f" {len(self.received)} frame(s) received>"
        )

    def send(self, payload: Mapping[str, Any] | str | bytes | bytearray | memoryview) -> Frame:
        """Publish a raw request: a dict, or the JSON text the WebSocket API takes (str, or
        UTF-8 bytes, bytearray or memoryview).

        Whatever the request holds, it is answered with a frame, never an exception: an invalid
        one with an ERROR frame. Publishing on a closed connection raises ``ChatConnectionError``;
        a payload of any other Python type raises ``TypeError``.
        """
        return self._hub.publish(self, payload)

    def send_message(
        self,
        content: str,
        attributes: dict[str, str] | None = None,
        *,
        request_id: str | None = None,
    ) -> Frame:
        """SEND_MESSAGE; needs the SEND_MESSAGE capability."""
        return self.send(
            _request("SEND_MESSAGE", request_id, Content=content, Attributes=attributes)
        )

    def delete_message(
        self, message_id: str, reason: str | None = None, *, request_id: str | None = None
    ) -> Frame:
        """DELETE_MESSAGE; needs the DELETE_MESSAGE capability."""
        return self.send(_request("DELETE_MESSAGE", request_id, Id=message_id, Reason=reason))

    def disconnect_user(
        self, user_id: str, reason: str | None = None, *, request_id: str | None = None
    ) -> Frame:
        """DISCONNECT_USER; needs the DISCONNECT_USER capability."""
        return self.send(_request("DISCONNECT_USER", request_id, UserId=user_id, Reason=reason))

    def close(self) -> None:
        """Close the connection from the client side (closing twice does nothing)."""
        with self._hub.lock:
            self._hub.close(self, CLOSED_BY_CLIENT)


def _request(action: str, request_id: str | None, **fields: Any) -> dict[str, Any]:
    payload = {"Action": action, **{k: v for k, v in fields.items() if v is not None}}
    if request_id is not None:
        payload["RequestId"] = request_id
    return payload


class Messaging:
    """Connections, delivered frames and chat-log records of one fake, across all its rooms."""

    def __init__(
        self,
        lock: threading.RLock,
        ids: IdGenerator,
        sealer: TokenSealer,
        quotas: Quotas,
        find_room: Callable[[str], Room | None],
        log_records: ChatLog,
    ) -> None:
        self.lock = lock  # the fake's: held by every call and publish
        self._ids = ids
        self._sealer = sealer
        self._quotas = quotas
        self._find_room = find_room  # a room of any account and region, by ARN
        self.events: list[RecordedEvent] = []
        self.messages: list[RecordedMessage] = []
        self.log_records = log_records
        self.review_handlers: dict[str, ReviewHandler] = {}
        self._connections: dict[str, list[ChatConnection]] = {}
        self._spent_tokens: set[str] = set()
        self._send_rates = clock.PerSecondLimiter()

    # -------------------------------------------------------------------- connections

    def connect(self, token: str) -> ChatConnection:
        try:
            claims = self._sealer.open(token)
        except InvalidTokenError as exc:
            raise ChatConnectionError(401, f"Invalid chat token: {exc}.") from None
        now = clock.now_ns()
        if claims.token_id in self._spent_tokens:
            raise ChatConnectionError(
                401, "This chat token was already used to connect; create a new one."
            )
        if now > claims.token_expiration_ns:
            raise ChatConnectionError(
                401,
                f"This chat token expired at {clock.rfc3339_nano(claims.token_expiration_ns)};"
                " create a new one.",
            )
        if now > claims.session_expiration_ns:
            raise ChatConnectionError(
                401,
                "The session of this chat token expired at"
                f" {clock.rfc3339_nano(claims.session_expiration_ns)}; create a new one.",
            )
        if self._find_room(claims.room_arn) is None:
            raise ChatConnectionError(
                404, f"The chat token's room does not exist: {claims.room_arn}"
            )
        self._spent_tokens.add(claims.token_id)
        connection = ChatConnection(self, claims)
        self._live(claims.room_arn, now).append(connection)
        return connection

    def close(self, connection: ChatConnection, reason: str, code: int = 0) -> None:
        if connection._close_reason is not None:
            return
        connection._close_reason, connection._close_code = reason, code
        peers = self._connections.get(connection.room_arn, [])
        if connection in peers:
            peers.remove(connection)

    def expire(self, connection: ChatConnection, now: int) -> None:
        """Close the connection if its session is over (the service closes it at that moment)."""
        if connection._close_reason is None and now > connection.claims.session_expiration_ns:
            self.close(connection, SESSION_EXPIRED, 401)

    def close_room(self, room_arn: str, reason: str) -> None:
        for connection in list(self._live(room_arn, clock.now_ns())):
            self.close(connection, reason, 404)
        self._connections.pop(room_arn, None)
        self._send_rates.forget(room_arn)

    def _live(self, room_arn: str, now: int) -> list[ChatConnection]:
        """The room's open connections, after closing those whose session has expired."""
        connections = self._connections.setdefault(room_arn, [])
        for connection in list(connections):
            self.expire(connection, now)
        return connections

    # --------------------------------------------------------------------- publishing

    def publish(self, connection: ChatConnection, payload: object) -> Frame:
        """Answer one request of ``connection``: read it, then act on it under the fake's lock.
        A message to review is reviewed between two holds of the lock, never under it."""
        try:
            read: tuple[dict[str, Any], str] | Refused = read_request(payload)
        except Refused as refusal:
            read = refusal
        with self.lock:
            answer = self._act(connection, read)
        if isinstance(answer, _Pending):  # only messages in rooms with a review handler
            verdict = answer.review.run()
            with self.lock:
                return self._deliver_reviewed(answer, verdict)
        return answer

    def _act(
        self, connection: ChatConnection, read: tuple[dict[str, Any], str] | Refused
    ) -> Frame | _Pending:
        now = clock.now_ns()
        self.expire(connection, now)
        if connection._close_reason is not None:
            raise ChatConnectionError(
                connection._close_code,
                f"Cannot publish on the connection of {connection.user_id!r} to"
                f" {connection.room_arn}: it is closed ({connection._close_reason})."
                " Connect again with a new chat token.",
            )
        if isinstance(read, Refused):
            return self._refuse(connection, read, read.request_id)
        request, request_id = read
        try:
            action = request.get("Action")
            handler = self._ACTIONS.get(action) if isinstance(action, str) else None
            if handler is None:
                raise Refused(
                    400,
                    f"Unknown or missing Action {safe_repr(action)};"
                    f" expected one of {', '.join(sorted(self._ACTIONS))}.",
                )
            if action not in connection.claims.capabilities:  # each action is its capability
                raise Refused(
                    403,
                    f"The connection's capabilities do not permit this action ({action} needs"
                    f" capability {action}).",
                )
            room = self._find_room(connection.room_arn)
            if room is None:  # defensive: DeleteRoom closes every connection of the room first
                self.close(connection, ROOM_DELETED, 404)
                raise Refused(404, f"Room not found: {connection.room_arn}")
            return handler(self, connection, room, request, request_id, now)
        except Refused as refusal:
            return self._refuse(connection, refusal, request_id)

    def _refuse(self, connection: ChatConnection, refusal: Refused, request_id: str) -> Frame:
        """The ERROR frame answering a request; a connection closed meanwhile receives none."""
        frame = freeze(
            {
                "Type": "ERROR",
                "Id": refusal.frame_id or self._ids.resource_id(),
                "RequestId": request_id,
                "ErrorCode": refusal.code,
                "ErrorMessage": refusal.message,
            }
        )
        if connection._close_reason is None:
            connection.received.append(frame)
        return frame

    def _send_message(
        self, sender: ChatConnection, room: Room, request: dict[str, Any], request_id: str, now: int
    ) -> Frame | _Pending:
        content = text(request, "Content", required=True)
        if len(content) > room.maximum_message_length:
            raise Refused(
                400,
                f"Message content must be at most {room.maximum_message_length} characters"
                f" (got {len(content)}).",
            )
        values = attributes(request.get("Attributes"), "Attributes")
        self._take_send_slot(room, now)
        message_id = self._ids.resource_id()
        review = self._review(sender, room, message_id, content, values)
        if review is not None:
            return _Pending(sender, room, message_id, request_id, now, review)
        return self._message(sender, room, content, values, message_id, request_id, now)

    def _message(
        self,
        sender: ChatConnection,
        room: Room,
        content: str,
        values: dict[str, str],
        message_id: str,
        request_id: str,
        now: int,
    ) -> Frame:
        frame = freeze(
            {
                "Type": "MESSAGE",
                "Id": message_id,
                "RequestId": request_id,
                "Content": content,
                "Attributes": values,
                "Sender": {"UserId": sender.user_id, "Attributes": sender.claims.attributes},
                "SendTime": clock.rfc3339_nano(now),
            }
        )
        self.messages.append(
            RecordedMessage(
                room_arn=room.arn,
                id=message_id,
                content=content,
                attributes=frame["Attributes"],
                sender_user_id=sender.user_id,
                sender_attributes=frame["Sender"]["Attributes"],
                send_time=clock.to_datetime(now),
                payload=frame,
            )
        )
        return self._deliver(room, frame, now)

    def _delete_message(
        self, sender: ChatConnection, room: Room, request: dict[str, Any], request_id: str, now: int
    ) -> Frame:
        message_id = text(request, "Id", required=True, limit=MAX_ID_CHARS)
        reason = text(request, "Reason", required=False, limit=MAX_REASON_CHARS)
        return self._event(room, *_delete_event(message_id, reason), request_id, now)

    def _disconnect_user(
        self, sender: ChatConnection, room: Room, request: dict[str, Any], request_id: str, now: int
    ) -> Frame:
        user_id = text(request, "UserId", required=True, limit=MAX_USER_ID_CHARS)
        reason = text(request, "Reason", required=False, limit=MAX_REASON_CHARS)
        frame = self._event(room, *_disconnect_event(user_id, reason), request_id, now)
        self._close_user(room.arn, user_id, reason)
        return frame

    _ACTIONS: ClassVar[dict[str, Callable[..., Frame | _Pending]]] = {
        "SEND_MESSAGE": _send_message,
        "DELETE_MESSAGE": _delete_message,
        "DISCONNECT_USER": _disconnect_user,
    }

    # The control plane's SendEvent / DeleteMessage / DisconnectUser land here too.

    def publish_event(self, room: Room, name: str, attributes: dict[str, str]) -> str:
        return str(self._event(room, name, dict(attributes), "", clock.now_ns())["Id"])

    def publish_delete(self, room: Room, message_id: str, reason: str) -> str:
        return str(self._event(room, *_delete_event(message_id, reason), "", clock.now_ns())["Id"])

    def publish_disconnect(self, room: Room, user_id: str, reason: str) -> None:
        self._event(room, *_disconnect_event(user_id, reason), "", clock.now_ns())
        self._close_user(room.arn, user_id, reason)

    def _close_user(self, room_arn: str, user_id: str, reason: str) -> None:
        why = f"{DISCONNECTED}: {reason}" if reason else DISCONNECTED
        for connection in list(self._connections.get(room_arn, [])):
            if connection.user_id == user_id:
                self.close(connection, why)

    def _event(
        self,
        room: Room,
        name: str,
        attributes: dict[str, str],
        request_id: str,
        now: int,
    ) -> Frame:
        event_id = self._ids.resource_id()
        frame = freeze(
            {
                "Type": "EVENT",
                "Id": event_id,
                "RequestId": request_id,
                "EventName": name,
                "Attributes": attributes,
                "SendTime": clock.rfc3339_nano(now),
            }
        )
        self.events.append(
            RecordedEvent(
                room_arn=room.arn,
                id=event_id,
                event_name=name,
                attributes=frame["Attributes"],
                request_id=request_id,
                send_time=clock.to_datetime(now),
                payload=frame,
            )
        )
        return self._deliver(room, frame, now)

    def _deliver(self, room: Room, frame: Frame, now: int) -> Frame:
        """Deliver the (read-only, shared) ``frame`` to each open connection of the room and to
        each attached chat log; it is also the requester's answer."""
        for connection in self._live(room.arn, now):
            connection.received.append(frame)
        self.log_records.add(room, frame, now)
        return frame

    def _take_send_slot(self, room: Room, now: int) -> None:
        if not self._send_rates.take(room.arn, room.maximum_message_rate_per_second, now):
            raise Refused(
                429,
                f"This room accepts at most {room.maximum_message_rate_per_second} messages"
                " per second.",
            )

    # ---------------------------------------------------------------- message review

    def _review(
        self,
        sender: ChatConnection,
        room: Room,
        message_id: str,
        content: str,
        values: dict[str, str],
    ) -> Review | None:
        """The review this message needs, read under the lock (None: the room has no handler)."""
        settings = room.message_review_handler
        if not settings or not settings.get("uri"):
            return None
        uri = settings["uri"]
        request = {  # built for the handler alone: nothing in it is shared
            "Content": content,
            "MessageId": message_id,
            "RoomArn": room.arn,
            "Attributes": dict(values),
            "Sender": {
                "Attributes": dict(sender.claims.attributes),
                "UserId": sender.user_id,
                "Ip": CLIENT_IP,
            },
        }
        return Review(
            uri=uri,
            fallback=settings.get("fallbackResult", "ALLOW"),
            handler=self.review_handlers.get(uri),
            timeout_ms=self._quotas.review_handler_timeout_ms,
            max_length=room.maximum_message_length,
            content=content,
            attributes=values,
            request=request,
        )

    def _deliver_reviewed(self, pending: _Pending, verdict: Verdict) -> Frame:
        """Deliver a reviewed message, unless its sender or room went away meanwhile."""
        sender = pending.sender
        self.expire(sender, clock.now_ns())
        try:
            if sender._close_reason is not None:
                raise Refused(
                    sender._close_code or 500,
                    f"The message was not delivered: the connection closed"
                    f" ({sender._close_reason}) while the message was under review.",
                    pending.message_id,
                )
            if self._find_room(sender.room_arn) is not pending.room:
                raise Refused(
                    404,
                    f"The message was not delivered: the room was deleted while the message"
                    f" was under review ({sender.room_arn}).",
                    pending.message_id,
                )
            if verdict.denied:
                raise Refused(406, verdict.denied, pending.message_id)
        except Refused as refusal:
            return self._refuse(sender, refusal, pending.request_id)
        return self._message(
            sender,
            pending.room,
            verdict.content,
            verdict.attributes,
            pending.message_id,
            pending.request_id,
            pending.now,
        )


@dataclass(frozen=True)
class _Pending:
    """A message accepted under the lock, waiting for its review to run outside it."""

    sender: ChatConnection
    room: Room
    message_id: str
    request_id: str
    now: int
    review: Review


def _delete_event(message_id: str, reason: str) -> tuple[str, dict[str, str]]:
    # MessageID is the deprecated spelling; clients in the wild read either, so send both.
    attributes = {"MessageId": message_id, "MessageID": message_id, "Reason": reason}
    return "aws:DELETE_MESSAGE", attributes


def _disconnect_event(user_id: str, reason: str) -> tuple[str, dict[str, str]]:
    return "aws:DISCONNECT_USER", {"UserId": user_id, "Reason": reason}

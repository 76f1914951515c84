"""The Chat Messaging API's hub: connecting, the publish actions (the control plane's SendEvent,
DeleteMessage and DisconnectUser too), message review, and delivery of each frame to the room's
open connections, to ``fake.events()``/``messages()`` and to the room's chat logs."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from .._records import RecordedEvent, RecordedMessage
from . import clock, frames
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
from .connection import DISCONNECTED, ROOM_DELETED, SESSION_EXPIRED, ChatConnection
from .errors import ChatConnectionError, InvalidTokenError
from .frames import Frame
from .ids import IdGenerator
from .options import Quotas
from .resources import Room
from .review import Review, ReviewHandler, Verdict, review_for
from .tokens import ChatTokenClaims, TokenSealer
from .waiting import Changes


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
        changes: Changes,
    ) -> None:
        self.lock = lock  # the fake's: held by every call and publish
        self.changes = changes  # the fake's (on its lock): notified on each record and delivery
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

    def connect(
        self,
        token: str,
        make: Callable[[Messaging, ChatTokenClaims], ChatConnection] = ChatConnection,
    ) -> ChatConnection:
        """Open a connection with ``token`` (then spent): ``make(self, claims)``, a ChatConnection
        or a subclass that also hands its frames on (a WebSocket's)."""
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
                404, f"The chat token's room does not exist: {claims.room_arn}."
            )
        self._spent_tokens.add(claims.token_id)
        connection = make(self, claims)
        self._live(claims.room_arn, now)  # the expired ones closed first
        self._connections.setdefault(claims.room_arn, []).append(connection)
        return connection

    def close(self, connection: ChatConnection, reason: str, code: int = 0) -> None:
        """Close ``connection`` (a ChatConnectionError with ``code`` when it is used again)."""
        if not connection._mark_closed(reason, code):
            return
        peers = self._connections.get(connection.room_arn, [])
        if connection in peers:
            peers.remove(connection)

    def expire(self, connection: ChatConnection, now: int) -> None:
        """Close the connection if its session is over (the service closes it at that moment)."""
        if now > connection.claims.session_expiration_ns:
            self.close(connection, SESSION_EXPIRED, 401)

    def open_connections(self) -> int:
        """How many connections (in-process and sockets) are open, expired sessions closed."""
        now = clock.now_ns()
        return sum(len(self._live(room_arn, now)) for room_arn in list(self._connections))

    def close_all(self, reason: str) -> None:
        """Close every open connection of every room."""
        for room_arn in list(self._connections):
            for connection in list(self._connections[room_arn]):
                self.close(connection, reason)
        self._connections.clear()

    def close_room(self, room_arn: str, reason: str) -> None:
        for connection in list(self._live(room_arn, clock.now_ns())):
            self.close(connection, reason, 404)
        self._connections.pop(room_arn, None)
        self._send_rates.forget(room_arn)

    def _live(self, room_arn: str, now: int) -> list[ChatConnection]:
        """The room's open connections, after closing those whose session has expired."""
        connections = self._connections.get(room_arn)
        if not connections:  # most rooms of most tests: no one connected
            return []
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
        connection._check_open()
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
                raise Refused(404, f"Room not found: {connection.room_arn}.")
            return handler(self, connection, room, request, request_id, now)
        except Refused as refusal:
            return self._refuse(connection, refusal, request_id)

    def _refuse(self, connection: ChatConnection, refusal: Refused, request_id: str) -> Frame:
        """The ERROR frame answering a request; a connection closed meanwhile receives none."""
        frame_id = refusal.frame_id or self._ids.resource_id()
        frame = frames.error(frame_id, request_id, refusal.code, refusal.message)
        connection._receive(frame)
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
        timeout_ms = self._quotas.review_handler_timeout_ms
        handlers = self.review_handlers
        review = review_for(room, sender.claims, message_id, content, values, handlers, timeout_ms)
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
        record = frames.message(
            room.arn, message_id, request_id, content, values, sender.claims, now
        )
        self.messages.append(record)
        self.changes.notify()
        return self._deliver(room, record.payload, now)

    def _delete_message(
        self, sender: ChatConnection, room: Room, request: dict[str, Any], request_id: str, now: int
    ) -> Frame:
        message_id = text(request, "Id", required=True, limit=MAX_ID_CHARS)
        reason = text(request, "Reason", required=False, limit=MAX_REASON_CHARS)
        return self._event(room, *frames.delete_event(message_id, reason), request_id, now)

    def _disconnect_user(
        self, sender: ChatConnection, room: Room, request: dict[str, Any], request_id: str, now: int
    ) -> Frame:
        user_id = text(request, "UserId", required=True, limit=MAX_USER_ID_CHARS)
        reason = text(request, "Reason", required=False, limit=MAX_REASON_CHARS)
        frame = self._event(room, *frames.disconnect_event(user_id, reason), request_id, now)
        self._close_user(room.arn, user_id, reason)
        return frame

    _ACTIONS: ClassVar[dict[str, Callable[..., Frame | _Pending]]] = {
        "SEND_MESSAGE": _send_message,
        "DELETE_MESSAGE": _delete_message,
        "DISCONNECT_USER": _disconnect_user,
    }

    # The control plane's SendEvent / DeleteMessage / DisconnectUser land here too.

    def publish_event(self, room: Room, name: str, attributes: dict[str, str]) -> str:
        # The frame holds a read-only copy of ``attributes``: no other copy needed.
        return str(self._event(room, name, attributes, "", clock.now_ns())["Id"])

    def publish_delete(self, room: Room, message_id: str, reason: str) -> str:
        return str(
            self._event(room, *frames.delete_event(message_id, reason), "", clock.now_ns())["Id"]
        )

    def publish_disconnect(self, room: Room, user_id: str, reason: str) -> None:
        self._event(room, *frames.disconnect_event(user_id, reason), "", clock.now_ns())
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
        record = frames.event(room.arn, self._ids.resource_id(), request_id, name, attributes, now)
        self.events.append(record)
        self.changes.notify()
        return self._deliver(room, record.payload, now)

    def _deliver(self, room: Room, frame: Frame, now: int) -> Frame:
        """Deliver the (read-only, shared) ``frame`` to each open connection of the room and to
        each attached chat log; it is also the requester's answer."""
        # Most rooms of most tests have no one connected and no chat log: look before calling.
        if self._connections.get(room.arn):
            # A copy: a socket too slow for its frames is closed (and removed) as it receives.
            for connection in tuple(self._live(room.arn, now)):
                connection._receive(frame)
        if room.logging_configuration_identifiers:
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

    def _deliver_reviewed(self, pending: _Pending, verdict: Verdict) -> Frame:
        """Deliver a reviewed message, unless its sender or room went away meanwhile."""
        sender = pending.sender
        self.expire(sender, clock.now_ns())
        closure = sender._closure()
        try:
            if closure is not None:
                reason, code = closure
                raise Refused(
                    code or 500,
                    f"The message was not delivered: the connection closed ({reason}) while the"
                    " message was under review.",
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

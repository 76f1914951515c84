"""What the fake recorded, for tests to assert on: API calls, delivered events and messages."""

from __future__ import annotations

import os
import reprlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from ._frozen import CallDict, FrozenDict, FrozenList, frozen_call_value
from ._service.clock import to_datetime

# How many recorded items an assertion failure lists (the most recent ones).
MAX_LISTED = 30


class _ShortRepr(reprlib.Repr):
    def repr1(self, x: Any, level: int) -> str:
        # reprlib picks a method by type name: shorten read-only containers as the plain ones.
        if isinstance(x, (FrozenDict, FrozenList)):
            x = dict(x) if isinstance(x, dict) else list(x)
        return super().repr1(x, level)


_short = _ShortRepr()
_short.maxstring = _short.maxother = 80
_short.maxlist = _short.maxdict = 10
_short.maxlevel = 4

R = TypeVar("R")


@dataclass(frozen=True)
class RecordedCall:
    """One API call (one attempt: each retry is another) as it reached the fake: ``operation``
    (``"CreateRoom"``); ``region`` and ``account_id`` it was answered in; ``params`` as sent (as
    boto3 takes them); ``response``, the body answered (JSON values: ISO timestamps, no
    ResponseMetadata; None on failure or for no body); ``error``, None or the error code
    (``"ValidationException"``) or injected fault (``"read-timeout"``), with ``error_message``.

    ``params`` and ``response`` are read-only (nested dicts and lists too; the lists compare
    equal to plain lists); ``copy.deepcopy(call.params)`` gives a mutable copy.
    """

    operation: str
    region: str
    account_id: str
    params: Mapping[str, Any] = field(hash=False)
    response: Mapping[str, Any] | None = field(default=None, hash=False)
    error: str | None = None
    error_message: str | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        """True when the call succeeded."""
        return self.error is None

    def matches(self, operation: str | None, params: Mapping[str, Any]) -> bool:
        """True when this call is of ``operation`` (any if None) and sent every given param
        with an equal value (top-level members; an absent member never matches)."""
        if operation is not None and operation != self.operation:
            return False
        return _has(self.params, params)

    def __repr__(self) -> str:
        outcome = "ok" if self.error is None else self.error
        return (
            f"<RecordedCall {describe_call(self.operation, self.params)} "
            f"{self.region} {self.account_id} -> {outcome}>"
        )


class _OnFirstRead:
    """A record's field kept as the fake gave it and converted on its first read (``convert``
    answers None for a value already converted): every call, event and message is recorded, few
    are read."""

    def __init__(self, name: str, convert: Callable[[Any], Any]) -> None:
        self._name = name
        self._convert = convert

    def __get__(self, record: object, owner: type | None = None) -> Any:
        values = vars(record)
        value = values[self._name]
        converted = self._convert(value)
        if converted is not None:
            value = values[self._name] = converted
        return value

    def __set__(self, record: object, value: Any) -> None:
        vars(record)[self._name] = value


def _read_only_copy(value: Any) -> Any:
    # Safe to copy only now because the fake hands what it records (the decoded request, the
    # answer it built) to no one else, nor keeps any part of it.
    if isinstance(value, dict) and not isinstance(value, CallDict):
        return frozen_call_value(value)
    return None


def _datetime(value: Any) -> datetime | None:
    return to_datetime(value) if isinstance(value, int) else None


# After the class is made, so that the dataclass still sees two plain fields.
for _name in ("params", "response"):
    setattr(RecordedCall, _name, _OnFirstRead(_name, _read_only_copy))


@dataclass(frozen=True)
class RecordedEvent:
    """An EVENT frame delivered in ``room_arn`` (from SendEvent, DeleteMessage, DisconnectUser
    or a messaging action): its ``id``, ``event_name`` (``"aws:DELETE_MESSAGE"``...),
    ``attributes``, ``request_id`` (``""`` when none), ``send_time`` (an aware datetime) and
    ``payload``, the exact frame every connection received (all read-only).
    """

    room_arn: str
    id: str
    event_name: str
    attributes: Mapping[str, str] = field(hash=False)
    request_id: str
    send_time: datetime
    payload: Mapping[str, Any] = field(hash=False, repr=False)

    def matches(
        self, room: str | None, name: str | None, attributes: Mapping[str, str] | None
    ) -> bool:
        """True when in ``room``, named ``name`` and carrying ``attributes`` (None: any)."""
        return (
            (room is None or room == self.room_arn)
            and (name is None or name == self.event_name)
            and _has(self.attributes, attributes)
        )

    def __repr__(self) -> str:
        return (
            f"<RecordedEvent {self.event_name} {_short.repr(self.attributes)} "
            f"in {self.room_arn} id={self.id}>"
        )


@dataclass(frozen=True)
class RecordedMessage:
    """A MESSAGE frame delivered in ``room_arn``: its ``id``, ``content``, ``attributes``,
    ``sender_user_id`` and ``sender_attributes`` (its chat token's), ``send_time`` (an aware
    datetime) and ``payload``, the exact frame every connection received (all read-only)."""

    room_arn: str
    id: str
    content: str
    attributes: Mapping[str, str] = field(hash=False)
    sender_user_id: str
    sender_attributes: Mapping[str, str] = field(hash=False)
    send_time: datetime
    payload: Mapping[str, Any] = field(hash=False, repr=False)

    def matches(
        self,
        room: str | None,
        content: str | None,
        user_id: str | None,
        attributes: Mapping[str, str] | None,
    ) -> bool:
        """True when in ``room``, with ``content``, sent by ``user_id``, carrying ``attributes``
        (None: any)."""
        return (
            (room is None or room == self.room_arn)
            and (content is None or content == self.content)
            and (user_id is None or user_id == self.sender_user_id)
            and _has(self.attributes, attributes)
        )

    def __repr__(self) -> str:
        return (
            f"<RecordedMessage {_short.repr(self.content)} from {self.sender_user_id!r} "
            f"in {self.room_arn} id={self.id}>"
        )


# The fake gives an event's or message's send time in nanoseconds: a datetime on first read.
for _kind in (RecordedEvent, RecordedMessage):
    setattr(_kind, "send_time", _OnFirstRead("send_time", _datetime))  # noqa: B010

Record = TypeVar("Record")


def made(kind: type[Record], **fields: Any) -> Record:
    """An instance of the frozen dataclass ``kind`` (no slots, no ``__post_init__``) with
    ``fields``, every one of them, as its constructor makes it but in one update of its dict: the
    constructor sets each field through ``object.__setattr__``, and the fake makes one per call,
    event, message and token."""
    record = object.__new__(kind)
    vars(record).update(fields)
    return record


def _has(values: Mapping[str, Any], wanted: Mapping[str, Any] | None) -> bool:
    return wanted is None or all(
        key in values and values[key] == value for key, value in wanted.items()
    )


def describe_call(operation: str | None, params: Mapping[str, Any]) -> str:
    """``CreateRoom(name='lobby')``: an operation with its params, long values shortened."""
    args = ", ".join(f"{key}={_short.repr(value)}" for key, value in params.items())
    return f"{operation or 'any operation'}({args})"


def listing(
    headline: str,
    kind: str,
    items: Sequence[object],
    verb: str = "recorded",
    show: Callable[[Any], str] = repr,
) -> AssertionError:
    """An AssertionError: ``headline``, then the most recent ``items`` (of ``kind``, e.g. "calls")
    that were ``verb`` ("recorded", "received") instead."""
    lines = [headline]
    if not items:
        lines.append(f"No {kind} were {verb} at all.")
    else:
        lines.append(f"{verb.capitalize()} {kind} ({len(items)}):")
        hidden = len(items) - MAX_LISTED
        if hidden > 0:
            lines.append(f"  ... {hidden} earlier {kind} not shown")
        lines.extend(f"  - {show(item)}" for item in items[-MAX_LISTED:])
    return AssertionError("\n".join(lines))


def expect(found: Sequence[R], wanted: str, kind: str, recorded: Sequence[object]) -> R:
    """The last of ``found``; otherwise an AssertionError saying what was ``wanted`` and listing
    the ``recorded`` items (of ``kind``, e.g. "calls") instead."""
    __tracebackhide__ = True
    if found:
        return found[-1]
    raise listing(f"No {wanted} was recorded.", kind, recorded)


def not_recorded(
    wanted: str, kind: str, recorded: Sequence[object], waited: float
) -> AssertionError:
    """The failure of a wait for a record: nothing ``wanted`` came in ``waited`` seconds."""
    return listing(f"No {wanted} was recorded (waited {waited:g} s).", kind, recorded)


def not_received(
    predicate: Callable[..., object] | None,
    user_id: str,
    received: Sequence[object],
    waited: float,
    closed: str | None,
) -> AssertionError:
    """The failure of a connection's wait for a frame: none matching ``predicate`` (any if None)
    came in ``waited`` seconds, or before the connection ``closed`` (its close reason)."""
    wanted = "frame" if predicate is None else f"frame matching {_function_name(predicate)}"
    why = f"before the connection closed ({closed})" if closed else f"(waited {waited:g} s)"
    headline = f"No {wanted} was received by {user_id!r} {why}."
    return listing(headline, "frames", received, "received", describe_frame)


def _function_name(function: Callable[..., object]) -> str:
    """``is_message``; a lambda with where it is: ``<lambda> at test_chat.py:12``."""
    name = getattr(function, "__name__", None)
    code = getattr(function, "__code__", None)
    if name == "<lambda>" and code is not None:
        return f"<lambda> at {os.path.basename(code.co_filename)}:{code.co_firstlineno}"
    return name or repr(function)


def describe_frame(frame: Mapping[str, Any]) -> str:
    """``<MESSAGE 'hi' from 'alice' id=...>``: a received frame, long values shortened."""
    kind, request_id = frame.get("Type"), frame.get("RequestId")
    if kind == "MESSAGE":
        sender = frame.get("Sender") or {}
        detail = f"{_short.repr(frame.get('Content'))} from {sender.get('UserId')!r}"
    elif kind == "EVENT":
        detail = f"{frame.get('EventName')} {_short.repr(frame.get('Attributes'))}"
    elif kind == "ERROR":
        detail = f"{frame.get('ErrorCode')} {_short.repr(frame.get('ErrorMessage'))}"
    else:
        return _short.repr(frame)
    request = f" request_id={request_id!r}" if request_id else ""
    return f"<{kind} {detail} id={frame.get('Id')}{request}>"


def expect_call(
    calls: Sequence[RecordedCall], operation: str, params: Mapping[str, Any]
) -> RecordedCall:
    """The last of ``calls`` of ``operation`` that sent every given param."""
    __tracebackhide__ = True
    found = [call for call in calls if call.matches(operation, params)]
    return expect(found, f"{describe_call(operation, params)} call", "calls", calls)


def wanted_event(name: str, room: str | None, attributes: Mapping[str, str] | None) -> str:
    """``EVENT 'name' in <room> with attributes {...}``: what an assertion looked for."""
    where = f" in {room}" if room is not None else ""
    having = f" with attributes {dict(attributes)!r}" if attributes is not None else ""
    return f"EVENT {name!r}{where}{having}"


def expect_event(
    events: Sequence[RecordedEvent],
    name: str,
    room: str | None,
    attributes: Mapping[str, str] | None,
) -> RecordedEvent:
    """The last of ``events`` named ``name`` (in ``room``, with at least ``attributes``)."""
    __tracebackhide__ = True
    found = [event for event in events if event.matches(room, name, attributes)]
    return expect(found, wanted_event(name, room, attributes), "events", events)


def wanted_message(
    content: str | None,
    room: str | None,
    user_id: str | None,
    attributes: Mapping[str, str] | None,
) -> str:
    """``MESSAGE with content='hi', room=...``: what an assertion looked for."""
    filters = {"content": content, "room": room, "user_id": user_id, "attributes": attributes}
    wanted = ", ".join(f"{key}={value!r}" for key, value in filters.items() if value is not None)
    return f"MESSAGE with {wanted}" if wanted else "MESSAGE"


def expect_message(
    messages: Sequence[RecordedMessage],
    content: str | None,
    room: str | None,
    user_id: str | None,
    attributes: Mapping[str, str] | None,
) -> RecordedMessage:
    """The last of ``messages`` matching every given filter (None: any)."""
    __tracebackhide__ = True
    found = [m for m in messages if m.matches(room, content, user_id, attributes)]
    wanted = wanted_message(content, room, user_id, attributes)
    return expect(found, wanted, "messages", messages)

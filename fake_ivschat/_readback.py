"""What a test reads back from a fake: the recorded calls, the delivered events and messages and
chat-log records, the assertions on them and the waits for them (a part of FakeIvsChat)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from . import _checks
from ._records import (
    RecordedCall,
    RecordedEvent,
    RecordedMessage,
    expect_call,
    expect_event,
    expect_message,
)
from ._service import waiting
from ._service.state import ServiceState
from ._service.waiting import DEFAULT_TIMEOUT
from ._transport.dispatch import Dispatcher


class ReadBack:
    """FakeIvsChat's methods that read what its service recorded and delivered."""

    _lock: threading.RLock
    _state: ServiceState
    _dispatcher: Dispatcher

    @property
    def calls(self) -> list[RecordedCall]:
        """Every API call that reached this fake, in order, failed ones included."""
        with self._lock:
            return list(self._dispatcher.calls)

    def get_calls(self, /, operation: str | None = None, **params: Any) -> list[RecordedCall]:
        """The recorded calls of ``operation`` (any if None) that sent every given param.

        ValueError for an operation or param name no call can have (``"create_room"``: did you
        mean ``"CreateRoom"``?), which would otherwise silently match nothing.
        """
        _checks.call_filter(operation, params)
        return [call for call in self.calls if call.matches(operation, params)]

    def events(self, room: str | None = None, *, name: str | None = None) -> list[RecordedEvent]:
        """EVENT frames delivered, in order; ``room`` an ARN (None: every room)."""
        _checks.room_arn(room)
        with self._lock:
            return [e for e in self._state.messaging.events if e.matches(room, name, None)]

    def messages(
        self, room: str | None = None, *, user_id: str | None = None
    ) -> list[RecordedMessage]:
        """MESSAGE frames delivered, in order; ``room`` an ARN (None: every room)."""
        _checks.room_arn(room)
        with self._lock:
            messages = self._state.messaging.messages
            return [m for m in messages if m.matches(room, None, user_id, None)]

    def assert_called(self, /, operation: str, **params: Any) -> RecordedCall:
        """The last recorded call of ``operation`` that sent every given param (top-level,
        compared with ``==``); otherwise AssertionError listing the calls recorded instead."""
        __tracebackhide__ = True
        _checks.call_filter(operation, params)
        return expect_call(self.calls, operation, params)

    def assert_event(
        self, name: str, *, room: str | None = None, attributes: Mapping[str, str] | None = None
    ) -> RecordedEvent:
        """The last EVENT ``name`` delivered (in ``room``, with at least ``attributes``);
        otherwise AssertionError listing the events delivered instead."""
        __tracebackhide__ = True
        _checks.room_arn(room)
        return expect_event(self.events(), name, room, attributes)

    def assert_message(
        self,
        content: str | None = None,
        *,
        room: str | None = None,
        user_id: str | None = None,
        attributes: Mapping[str, str] | None = None,
    ) -> RecordedMessage:
        """The last MESSAGE delivered matching every given filter; otherwise AssertionError
        listing the messages delivered instead."""
        __tracebackhide__ = True
        _checks.room_arn(room)
        return expect_message(self.messages(), content, room, user_id, attributes)

    def wait_for_event(
        self,
        name: str,
        *,
        room: str | None = None,
        attributes: Mapping[str, str] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> RecordedEvent:
        """The first EVENT ``name`` delivered (in ``room``, with at least ``attributes``), before
        the call or within ``timeout`` seconds of real time, whatever a test clock says;
        otherwise AssertionError listing the events delivered instead."""
        __tracebackhide__ = True
        _checks.room_arn(room)
        return waiting.first_event(self._state, name, room, attributes, timeout)

    def wait_for_message(
        self,
        content: str | None = None,
        *,
        room: str | None = None,
        user_id: str | None = None,
        attributes: Mapping[str, str] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> RecordedMessage:
        """The first MESSAGE delivered matching every given filter, as :meth:`wait_for_event`
        waits; otherwise AssertionError listing the messages delivered instead."""
        __tracebackhide__ = True
        _checks.room_arn(room)
        return waiting.first_message(self._state, content, room, user_id, attributes, timeout)

    def log_records(self, logging_configuration_arn: str) -> list[Mapping[str, Any]]:
        """Chat-log records delivered to that logging configuration's destination (read-only;
        one record per delivered frame, shared by every configuration it was logged to)."""
        with self._lock:
            return self._state.messaging.log_records.records(logging_configuration_arn)

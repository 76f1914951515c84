"""Arranging a fake's state up front: rooms and logging configurations with the ids, ARNs, tags
and times the code under test expects (a part of FakeIvsChat)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from . import _checks
from ._frozen import freeze
from ._service import arrange
from ._service.state import ServiceState
from ._transport import wire


class Arranging:
    """FakeIvsChat's methods that put resources in place before the code under test runs."""

    account_id: str
    _lock: threading.RLock
    _state: ServiceState

    def arrange_room(
        self,
        arn_or_id: str | None = None,
        *,
        region_name: str | None = None,
        account_id: str | None = None,
        create_time: datetime | None = None,
        update_time: datetime | None = None,
        **params: Any,
    ) -> Mapping[str, Any]:
        """Put a room in place, as if made before the test: returns it as ``get_room`` would
        (read-only, without ResponseMetadata). Not a recorded call.

        ``arn_or_id``: the room's ARN (its account and region too), or just its 12-character id
        (then ``region_name``, default ``"us-east-1"``, and ``account_id``, default the fake's);
        None: an id drawn as CreateRoom draws one. ``create_time`` and ``update_time``:
        timezone-aware datetimes (default now, and the creation time). ``params``: CreateRoom's
        parameters (``name``, ``tags``, ``maximumMessageLength``, ``messageReviewHandler``,
        ``loggingConfigurationIdentifiers``...), checked as CreateRoom checks them: ValueError
        for anything CreateRoom would refuse, an id already taken or an ARN that is not a room's.
        """
        return self._arrange(
            arrange.ROOM, arn_or_id, region_name, account_id, (create_time, update_time), params
        )

    def arrange_logging_configuration(
        self,
        arn_or_id: str | None = None,
        *,
        region_name: str | None = None,
        account_id: str | None = None,
        create_time: datetime | None = None,
        update_time: datetime | None = None,
        **params: Any,
    ) -> Mapping[str, Any]:
        """Put a logging configuration in place (ACTIVE), as :meth:`arrange_room` puts a room:
        ``params`` are CreateLoggingConfiguration's (``destinationConfiguration``, ``name``,
        ``tags``); returns it as ``get_logging_configuration`` would."""
        return self._arrange(
            arrange.LOGGING_CONFIGURATION,
            arn_or_id,
            region_name,
            account_id,
            (create_time, update_time),
            params,
        )

    def _arrange(
        self,
        kind: arrange.Kind,
        arn_or_id: str | None,
        region_name: str | None,
        account_id: str | None,
        times: tuple[datetime | None, datetime | None],
        params: dict[str, Any],
    ) -> Mapping[str, Any]:
        __tracebackhide__ = True
        _checks.call_filter(kind.create, params)
        where = arrange.identity(kind, arn_or_id, region_name, account_id, self.account_id)
        with self._lock:
            body = arrange.arrange(self._state, kind, where, times, params)
        return freeze(wire.as_client_reads(kind.describe, body))

"""Chat-log records as the service makes them: one per frame delivered in a logged room, logged
to each attached configuration with the destination it pointed at when the frame was sent."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NamedTuple, Protocol

from .._frozen import FrozenDict, freeze
from . import clock

LOG_VERSION = "1.0"
NO_DESTINATION = FrozenDict()


# What this module needs of the service's state (rooms, configurations, the state of a region),
# so that it depends on none of the modules holding them.
class _Room(Protocol):
    arn: str
    logging_configuration_identifiers: list[str]


class _Configuration(Protocol):
    destination: dict[str, Any]


class _Region(Protocol):
    @property
    def logging_configurations(self) -> Mapping[str, _Configuration]: ...


class _State(Protocol):
    def region_of(self, arn: str) -> _Region | None: ...


class Logged:
    """The chat-log record of one delivered frame, shared by every configuration it is logged
    to, with what delivery needs: the room, the time in ms, the record as a line of JSON."""

    __slots__ = ("_line", "ms", "record", "room_arn")

    def __init__(self, record: FrozenDict, room_arn: str, ms: int) -> None:
        self.record = record
        self.room_arn = room_arn
        self.ms = ms
        self._line: str | None = None

    @property
    def line(self) -> str:
        """The record as one line of JSON that always encodes as UTF-8 (made on first use)."""
        if self._line is None:
            self._line = json_line(self.record)
        return self._line


def json_line(record: Mapping[str, Any]) -> str:
    """``record`` as compact JSON, non-ASCII text kept as is; a record with text UTF-8 cannot
    encode (a lone surrogate) gets ``\\uXXXX`` escapes instead: valid JSON, read back equal."""
    line = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
    try:
        line.encode()
    except UnicodeEncodeError:
        return json.dumps(record, separators=(",", ":"))
    return line


class Entry(NamedTuple):
    """A record as logged to one configuration: where that configuration pointed at the time."""

    logged: Logged
    destination: Mapping[str, Any]  # the configuration's destinationConfiguration, read-only


class ChatLog:
    """Every chat-log record of one fake, by logging configuration ARN, in delivery order."""

    def __init__(self, state: _State) -> None:
        self._state = state
        self.entries: dict[str, list[Entry]] = {}
        # The destination last captured per configuration: records share it until it changes.
        self._captured: dict[str, FrozenDict] = {}

    def add(self, room: _Room, frame: Mapping[str, Any], ns: int) -> None:
        """Log ``frame``, just delivered in ``room`` at ``ns``, to each attached configuration."""
        if not room.logging_configuration_identifiers:
            return
        ms = clock.to_ms(ns)
        record = FrozenDict(
            {
                "event_timestamp": clock.iso_ms(ms),
                "type": frame["Type"],
                "payload": frame if isinstance(frame, FrozenDict) else freeze(dict(frame)),
                "version": LOG_VERSION,
            }
        )
        logged = Logged(record, room.arn, ms)
        region = self._state.region_of(room.arn)
        for arn in room.logging_configuration_identifiers:
            config = region.logging_configurations.get(arn) if region is not None else None
            self.entries.setdefault(arn, []).append(Entry(logged, self._destination(arn, config)))

    def _destination(self, arn: str, config: _Configuration | None) -> Mapping[str, Any]:
        if config is None:  # not expected: deleting a configuration detaches it from its rooms
            return NO_DESTINATION
        captured = self._captured.get(arn)
        if captured is None or captured != config.destination:
            captured = self._captured[arn] = freeze(config.destination)
        return captured

    def records(self, arn: str) -> list[Mapping[str, Any]]:
        """The records logged to the configuration ``arn``, in delivery order."""
        return [entry.logged.record for entry in self.entries.get(arn, ())]


__all__ = ["LOG_VERSION", "ChatLog", "Entry", "Logged", "json_line"]

"""Chat-log delivery to moto: while moto's ``mock_aws`` is active, ``flush_logs()`` writes each
chat-log record once to the S3 bucket, CloudWatch Logs log group or Firehose delivery stream its
logging configuration pointed at when the record was made. Nothing here ever opens a socket."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, NamedTuple

from botocore.exceptions import ClientError

from .chatlog_records import LOG_VERSION, ChatLog, Entry
from .moto_clients import MotoDidNotAnswer, moto_client, moto_stubber

_log = logging.getLogger("fake_ivschat")

HOUR_MS = 3_600_000
# Service limits of the destination APIs: a delivery never sends a request AWS would refuse.
FIREHOSE_MAX_RECORDS = 500
FIREHOSE_MAX_BYTES = 4 * 1024 * 1024
LOGS_MAX_EVENTS = 10_000
LOGS_MAX_BYTES = 1_048_576
LOGS_EVENT_OVERHEAD = 26  # bytes PutLogEvents counts per event on top of its message
LOGS_MAX_SPAN_MS = 24 * HOUR_MS


@dataclass(frozen=True)
class LogDeliveryFailure:
    """Chat-log records of one logging configuration that did not reach its destination in moto.

    ``destination`` is the configuration's ``destinationConfiguration`` when those records were
    made; ``records`` how many were not written; ``reason`` what went wrong, and whether they are
    tried again by the next flush. Every record stays in ``fake.log_records()``.
    """

    logging_configuration_arn: str
    destination: Mapping[str, Any]
    records: int
    reason: str

    def __str__(self) -> str:
        return (
            f"{self.records} chat-log record(s) of logging configuration"
            f" {self.logging_configuration_arn} were not written to {_describe(self.destination)}"
            f" in moto: {self.reason}"
        )


class _Item(NamedTuple):
    position: int  # in the configuration's entries
    record: Mapping[str, Any]
    room_arn: str
    ms: int  # event_timestamp in milliseconds since the epoch
    line: str  # the record's JSON text


@dataclass
class _Progress:
    """Which records of one configuration are settled (written, or given up): the first
    ``flushed``, and ``ahead``."""

    flushed: int = 0
    ahead: set[int] = field(default_factory=set)

    def pending(self, total: int) -> list[int]:
        return [i for i in range(self.flushed, total) if i not in self.ahead]

    def mark(self, indices: Iterable[int]) -> None:
        self.ahead.update(indices)
        while self.flushed in self.ahead:
            self.ahead.remove(self.flushed)
            self.flushed += 1


class _Attempt:
    """One flush's writing to one destination of one configuration, request by request: a
    request that fails costs only its own records, never the others'."""

    def __init__(self, config_arn: str, destination: Mapping[str, Any], progress: _Progress):
        self.config_arn = config_arn
        self.destination = destination
        _, _, _, self.region, self.account_id, _ = config_arn.split(":", 5)
        self._progress = progress
        self.handled: set[int] = set()  # written, given up, or kept for the next flush
        self.unwritten: dict[str, int] = {}  # records not written, by why

    def client(self, service: str) -> Any:
        return moto_client(service, self.region, self.account_id)

    def send(self, items: list[_Item], request: Callable[..., Any], **params: Any) -> Any:
        """``request(**params)``'s answer; None if it failed (noted for ``items``)."""
        try:
            return request(**params)
        except (ClientError, MotoDidNotAnswer) as exc:  # the destination may exist next time
            self.handled.update(item.position for item in items)
            self.fail(len(items), f"{exc} (kept for the next flush_logs())")
        except Exception as exc:  # whatever moto raised on these records, it would raise again
            self.give_up(items, f"writing them raised {exc!r} (not retried)")
        return None

    def written(self, items: Iterable[_Item]) -> None:
        done = [item.position for item in items]
        self.handled.update(done)
        self._progress.mark(done)

    def give_up(self, items: Iterable[_Item], reason: str) -> None:
        """Report ``items`` as not written, and never try them again."""
        items = list(items)
        if items:
            self.written(items)
            self.fail(len(items), reason)

    def fail(self, records: int, reason: str) -> None:
        self.unwritten[reason] = self.unwritten.get(reason, 0) + records

    def failures(self) -> list[LogDeliveryFailure]:
        return [
            LogDeliveryFailure(self.config_arn, self.destination, records, reason)
            for reason, records in self.unwritten.items()
        ]


Writer = Callable[[_Attempt, list[_Item]], None]


class ChatLogDelivery:
    """Writes one fake's chat-log records to moto, each record once per configuration, to the
    destination the configuration had when the record was sent."""

    def __init__(self, lock: threading.RLock, log_records: ChatLog) -> None:
        self._lock = lock  # the fake's: records are read under it
        self._log_records = log_records
        self._progress: dict[str, _Progress] = {}

    def flush(self) -> list[LogDeliveryFailure]:
        if moto_stubber() is None:
            _log.debug("moto's mock_aws is not active: chat-log records are not written.")
            return []
        failures: list[LogDeliveryFailure] = []
        with self._lock:
            for arn, entries in self._log_records.entries.items():
                progress = self._progress.setdefault(arn, _Progress())
                pending = progress.pending(len(entries))
                for destination, items in _by_destination(entries, pending):
                    failures.extend(self._deliver(arn, destination, items, progress))
        for failure in failures:
            _log.warning("%s", failure)
        return failures

    @staticmethod
    def _deliver(
        arn: str, destination: Mapping[str, Any], items: list[_Item], progress: _Progress
    ) -> list[LogDeliveryFailure]:
        attempt = _Attempt(arn, destination, progress)
        writer = _WRITERS.get(next(iter(destination), ""))
        if writer is None:
            attempt.give_up(
                items, f"the fake cannot write to {_describe(destination)} (not retried)"
            )
            return attempt.failures()
        try:
            writer(attempt, items)
        except Exception as exc:  # a bug of ours must not break stop(): report, do not retry
            unsettled = [item for item in items if item.position not in attempt.handled]
            attempt.give_up(unsettled, f"{exc!r} (not retried)")
        return attempt.failures()


def _by_destination(
    entries: list[Entry], pending: list[int]
) -> Iterable[tuple[Mapping[str, Any], list[_Item]]]:
    """The pending records, grouped by the destination each was captured with."""
    groups: dict[str, tuple[Mapping[str, Any], list[_Item]]] = {}
    keys: dict[int, str] = {}  # records share their captured destination object
    for index in pending:
        logged, destination = entries[index]
        key = keys.get(id(destination))
        if key is None:
            key = keys[id(destination)] = json.dumps(destination, sort_keys=True)
        item = _Item(index, logged.record, logged.room_arn, logged.ms, logged.line)
        groups.setdefault(key, (destination, []))[1].append(item)
    return groups.values()


# ---------------------------------------------------------------------------- writers


def _write_s3(attempt: _Attempt, items: list[_Item]) -> None:
    """One gzip-compressed NDJSON object per room and hour, as the service lays them out."""
    client = attempt.client("s3")
    groups: dict[tuple[str, int], list[_Item]] = {}
    for item in items:
        groups.setdefault((item.room_arn, item.ms // HOUR_MS), []).append(item)
    for (room_arn, _), group in groups.items():
        body = "".join(item.line + "\n" for item in group).encode()
        key = s3_key(attempt.config_arn, room_arn, group[0].ms, group[0].record["payload"]["Id"])
        bucket = attempt.destination["s3"]["bucketName"]
        body = gzip.compress(body, mtime=0)
        if attempt.send(group, client.put_object, Bucket=bucket, Key=key, Body=body) is not None:
            attempt.written(group)


def s3_key(config_arn: str, room_arn: str, ms: int, first_id: str) -> str:
    """``AWSLogs/<account>/IVSChatLogs/1.0/<region>/room_<id>/YYYY/MM/DD/HH/<name>.log.gz``."""
    _, _, _, region, account_id, resource = room_arn.split(":", 5)
    room_id = resource.rpartition("/")[2]
    when = datetime.fromtimestamp(ms // 1000, timezone.utc)
    # The service's 8 random characters, derived from what the object holds: unique per object,
    # and reproducible for a seeded fake.
    suffix = hashlib.sha256(f"{config_arn}\n{first_id}".encode()).hexdigest()[:8]
    prefix = f"AWSLogs/{account_id}/IVSChatLogs/{LOG_VERSION}/{region}/room_{room_id}"
    name = f"{account_id}_IVSChatLogs_{LOG_VERSION}_{region}_room_{room_id}"
    return f"{prefix}/{when:%Y/%m/%d/%H}/{name}_{when:%Y%m%dT%H%M}Z_{suffix}.log.gz"


def log_stream_name(room_arn: str) -> str:
    """``aws/IVSChatLogs/1.0/room_<id>``: the room's log stream in the configured log group."""
    return f"aws/IVSChatLogs/{LOG_VERSION}/room_{room_arn.rpartition('/')[2]}"


def _write_cloudwatch(attempt: _Attempt, items: list[_Item]) -> None:
    """One log event per record, in time order, in each room's log stream (created if missing)."""
    client = attempt.client("logs")
    group = attempt.destination["cloudWatchLogs"]["logGroupName"]
    streams: dict[str, list[_Item]] = {}
    for item in items:
        streams.setdefault(log_stream_name(item.room_arn), []).append(item)

    def create_stream(**params: str) -> bool:
        with contextlib.suppress(client.exceptions.ResourceAlreadyExistsException):
            client.create_log_stream(**params)
        return True

    for stream, records in streams.items():
        if attempt.send(records, create_stream, logGroupName=group, logStreamName=stream) is None:
            continue
        ordered = sorted(records, key=lambda item: item.ms)
        for batch in _batches(
            ordered,
            LOGS_MAX_EVENTS,
            LOGS_MAX_BYTES,
            lambda item: len(item.line.encode()) + LOGS_EVENT_OVERHEAD,
            LOGS_MAX_SPAN_MS,
        ):
            events = [{"timestamp": item.ms, "message": item.line} for item in batch]
            answer = attempt.send(
                batch,
                client.put_log_events,
                logGroupName=group,
                logStreamName=stream,
                logEvents=events,
            )
            if answer is not None:
                attempt.written(batch)
                _note_rejected(attempt, stream, answer.get("rejectedLogEventsInfo"), len(batch))


def _note_rejected(attempt: _Attempt, stream: str, info: Any, size: int) -> None:
    rejected = _rejected(info or {}, size)
    if rejected:
        attempt.fail(
            rejected,
            f"CloudWatch Logs rejected {rejected} event(s) of log stream {stream} ({info}): it"
            " takes events from 14 days before to 2 hours after its clock, so flush while the"
            " clock that stamped them is in force (not retried)",
        )


def _rejected(info: Mapping[str, int], size: int) -> int:
    indices: set[int] = set()
    for name in ("tooOldLogEventEndIndex", "expiredLogEventEndIndex"):
        if name in info:
            indices.update(range(info[name] + 1))
    if "tooNewLogEventStartIndex" in info:
        indices.update(range(info["tooNewLogEventStartIndex"], size))
    return len(indices)


def _write_firehose(attempt: _Attempt, items: list[_Item]) -> None:
    """One Firehose record per chat-log record (its JSON and a newline), in delivery order."""
    client = attempt.client("firehose")
    stream = attempt.destination["firehose"]["deliveryStreamName"]
    datas = {item.position: (item.line + "\n").encode() for item in items}
    for batch in _batches(
        items, FIREHOSE_MAX_RECORDS, FIREHOSE_MAX_BYTES, lambda item: len(datas[item.position])
    ):
        records = [{"Data": datas[item.position]} for item in batch]
        response = attempt.send(
            batch, client.put_record_batch, DeliveryStreamName=stream, Records=records
        )
        if response is None:
            continue
        answers = response.get("RequestResponses") or [{}] * len(batch)
        attempt.written(
            item
            for item, answer in zip(batch, answers, strict=False)
            if not answer.get("ErrorCode")
        )
        failed = [answer for answer in answers if answer.get("ErrorCode")]
        if failed:
            first = failed[0]
            attempt.fail(
                len(failed),
                f"Firehose refused {len(failed)} record(s): {first['ErrorCode']}:"
                f" {first.get('ErrorMessage', '')} (kept for the next flush_logs())",
            )


_WRITERS: dict[str, Writer] = {
    "s3": _write_s3,
    "cloudWatchLogs": _write_cloudwatch,
    "firehose": _write_firehose,
}
_DESCRIPTIONS = {
    "s3": ("S3 bucket", "bucketName"),
    "cloudWatchLogs": ("CloudWatch Logs log group", "logGroupName"),
    "firehose": ("Firehose delivery stream", "deliveryStreamName"),
}


def _describe(destination: Mapping[str, Any]) -> str:
    for kind, value in destination.items():
        noun, member = _DESCRIPTIONS.get(kind, (kind, ""))
        return f"{noun} {value.get(member)!r}" if member else noun
    return "its destination"


def _batches(
    items: list[_Item],
    max_count: int,
    max_bytes: int,
    size: Callable[[_Item], int],
    max_span_ms: int | None = None,
) -> Iterator[list[_Item]]:
    batch: list[_Item] = []
    used = 0
    for item in items:
        cost = size(item)
        if batch and (
            len(batch) >= max_count
            or used + cost > max_bytes
            or (max_span_ms is not None and item.ms - batch[0].ms >= max_span_ms)
        ):
            yield batch
            batch, used = [], 0
        batch.append(item)
        used += cost
    if batch:
        yield batch


__all__ = ["ChatLogDelivery", "LogDeliveryFailure", "log_stream_name", "s3_key"]

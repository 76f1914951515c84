"""Chat-log delivery to moto: while moto's ``mock_aws`` is active, ``flush_logs()`` writes each
chat-log record once to its logging configuration's S3 bucket, CloudWatch Logs log group or
Firehose delivery stream in moto. Nothing here ever opens a socket."""

from __future__ import annotations

import calendar
import contextlib
import functools
import gzip
import hashlib
import json
import logging
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Callable, NamedTuple, cast

from botocore.config import Config

from . import _model
from ._routing import DUMMY_CREDENTIALS

if TYPE_CHECKING:
    from ._fake import Shared

_log = logging.getLogger("fake_ivschat")

LOG_VERSION = "1.0"
# moto answers a request for the account this header names (moto's own multi-account switch; the
# MOTO_ACCOUNT_ID environment variable, when set, wins over it).
MOTO_ACCOUNT_HEADER = "x-moto-account-id"
HOUR_MS = 3_600_000
# Service limits of the destination APIs: a delivery never sends a request AWS would refuse.
FIREHOSE_MAX_RECORDS = 500
FIREHOSE_MAX_BYTES = 4 * 1024 * 1024
LOGS_MAX_EVENTS = 10_000
LOGS_MAX_BYTES = 1_048_576
LOGS_EVENT_OVERHEAD = 26  # bytes PutLogEvents counts per event on top of its message
LOGS_MAX_SPAN_MS = 24 * HOUR_MS
_CLIENT_CONFIG = Config(retries={"total_max_attempts": 1})


@dataclass(frozen=True)
class LogDeliveryFailure:
    """Chat-log records of one logging configuration that did not reach its destination in moto.

    ``destination`` is the configuration's ``destinationConfiguration``; ``records`` how many
    records were not written; ``reason`` what went wrong. Every record stays in
    ``fake.log_records()``.
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


class MotoDidNotAnswer(RuntimeError):
    """A destination request that moto did not answer; it is refused instead of being sent."""


def moto_stubber() -> Callable[..., Any] | None:
    """moto's in-process responder while ``mock_aws`` is active, else None (moto not imported
    by the user, not active, or a version without it): then nothing is written."""
    # moto.core.models.botocore_stubber is the before-send handler that answers every AWS request
    # in-process; ``enabled`` is true exactly between mock_aws's _enable_patching and
    # _disable_patching. MockAWS._mocks_active is not used: server and proxy mode set it on their
    # own subclasses and answer over a socket, which this module never opens.
    stubber = _stubber_object()
    if getattr(stubber, "enabled", False) is True and callable(stubber):
        return cast("Callable[..., Any]", stubber)
    return None


def _stubber_object() -> Any:
    return getattr(sys.modules.get("moto.core.models"), "botocore_stubber", None)


class _Item(NamedTuple):
    position: int  # in the configuration's records
    record: Mapping[str, Any]
    room_arn: str
    ms: int  # event_timestamp in milliseconds since the epoch
    line: str  # the record's JSON text


@dataclass
class _Progress:
    """Which records of one configuration are written: the first ``flushed``, and ``ahead``."""

    flushed: int = 0
    ahead: set[int] = field(default_factory=set)

    def pending(self, total: int) -> list[int]:
        return [i for i in range(self.flushed, total) if i not in self.ahead]

    def mark(self, indices: Iterable[int]) -> None:
        self.ahead.update(indices)
        while self.flushed in self.ahead:
            self.ahead.remove(self.flushed)
            self.flushed += 1


class _Target(NamedTuple):
    config_arn: str
    account_id: str
    region: str
    destination: Mapping[str, Any]

    def client(self, service: str) -> Any:
        return _moto_client(service, self.region, self.account_id)


Problems = list[tuple[int, str]]  # (records not written, why): what a writer survived
Writer = Callable[[_Target, list[_Item], Callable[[Iterable[int]], None]], Problems]


class ChatLogDelivery:
    """Writes one fake's chat-log records to moto, each record once per configuration."""

    def __init__(self, shared: Shared) -> None:
        self._shared = shared
        self._progress: dict[str, _Progress] = {}

    def flush(self) -> list[LogDeliveryFailure]:
        if moto_stubber() is None:
            _log.debug("moto's mock_aws is not active: chat-log records are not written.")
            return []
        failures: list[LogDeliveryFailure] = []
        with self._shared.lock:
            logs = self._shared.messaging.log_records
            work = {}
            for arn, records in logs.items():
                pending = self._progress.setdefault(arn, _Progress()).pending(len(records))
                if pending:
                    work[arn] = pending
            if work:
                rooms = self._rooms_of_frames()
                for arn, pending in work.items():
                    records = logs[arn]
                    items = [_item(i, records[i], rooms) for i in pending]
                    failures.extend(self._deliver(arn, items, self._progress[arn]))
        for failure in failures:
            _log.warning("%s", failure)
        return failures

    def _deliver(
        self, arn: str, items: list[_Item], progress: _Progress
    ) -> list[LogDeliveryFailure]:
        written: set[int] = set()

        def mark(indices: Iterable[int]) -> None:
            done = list(indices)
            written.update(done)
            progress.mark(done)

        config = self._configuration(arn)
        if config is None:
            reason = "the logging configuration no longer exists, so its destination is unknown"
            return [LogDeliveryFailure(arn, {}, len(items), reason)]
        destination = {kind: dict(value) for kind, value in config.items()}
        _, _, _, region, account_id, _ = arn.split(":", 5)
        target = _Target(arn, account_id, region, destination)
        try:
            (kind,) = destination
            writer = _WRITERS.get(kind)
            if writer is None:
                raise LookupError(f"the fake cannot deliver to {kind} destinations")
            problems = writer(target, items, mark)
        except Exception as exc:  # whatever moto raised: report it, never break stop()
            unwritten = len(items) - len(written)
            reason = f"{exc} (kept for the next flush_logs())"
            return [LogDeliveryFailure(arn, destination, unwritten, reason)]
        return [LogDeliveryFailure(arn, destination, n, why) for n, why in problems]

    def _configuration(self, arn: str) -> dict[str, Any] | None:
        state = self._shared.region_of(arn)
        config = state.logging.get(arn) if state is not None else None
        return config.destination if config is not None else None

    def _rooms_of_frames(self) -> dict[str, str]:
        """The room of every delivered frame, by frame Id (a record's payload names no room)."""
        messaging = self._shared.messaging
        rooms = {event.id: event.room_arn for event in messaging.events}
        rooms.update((message.id, message.room_arn) for message in messaging.messages)
        return rooms


def _item(index: int, record: Mapping[str, Any], rooms: Mapping[str, str]) -> _Item:
    stamp = datetime.strptime(record["event_timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ")
    ms = calendar.timegm(stamp.timetuple()) * 1000 + stamp.microsecond // 1000
    line = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
    return _Item(index, record, rooms[record["payload"]["Id"]], ms, line)


# ---------------------------------------------------------------------------- writers


def _write_s3(
    target: _Target, items: list[_Item], mark: Callable[[Iterable[int]], None]
) -> Problems:
    """One gzip-compressed NDJSON object per room and hour, as the service lays them out."""
    client = target.client("s3")
    groups: dict[tuple[str, int], list[_Item]] = {}
    for item in items:
        groups.setdefault((item.room_arn, item.ms // HOUR_MS), []).append(item)
    for (room_arn, _), group in groups.items():
        body = "".join(item.line + "\n" for item in group).encode()
        client.put_object(
            Bucket=target.destination["s3"]["bucketName"],
            Key=s3_key(target.config_arn, room_arn, group[0].ms, group[0].record["payload"]["Id"]),
            Body=gzip.compress(body, mtime=0),
        )
        mark(item.position for item in group)
    return []


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


def _write_cloudwatch(
    target: _Target, items: list[_Item], mark: Callable[[Iterable[int]], None]
) -> Problems:
    """One log event per record, in time order, in each room's log stream (created if missing)."""
    client = target.client("logs")
    group_name = target.destination["cloudWatchLogs"]["logGroupName"]
    problems: Problems = []
    streams: dict[str, list[_Item]] = {}
    for item in items:
        streams.setdefault(log_stream_name(item.room_arn), []).append(item)
    for stream, events in streams.items():
        with contextlib.suppress(client.exceptions.ResourceAlreadyExistsException):
            client.create_log_stream(logGroupName=group_name, logStreamName=stream)
        ordered = sorted(events, key=lambda item: item.ms)
        for batch in _batches(
            ordered,
            LOGS_MAX_EVENTS,
            LOGS_MAX_BYTES,
            lambda item: len(item.line.encode()) + LOGS_EVENT_OVERHEAD,
            LOGS_MAX_SPAN_MS,
        ):
            response = client.put_log_events(
                logGroupName=group_name,
                logStreamName=stream,
                logEvents=[{"timestamp": item.ms, "message": item.line} for item in batch],
            )
            mark(item.position for item in batch)
            rejected = _rejected(response.get("rejectedLogEventsInfo") or {}, len(batch))
            if rejected:
                problems.append(
                    (
                        rejected,
                        f"CloudWatch Logs rejected {rejected} event(s) of log stream {stream}"
                        f" ({response['rejectedLogEventsInfo']}): it takes events from 14 days"
                        " before to 2 hours after its clock, so flush while the clock that"
                        " stamped them is in force (not retried)",
                    )
                )
    return problems


def _rejected(info: Mapping[str, int], size: int) -> int:
    indices: set[int] = set()
    for name in ("tooOldLogEventEndIndex", "expiredLogEventEndIndex"):
        if name in info:
            indices.update(range(info[name] + 1))
    if "tooNewLogEventStartIndex" in info:
        indices.update(range(info["tooNewLogEventStartIndex"], size))
    return len(indices)


def _write_firehose(
    target: _Target, items: list[_Item], mark: Callable[[Iterable[int]], None]
) -> Problems:
    """One Firehose record per chat-log record (its JSON and a newline), in delivery order."""
    client = target.client("firehose")
    stream = target.destination["firehose"]["deliveryStreamName"]
    problems: Problems = []
    datas = {item.position: (item.line + "\n").encode() for item in items}
    for batch in _batches(
        items, FIREHOSE_MAX_RECORDS, FIREHOSE_MAX_BYTES, lambda item: len(datas[item.position])
    ):
        response = client.put_record_batch(
            DeliveryStreamName=stream, Records=[{"Data": datas[item.position]} for item in batch]
        )
        answers = response.get("RequestResponses") or [{}] * len(batch)
        failed = [answer for answer in answers if answer.get("ErrorCode")]
        mark(item.position for item, answer in zip(batch, answers) if not answer.get("ErrorCode"))
        if failed:
            first = failed[0]
            problems.append(
                (
                    len(failed),
                    f"Firehose refused {len(failed)} record(s): {first['ErrorCode']}:"
                    f" {first.get('ErrorMessage', '')} (kept for the next flush_logs())",
                )
            )
    return problems


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


# ---------------------------------------------------------------------------- clients


@functools.cache
def _session() -> Any:
    """A hermetic session (the user's AWS profile, config or environment can never make a
    delivery fail), made once moto is imported: moto adds its responder to botocore's built-in
    handlers, which a session registers when it is made."""
    return _model.hermetic_session()


@functools.lru_cache(maxsize=64)  # clients hold no moto state: one per destination scope
def _moto_client(service: str, region: str, account_id: str) -> Any:
    """A client that only moto can answer: moto's stubber is called by our own handler, and a
    request it leaves unanswered raises instead of reaching botocore's HTTP layer."""
    client = _session().create_client(
        service, region_name=region, config=_CLIENT_CONFIG, **DUMMY_CREDENTIALS
    )
    stubber = _stubber_object()
    if stubber is not None:
        # The session registered it on every client (moto adds it to botocore's built-in
        # handlers); answering through it twice would write every record twice.
        client.meta.events.unregister("before-send", stubber)
    client.meta.events.register_first("before-send", _answered_by_moto(account_id))
    return client


def _answered_by_moto(account_id: str) -> Callable[..., Any]:
    def before_send(request: Any, event_name: str, **_: Any) -> Any:
        request.headers[MOTO_ACCOUNT_HEADER] = account_id
        stubber = moto_stubber()
        response = stubber(event_name=event_name, request=request) if stubber else None
        if response is None:
            raise MotoDidNotAnswer(
                f"moto did not answer {request.method} {request.url} (is mock_aws still"
                " active?); fake_ivschat never sends chat logs over the network"
            )
        return response

    return before_send


__all__ = ["ChatLogDelivery", "LogDeliveryFailure", "log_stream_name", "moto_stubber", "s3_key"]

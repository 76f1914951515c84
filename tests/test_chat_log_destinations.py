"""Chat logs reach their destinations in moto: S3 objects, CloudWatch Logs events, Firehose
records, written once each by ``fake.flush_logs()`` (and by stopping the fake)."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import boto3
import botocore.httpsession
import pytest
from freezegun import freeze_time
from moto import mock_aws
from moto_logs import (
    ACCOUNT,
    BUCKET,
    CREATE,
    DESTINATIONS,
    GROUP,
    REGION,
    aws,
    by_id,
    create_stream,
    delivered,
    join,
    log_events,
    logged_room,
    make_bucket,
    room_id,
    s3_objects,
    session,
    sink_batches,
    stream_of,
)

from fake_ivschat import FakeIvsChat, mock_ivschat


@pytest.fixture
def moto_active() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture
def sockets(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every URL botocore tries to send over the network; each attempt fails loudly."""
    sent: list[str] = []

    def send(self: Any, request: Any) -> Any:
        sent.append(request.url)
        raise AssertionError(f"network request to {request.url}")

    monkeypatch.setattr(botocore.httpsession.URLLib3Session, "send", send)
    return sent


def epoch_ms(timestamp: str) -> int:
    when = datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    return round(when.timestamp() * 1000)


# ---------------------------------------------------------------------------- S3


@pytest.mark.usefixtures("moto_active")
def test_s3_gets_one_gzipped_ndjson_object_per_room_and_hour(
    fake: FakeIvsChat, client: Any
) -> None:
    make_bucket(BUCKET)
    (config,), lobby = logged_room(client, DESTINATIONS["s3"])
    lounge = client.create_room(loggingConfigurationIdentifiers=[config])["arn"]
    with freeze_time("2024-05-01T12:34:56.789Z") as frozen:
        alice, bob = join(fake, client, lobby, "alice"), join(fake, client, lounge, "bob")
        first = alice.send_message("first")
        in_lounge = bob.send_message("elsewhere")
        poll = client.send_event(roomIdentifier=lobby, eventName="app:poll")
        frozen.move_to("2024-05-01T13:05:00Z")
        next_hour = alice.send_message("next hour")
        assert fake.flush_logs() == []

    objects = s3_objects(BUCKET)
    layout = re.compile(
        rf"AWSLogs/{ACCOUNT}/IVSChatLogs/1\.0/{REGION}/room_(\w+)/2024/05/01/(\d\d)/"
        rf"{ACCOUNT}_IVSChatLogs_1\.0_{REGION}_room_(\w+)_20240501T(\d\d\d\d)Z_[a-zA-Z0-9]{{8}}"
        r"\.log\.gz"
    )
    found = {}
    for key, records in objects.items():
        match = layout.fullmatch(key)
        assert match, key
        folder_room, hour, named_room, hhmm = match.groups()
        assert folder_room == named_room and hhmm[:2] == hour
        found[(folder_room, hhmm)] = [record["payload"] for record in records]
    assert found == {
        (room_id(lobby), "1234"): [first, fake.events(lobby)[0].payload],
        (room_id(lounge), "1234"): [in_lounge],
        (room_id(lobby), "1305"): [next_hour],
    }
    assert fake.events(lobby)[0].id == poll["id"]
    every = [record for records in objects.values() for record in records]
    assert by_id(every) == by_id(fake.log_records(config))


# -------------------------------------------------------------------- CloudWatch Logs


@pytest.mark.usefixtures("moto_active")
def test_cloudwatch_gets_the_rooms_stream_with_one_event_per_record_in_time_order(
    fake: FakeIvsChat, client: Any
) -> None:
    CREATE["cloudWatchLogs"]()
    (config,), room = logged_room(client, DESTINATIONS["cloudWatchLogs"])
    with freeze_time("2024-05-01T12:00:05.250Z") as frozen:
        alice = join(fake, client, room, "alice")
        alice.send_message("stamped later")
        frozen.move_to("2024-05-01T12:00:01.125Z")  # a clock set back: delivered out of order
        alice.send_message("stamped earlier")
        client.send_event(roomIdentifier=room, eventName="app:poll")
        assert fake.flush_logs() == []  # inside the freeze: moto's clock accepts the events

    logs = aws("logs")
    streams = logs.describe_log_streams(logGroupName=GROUP)["logStreams"]
    assert [s["logStreamName"] for s in streams] == [f"aws/IVSChatLogs/1.0/room_{room_id(room)}"]
    events = log_events(stream_of(room))
    records = [json.loads(event["message"]) for event in events]
    assert [r["payload"].get("Content", r["payload"].get("EventName")) for r in records] == [
        "stamped earlier",
        "app:poll",
        "stamped later",
    ]
    assert by_id(records) == by_id(fake.log_records(config))
    assert [event["timestamp"] for event in events] == [
        epoch_ms(record["event_timestamp"]) for record in records
    ]
    assert events[0]["timestamp"] == epoch_ms("2024-05-01T12:00:01.125Z")


@pytest.mark.usefixtures("moto_active")
def test_cloudwatch_events_too_old_for_moto_are_reported_not_retried(
    fake: FakeIvsChat, client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    CREATE["cloudWatchLogs"]()
    (config,), room = logged_room(client, DESTINATIONS["cloudWatchLogs"])
    with freeze_time("2020-01-01T00:00:00Z"):
        client.send_event(roomIdentifier=room, eventName="long ago")
    with caplog.at_level(logging.WARNING, logger="fake_ivschat"):
        (failure,) = fake.flush_logs()
    assert (failure.logging_configuration_arn, failure.records) == (config, 1)
    assert "CloudWatch Logs rejected 1 event(s)" in failure.reason
    assert "flush while the clock that stamped them is in force" in failure.reason
    assert str(failure) in caplog.messages
    assert log_events(stream_of(room)) == []
    assert fake.flush_logs() == []  # rejected once; retrying would not make it younger


# --------------------------------------------------------------------------- Firehose


@pytest.mark.usefixtures("moto_active")
def test_firehose_gets_one_record_per_chat_log_record_in_batches_of_500(
    fake: FakeIvsChat, client: Any
) -> None:
    create_stream()
    (config,), room = logged_room(client, DESTINATIONS["firehose"], maximumMessageRatePerSecond=100)
    with freeze_time("2024-05-01T12:00:00Z") as frozen:
        alice = join(fake, client, room, "alice")
        for n in range(501):
            if n and n % 100 == 0:
                frozen.tick(1)  # the room's rate limit is per second
            alice.send_message(f"message {n}")
    assert len(fake.log_records(config)) == 501

    assert fake.flush_logs() == []
    batches = sink_batches()  # moto's Firehose writes one S3 object per PutRecordBatch
    assert [len(batch) for batch in batches] == [500, 1]
    assert batches[0] + batches[1] == fake.log_records(config)


# ------------------------------------------------------------------- once and only once


@pytest.mark.usefixtures("moto_active")
def test_each_record_is_written_once_however_often_logs_are_flushed(
    fake: FakeIvsChat, client: Any
) -> None:
    for create in CREATE.values():
        create()
    configs, room = logged_room(client, *DESTINATIONS.values())
    alice = join(fake, client, room, "alice")
    alice.send_message("one")
    alice.send_message("two")

    assert fake.flush_logs() == []
    first = {kind: delivered(kind, room) for kind in DESTINATIONS}
    objects = set(s3_objects(BUCKET))
    assert fake.flush_logs() == []
    assert {kind: delivered(kind, room) for kind in DESTINATIONS} == first
    assert set(s3_objects(BUCKET)) == objects

    alice.send_message("three")
    assert fake.flush_logs() == []
    for kind, config in zip(DESTINATIONS, configs, strict=True):
        assert by_id(delivered(kind, room)) == by_id(fake.log_records(config)), kind
    assert [
        json.loads(e["message"])["payload"]["Content"] for e in log_events(stream_of(room))
    ] == [
        "one",
        "two",
        "three",
    ]
    (new_key,) = set(s3_objects(BUCKET)) - objects  # a new object with only the new record
    assert [r["payload"]["Content"] for r in s3_objects(BUCKET)[new_key]] == ["three"]
    assert [r["payload"]["Content"] for r in sink_batches()[-1]] == ["three"]


def test_stopping_the_fake_flushes_its_logs() -> None:
    with mock_aws():
        make_bucket(BUCKET)
        with mock_ivschat(seed=7) as fake:
            ivschat = boto3.client("ivschat", region_name=REGION)
            (config,), room = logged_room(ivschat, DESTINATIONS["s3"])
            ivschat.send_event(roomIdentifier=room, eventName="app:bye")
        records = [r for records in s3_objects(BUCKET).values() for r in records]
        assert records == fake.log_records(config)
        assert [r["payload"]["EventName"] for r in records] == ["app:bye"]


# ------------------------------------------------------------------ missing destinations


@pytest.mark.usefixtures("moto_active")
@pytest.mark.parametrize(
    ("kind", "code"),
    [
        ("s3", "NoSuchBucket"),
        ("cloudWatchLogs", "ResourceNotFoundException"),
        ("firehose", "ResourceNotFoundException"),
    ],
)
def test_a_missing_destination_is_reported_and_its_records_wait_for_the_next_flush(
    fake: FakeIvsChat,
    client: Any,
    caplog: pytest.LogCaptureFixture,
    kind: str,
    code: str,
) -> None:
    (config,), room = logged_room(client, DESTINATIONS[kind])
    client.send_event(roomIdentifier=room, eventName="app:lost?")
    client.send_event(roomIdentifier=room, eventName="app:lost!")

    with caplog.at_level(logging.WARNING, logger="fake_ivschat"):
        (failure,) = fake.flush_logs()
    assert failure.logging_configuration_arn == config
    assert failure.destination == DESTINATIONS[kind]
    assert failure.records == 2
    assert code in failure.reason and "kept for the next flush_logs()" in failure.reason
    name = next(iter(DESTINATIONS[kind][kind].values()))
    (warning,) = [r for r in caplog.records if r.name == "fake_ivschat"]
    assert warning.levelno == logging.WARNING
    assert config in warning.getMessage() and repr(name) in warning.getMessage()
    assert len(fake.log_records(config)) == 2

    CREATE[kind]()
    assert fake.flush_logs() == []
    assert delivered(kind, room) == fake.log_records(config)


def test_stop_with_a_missing_destination_warns_instead_of_raising(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with mock_aws(), mock_ivschat() as fake:
        ivschat = boto3.client("ivschat", region_name=REGION)
        (config,), room = logged_room(ivschat, DESTINATIONS["s3"])
        ivschat.send_event(roomIdentifier=room, eventName="app:unheard")
        with caplog.at_level(logging.WARNING, logger="fake_ivschat"):
            fake.stop()
    assert not fake.active
    assert any(config in m and f"S3 bucket '{BUCKET}'" in m for m in caplog.messages)
    assert len(fake.log_records(config)) == 1


# ------------------------------------------------------------------ accounts and moto


def test_records_go_to_the_configurations_account_in_moto() -> None:
    other = "111122223333"
    with mock_aws():
        role = f"arn:aws:iam::{other}:role/chat"
        creds = aws("sts").assume_role(RoleArn=role, RoleSessionName="chat-logs")["Credentials"]
        theirs = session().client(
            "logs",
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )
        theirs.create_log_group(logGroupName=GROUP)
        fake = FakeIvsChat(other)
        client = fake.client(REGION)
        (config,), room = logged_room(client, DESTINATIONS["cloudWatchLogs"])
        client.send_event(roomIdentifier=room, eventName="app:hello")
        assert fake.flush_logs() == []
        records = [json.loads(e["message"]) for e in log_events(stream_of(room), theirs)]
        assert records == fake.log_records(config)
        mine = aws("logs")  # moto's default account
        assert mine.describe_log_groups()["logGroups"] == []


# ----------------------------------------------------------------- no moto, no network


def test_without_moto_active_nothing_is_written_and_no_socket_is_opened(
    fake: FakeIvsChat, client: Any, sockets: list[str]
) -> None:
    (config,), room = logged_room(client, DESTINATIONS["s3"])
    client.send_event(roomIdentifier=room, eventName="app:early")
    assert fake.flush_logs() == []
    assert sockets == []
    with mock_aws():  # records made before moto started are written by the next flush
        make_bucket(BUCKET)
        assert fake.flush_logs() == []
        assert delivered("s3", room) == fake.log_records(config)
    assert sockets == []


@pytest.mark.usefixtures("moto_active")
def test_a_request_moto_does_not_answer_is_refused_not_sent(
    fake: FakeIvsChat, client: Any, sockets: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    class Silent:
        """An active-looking moto stubber that answers nothing."""

        enabled = True

        def __call__(self, **_: Any) -> None:
            return None

    make_bucket(BUCKET)
    (config,), room = logged_room(client, DESTINATIONS["s3"])
    client.send_event(roomIdentifier=room, eventName="app:unanswered")
    with monkeypatch.context() as patch:
        patch.setattr(sys.modules["moto.core.models"], "botocore_stubber", Silent())
        (failure,) = fake.flush_logs()
    assert failure.reason.startswith("moto did not answer PUT https://")
    assert "never sends chat logs over the network" in failure.reason
    assert sockets == []
    assert fake.flush_logs() == []  # the real stubber is back: the record was kept
    assert delivered("s3", room) == fake.log_records(config)


@pytest.mark.usefixtures("moto_active")
def test_moto_is_neither_imported_nor_used_when_the_user_has_not_imported_it(
    fake: FakeIvsChat, client: Any, sockets: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    make_bucket(BUCKET)
    (config,), room = logged_room(client, DESTINATIONS["s3"])
    client.send_event(roomIdentifier=room, eventName="app:no-moto")
    with monkeypatch.context() as patch:
        patch.delitem(sys.modules, "moto.core.models")
        assert fake.flush_logs() == []
        assert "moto.core.models" not in sys.modules
    assert s3_objects(BUCKET) == {}
    assert sockets == []
    assert fake.flush_logs() == []  # moto visible again: the kept record is written now
    assert delivered("s3", room) == fake.log_records(config)

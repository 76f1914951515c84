"""Each chat-log record goes where its logging configuration pointed when the frame was sent,
whatever happens to the configuration before ``flush_logs()``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws
from moto_logs import (
    REGION,
    aws,
    create_stream,
    join,
    log_events,
    make_bucket,
    s3_objects,
    sink_batches,
    stream_of,
    text_of,
)

from fake_ivschat import FakeIvsChat


@pytest.fixture(autouse=True)
def moto_active() -> Iterator[None]:
    with mock_aws():
        yield


def s3_texts(bucket: str) -> list[str]:
    return [text_of(r) for records in s3_objects(bucket).values() for r in records]


def test_a_record_goes_where_the_configuration_pointed_when_it_was_sent(
    fake: FakeIvsChat, client: Any
) -> None:
    make_bucket("bucket-a")
    make_bucket("bucket-b")
    aws("logs").create_log_group(logGroupName="/chat/c")
    create_stream("stream-d", sink="stream-d-sink")
    destinations = [
        {"s3": {"bucketName": "bucket-a"}},
        {"s3": {"bucketName": "bucket-b"}},
        {"cloudWatchLogs": {"logGroupName": "/chat/c"}},
        {"firehose": {"deliveryStreamName": "stream-d"}},
    ]
    config = client.create_logging_configuration(destinationConfiguration=destinations[0])["arn"]
    room = client.create_room(loggingConfigurationIdentifiers=[config])["arn"]
    alice = join(fake, client, room, "alice")
    for n, destination in enumerate(destinations):
        client.update_logging_configuration(identifier=config, destinationConfiguration=destination)
        alice.send_message(f"to {n}")

    assert fake.flush_logs() == []
    assert s3_texts("bucket-a") == ["to 0"]
    assert s3_texts("bucket-b") == ["to 1"]
    events = log_events(stream_of(room), group="/chat/c")
    assert [text_of(json.loads(event["message"])) for event in events] == ["to 2"]
    assert [[text_of(r) for r in batch] for batch in sink_batches("stream-d-sink")] == [["to 3"]]
    # Where a record went does not change what it is.
    records = fake.log_records(config)
    assert [text_of(r) for r in records] == ["to 0", "to 1", "to 2", "to 3"]
    assert [list(r) for r in records] == [["event_timestamp", "type", "payload", "version"]] * 4
    assert [r["payload"] for r in records] == alice.received


def test_a_missing_earlier_destination_does_not_hold_back_the_current_one(
    fake: FakeIvsChat, client: Any
) -> None:
    make_bucket("bucket-b")
    config = client.create_logging_configuration(
        destinationConfiguration={"s3": {"bucketName": "bucket-a"}}
    )["arn"]
    room = client.create_room(loggingConfigurationIdentifiers=[config])["arn"]
    client.send_event(roomIdentifier=room, eventName="app:to-a")
    client.update_logging_configuration(
        identifier=config, destinationConfiguration={"s3": {"bucketName": "bucket-b"}}
    )
    client.send_event(roomIdentifier=room, eventName="app:to-b")

    (failure,) = fake.flush_logs()
    assert failure.logging_configuration_arn == config
    assert failure.destination == {"s3": {"bucketName": "bucket-a"}}
    assert failure.records == 1
    assert "NoSuchBucket" in failure.reason and "kept for the next flush_logs()" in failure.reason
    assert "'bucket-a'" in str(failure)
    assert s3_texts("bucket-b") == ["app:to-b"]

    make_bucket("bucket-a")
    assert fake.flush_logs() == []
    assert s3_texts("bucket-a") == ["app:to-a"]
    assert s3_texts("bucket-b") == ["app:to-b"]


@pytest.mark.parametrize("attached", [False, True], ids=["detached-then-deleted", "attached"])
def test_records_sent_before_their_configuration_is_deleted_are_still_delivered(
    attached: bool,
) -> None:
    make_bucket("bucket-a")
    fake = FakeIvsChat(conflict_on_attached_logging_delete=False)
    client = fake.client(REGION)
    config = client.create_logging_configuration(
        destinationConfiguration={"s3": {"bucketName": "bucket-a"}}
    )["arn"]
    room = client.create_room(loggingConfigurationIdentifiers=[config])["arn"]
    client.send_event(roomIdentifier=room, eventName="app:before-delete")
    if not attached:
        client.update_room(identifier=room, loggingConfigurationIdentifiers=[])
    client.delete_logging_configuration(identifier=config)
    client.send_event(roomIdentifier=room, eventName="app:after-delete")

    assert fake.flush_logs() == []
    assert s3_texts("bucket-a") == ["app:before-delete"]
    assert [text_of(r) for r in fake.log_records(config)] == ["app:before-delete"]
    assert fake.flush_logs() == []  # written once
    assert s3_texts("bucket-a") == ["app:before-delete"]

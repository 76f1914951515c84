"""Helpers the chat-log delivery tests share: destinations in moto and what they received."""

from __future__ import annotations

import functools
import gzip
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import boto3

from fake_ivschat import ChatConnection, FakeIvsChat

REGION = "us-west-2"
ACCOUNT = "123456789012"
BUCKET = "chat-archive"
GROUP = "/ivs/chat"
STREAM = "chat-stream"
SINK = "chat-stream-sink"  # the bucket the Firehose stream delivers to
DESTINATIONS: dict[str, dict[str, Any]] = {
    "s3": {"s3": {"bucketName": BUCKET}},
    "cloudWatchLogs": {"cloudWatchLogs": {"logGroupName": GROUP}},
    "firehose": {"firehose": {"deliveryStreamName": STREAM}},
}


@functools.cache
def aws(service: str) -> Any:
    """A client of moto's default account (one session for all tests: models load once)."""
    return session().client(service)


@functools.cache
def session() -> boto3.Session:
    return boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )


# ------------------------------------------------------------------ moto side


def make_bucket(name: str) -> None:
    aws("s3").create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})


def s3_objects(bucket: str) -> dict[str, list[dict[str, Any]]]:
    """Each object's key and its gzip-compressed newline-delimited JSON records."""
    s3 = aws("s3")
    objects = {}
    for entry in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        data = gzip.decompress(s3.get_object(Bucket=bucket, Key=entry["Key"])["Body"].read())
        text = data.decode()
        assert text.endswith("\n")
        objects[entry["Key"]] = [json.loads(line) for line in text.splitlines()]
    return objects


def sink_batches(sink: str = SINK) -> list[list[dict[str, Any]]]:
    """What a Firehose stream delivered: one S3 object per PutRecordBatch, records by line."""
    s3 = aws("s3")
    batches = []
    for entry in s3.list_objects_v2(Bucket=sink).get("Contents", []):
        text = s3.get_object(Bucket=sink, Key=entry["Key"])["Body"].read().decode()
        batches.append([json.loads(line) for line in text.splitlines()])
    return sorted(batches, key=len, reverse=True)


def log_events(stream: str, logs: Any = None, group: str = GROUP) -> list[dict[str, Any]]:
    logs = logs or aws("logs")
    return list(
        logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True)["events"]
    )


def create_stream(name: str = STREAM, sink: str = SINK) -> None:
    make_bucket(sink)
    aws("firehose").create_delivery_stream(
        DeliveryStreamName=name,
        ExtendedS3DestinationConfiguration={
            "RoleARN": f"arn:aws:iam::{ACCOUNT}:role/firehose",
            "BucketARN": f"arn:aws:s3:::{sink}",
        },
    )


CREATE: dict[str, Callable[[], None]] = {
    "s3": lambda: make_bucket(BUCKET),
    "cloudWatchLogs": lambda: aws("logs").create_log_group(logGroupName=GROUP),
    "firehose": create_stream,
}


def delivered(kind: str, room_arn: str) -> list[dict[str, Any]]:
    """Every record found at the ``kind`` destination of DESTINATIONS, in the order written."""
    if kind == "s3":
        return [record for records in s3_objects(BUCKET).values() for record in records]
    if kind == "cloudWatchLogs":
        return [json.loads(event["message"]) for event in log_events(stream_of(room_arn))]
    return [record for batch in sink_batches() for record in batch]


# ----------------------------------------------------------------- ivschat side


def room_id(arn: str) -> str:
    return arn.rpartition("/")[2]


def stream_of(room_arn: str) -> str:
    return f"aws/IVSChatLogs/1.0/room_{room_id(room_arn)}"


def logged_room(client: Any, *destinations: dict[str, Any], **room: Any) -> tuple[list[str], str]:
    configs = [
        client.create_logging_configuration(destinationConfiguration=d)["arn"] for d in destinations
    ]
    arn = client.create_room(loggingConfigurationIdentifiers=configs, **room)["arn"]
    return configs, arn


def join(fake: FakeIvsChat, client: Any, room_arn: str, user: str) -> ChatConnection:
    token = client.create_chat_token(
        roomIdentifier=room_arn, userId=user, capabilities=["SEND_MESSAGE"]
    )["token"]
    return fake.connect(token)


def by_id(records: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return sorted(records, key=lambda record: record["payload"]["Id"])


def text_of(record: Mapping[str, Any]) -> str:
    """A record's message content or event name."""
    payload = record["payload"]
    return str(payload.get("Content", payload.get("EventName")))

"""Tests of the chat backend against fake-ivschat: the backend's own boto3 client reaches the fake
(the ``fake_ivschat`` fixture routes every ivschat client), moto plays S3 and CloudWatch Logs."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator

import boto3
import pytest
from chat_backend import cleaner, moderation, review, rooms, tokens
from moto import mock_aws

from fake_ivschat import ChatConnection, FakeIvsChat

REGION = "us-west-2"
REVIEW_LAMBDA = f"arn:aws:lambda:{REGION}:123456789012:function:chat-review"


@pytest.fixture(autouse=True)
def settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """The backend's environment, as its deployment would set it."""
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("CHAT_SESSION_MINUTES", "90")
    for name in ("CHAT_LOG_BUCKET", "CHAT_LOG_GROUP", "REVIEW_LAMBDA_ARN"):
        monkeypatch.delenv(name, raising=False)


def join(fake: FakeIvsChat, minted: dict[str, str]) -> ChatConnection:
    """What the browser does with a minted token: connect to the room."""
    return fake.connect(minted["token"])


def test_viewer_and_moderator_tokens(fake_ivschat: FakeIvsChat) -> None:
    room = rooms.open_stream_room("s1")
    viewer = fake_ivschat.decode_token(tokens.viewer_token(room, "u1", "Ann")["token"])
    moderator = fake_ivschat.decode_token(tokens.moderator_token(room, "u2", "Mo")["token"])

    assert viewer.capabilities == ("SEND_MESSAGE",)
    assert set(moderator.capabilities) == {"SEND_MESSAGE", "DELETE_MESSAGE", "DISCONNECT_USER"}
    assert viewer.session_duration_minutes == 90
    assert viewer.attributes == {"displayName": "Ann", "role": "viewer"}
    fake_ivschat.assert_called("CreateRoom", tags={"app": "chat-backend", "stream": "s1"})


def test_a_viewer_may_chat_but_not_delete(fake_ivschat: FakeIvsChat) -> None:
    room = rooms.open_stream_room("s1")
    ann = join(fake_ivschat, tokens.viewer_token(room, "u1", "Ann"))
    said = ann.send_message("hi all")
    assert said["Sender"]["Attributes"]["displayName"] == "Ann"
    assert ann.delete_message(said["Id"])["ErrorCode"] == 403


def test_moderation_deletes_messages_and_bans_users(fake_ivschat: FakeIvsChat) -> None:
    room = rooms.open_stream_room("s1")
    troll = join(fake_ivschat, tokens.viewer_token(room, "u9", "Troll"))
    bad = troll.send_message("buy my course")

    moderation.remove_message(room, bad["Id"], reason="advertising")
    moderation.ban(room, "u9", reason="spam")

    fake_ivschat.assert_event("aws:DELETE_MESSAGE", room=room, attributes={"Reason": "advertising"})
    assert troll.closed and troll.close_reason == "DisconnectUser: spam"
    assert [f.get("EventName") for f in troll.received] == [
        None,
        "aws:DELETE_MESSAGE",
        "aws:DISCONNECT_USER",
    ]


def test_the_review_lambda_denies_links_and_trims_the_rest(
    fake_ivschat: FakeIvsChat, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REVIEW_LAMBDA_ARN", REVIEW_LAMBDA)
    # The Lambda as deployed, handler(event, context): the fake gives it a Lambda-like context.
    fake_ivschat.register_review_handler(REVIEW_LAMBDA, review.handler)
    room = rooms.open_stream_room("s1")
    ann = join(fake_ivschat, tokens.viewer_token(room, "u1", "Ann"))

    denied = ann.send_message("see www.example.com")
    assert (denied["Type"], denied["ErrorCode"]) == ("ERROR", 406)
    assert denied["ErrorMessage"].endswith("links are not allowed")
    assert ann.send_message("  great stream  ")["Content"] == "great stream"
    assert [m.content for m in fake_ivschat.messages(room)] == ["great stream"]


def test_the_cleaner_pages_through_every_room(fake_ivschat: FakeIvsChat) -> None:
    streams = {f"s{i}": rooms.open_stream_room(f"s{i}") for i in range(7)}
    not_ours = boto3.client("ivschat", region_name=REGION).create_room(name="other-team")["arn"]

    deleted = cleaner.delete_rooms_of_ended_streams({"s1", "s4"}, page_size=3)

    assert sorted(deleted) == sorted(arn for s, arn in streams.items() if s not in {"s1", "s4"})
    listed = fake_ivschat.get_calls("ListRooms")
    assert ["nextToken" in call.params for call in listed] == [False, True, True]
    left = boto3.client("ivschat", region_name=REGION).list_rooms()["rooms"]
    assert {r["arn"] for r in left} == {streams["s1"], streams["s4"], not_ours}


def test_a_streams_room_is_found_by_its_name_and_tags(fake_ivschat: FakeIvsChat) -> None:
    s1, s2 = rooms.open_stream_room("s1"), rooms.open_stream_room("s2")
    # Same name, another owner: not the stream's room.
    boto3.client("ivschat", region_name=REGION).create_room(name=rooms.room_name("s3"))

    assert (rooms.find_stream_room("s1"), rooms.find_stream_room("s2")) == (s1, s2)
    assert rooms.find_stream_room("s3") is None
    assert fake_ivschat.assert_called("ListRooms").params == {"name": "stream-s3", "maxResults": 50}


@pytest.fixture
def moto() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.mark.usefixtures("moto")
def test_chat_logs_reach_the_s3_bucket(
    fake_ivschat: FakeIvsChat, monkeypatch: pytest.MonkeyPatch
) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="chat-logs", CreateBucketConfiguration={"LocationConstraint": REGION})
    monkeypatch.setenv("CHAT_LOG_BUCKET", "chat-logs")
    room = rooms.open_stream_room("s1")
    join(fake_ivschat, tokens.viewer_token(room, "u1", "Ann")).send_message("logged")

    assert fake_ivschat.flush_logs() == []  # writes the records to moto's S3 now
    [entry] = s3.list_objects_v2(Bucket="chat-logs")["Contents"]
    body = gzip.decompress(s3.get_object(Bucket="chat-logs", Key=entry["Key"])["Body"].read())
    assert [json.loads(line)["payload"]["Content"] for line in body.splitlines()] == ["logged"]


@pytest.mark.usefixtures("moto")
def test_chat_logs_reach_cloudwatch_logs(
    fake_ivschat: FakeIvsChat, monkeypatch: pytest.MonkeyPatch
) -> None:
    logs = boto3.client("logs", region_name=REGION)
    logs.create_log_group(logGroupName="/chat")
    monkeypatch.setenv("CHAT_LOG_GROUP", "/chat")
    room = rooms.open_stream_room("s1")
    rooms.open_stream_room("s2")  # the second room reuses the logging configuration
    join(fake_ivschat, tokens.viewer_token(room, "u1", "Ann")).send_message("logged")

    assert fake_ivschat.flush_logs() == []
    stream = f"aws/IVSChatLogs/1.0/room_{room.rpartition('/')[2]}"
    events = logs.get_log_events(logGroupName="/chat", logStreamName=stream)["events"]
    assert [json.loads(e["message"])["payload"]["Content"] for e in events] == ["logged"]
    assert len(fake_ivschat.get_calls("CreateLoggingConfiguration")) == 1

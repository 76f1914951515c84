"""One bad chat-log record, or one request moto cannot answer, never keeps the other records
from their destinations, and is not retried forever."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from typing import Any

import pytest
from freezegun import freeze_time
from moto import mock_aws
from moto.s3.models import S3Backend
from moto_logs import (
    BUCKET,
    CREATE,
    DESTINATIONS,
    aws,
    by_id,
    delivered,
    join,
    logged_room,
    room_id,
    s3_objects,
    text_of,
)

from fake_ivschat import FakeIvsChat
from fake_ivschat._frozen import freeze
from fake_ivschat._service.chatlog_records import ChatLog

SURROGATE = "\ud800"  # half of a UTF-16 pair: a str Python holds, but no UTF-8 encodes


@pytest.fixture(autouse=True)
def moto_active() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture
def poison(monkeypatch: pytest.MonkeyPatch) -> None:
    """A MESSAGE with content ``POISON`` reaches the chat log with a lone surrogate instead.

    The Chat Messaging API refuses such text, so no public call makes this record any more; the
    patch is at the one seam every delivered frame passes on its way to the chat log."""
    add = ChatLog.add

    def add_poisoned(self: ChatLog, room: Any, frame: dict[str, Any], ns: int) -> None:
        if frame.get("Content") == "POISON":
            frame = freeze({**frame, "Content": SURROGATE})
        add(self, room, frame, ns)

    monkeypatch.setattr(ChatLog, "add", add_poisoned)


@pytest.mark.usefixtures("poison")
def test_a_record_utf8_cannot_encode_is_written_escaped_and_blocks_nothing(
    fake: FakeIvsChat, client: Any
) -> None:
    # One clock hour: one S3 object per room and hour.
    with freeze_time("2024-05-01T12:00:00Z"):
        for create in CREATE.values():
            create()
        configs, room = logged_room(client, *DESTINATIONS.values())
        alice = join(fake, client, room, "alice")
        for text in ("café", "POISON", "after"):
            alice.send_message(text)
        records = fake.log_records(configs[0])
        assert [r["payload"]["Content"] for r in records] == ["café", SURROGATE, "after"]

        assert fake.flush_logs() == []
        for kind, config in zip(DESTINATIONS, configs, strict=True):
            written = delivered(kind, room)  # each line parsed as JSON from UTF-8
            assert by_id(written) == by_id(fake.log_records(config)), kind
        # Only the bad record is escaped; the others keep their text as it is (UTF-8).
        (raw,) = (
            gzip.decompress(aws("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read()).decode()
            for key in s3_objects(BUCKET)
        )
        assert [json.loads(line)["payload"]["Content"] for line in raw.splitlines()] == [
            "café",
            SURROGATE,
            "after",
        ]
        assert '"Content":"\\ud800"' in raw.splitlines()[1]
        assert raw.splitlines()[0] == json.dumps(
            records[0], ensure_ascii=False, separators=(",", ":")
        )

        alice.send_message("later")
        assert fake.flush_logs() == []  # nothing left over, nothing written twice
        for kind in DESTINATIONS:
            assert sorted(text_of(r) for r in delivered(kind, room)) == sorted(
                ["café", SURROGATE, "after", "later"]
            ), kind


def test_records_moto_fails_to_write_are_reported_once_and_hold_back_nothing(
    fake: FakeIvsChat, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One clock hour: one S3 object per room and hour.
    with freeze_time("2024-05-01T12:00:00Z"):
        CREATE["s3"]()
        (config,), bad = logged_room(client, DESTINATIONS["s3"])
        good = client.create_room(loggingConfigurationIdentifiers=[config])["arn"]
        put_object = S3Backend.put_object

        def choke(self: Any, bucket_name: str, key_name: str, *args: Any, **kwargs: Any) -> Any:
            if f"room_{room_id(bad)}/" in key_name:
                raise ValueError("moto choked")
            return put_object(self, bucket_name, key_name, *args, **kwargs)

        monkeypatch.setattr(S3Backend, "put_object", choke)
        for room in (bad, good, bad):
            client.send_event(roomIdentifier=room, eventName=f"app:{room_id(room)}")

        (failure,) = fake.flush_logs()
        assert (failure.logging_configuration_arn, failure.records) == (config, 2)
        assert failure.destination == DESTINATIONS["s3"]
        assert failure.reason == "writing them raised ValueError('moto choked') (not retried)"
        assert [text_of(r) for r in delivered("s3", good)] == [f"app:{room_id(good)}"]

        client.send_event(roomIdentifier=good, eventName="app:later")
        assert fake.flush_logs() == []  # the bad room's records are not tried again
        assert sorted(text_of(r) for r in delivered("s3", good)) == [
            f"app:{room_id(good)}",
            "app:later",
        ]
        assert len(fake.log_records(config)) == 4

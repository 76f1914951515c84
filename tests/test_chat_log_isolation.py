"""One request moto cannot answer never keeps the other records from their destinations, and
is not retried forever."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from freezegun import freeze_time
from moto import mock_aws
from moto.s3.models import S3Backend
from moto_logs import (
    CREATE,
    DESTINATIONS,
    delivered,
    logged_room,
    room_id,
    text_of,
)

from fake_ivschat import FakeIvsChat


@pytest.fixture(autouse=True)
def moto_active() -> Iterator[None]:
    with mock_aws():
        yield


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

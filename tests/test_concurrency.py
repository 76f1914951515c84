"""Several threads, each with its own client, on one fake: nothing is lost or duplicated."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import freezegun
from botocore.exceptions import ClientError
from helpers import NO_RETRY

from fake_ivschat import FakeIvsChat

REGION = "us-west-2"
THREADS = 8
PER_THREAD = 50


def run_together(work: Any, clients: list[Any]) -> list[Any]:
    """Run ``work(index, client)`` on every client at once, released by one barrier."""
    barrier = threading.Barrier(len(clients))

    def start(index: int) -> Any:
        barrier.wait()
        return work(index, clients[index])

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        return list(pool.map(start, range(len(clients))))


def test_rooms_and_events_from_eight_threads(fake: FakeIvsChat) -> None:
    # 400 SendEvent calls may land in one second: lift the 100/s API rate for this test.
    fake.quotas.api_rates["SendEvent"] = 10_000
    clients = [fake.client(region_name=REGION) for _ in range(THREADS)]

    def work(index: int, client: Any) -> list[tuple[str, str]]:
        made = []
        for i in range(PER_THREAD):
            arn = client.create_room(name=f"t{index}-{i}")["arn"]
            event_id = client.send_event(roomIdentifier=arn, eventName=f"e{index}")["id"]
            made.append((arn, event_id))
        return made

    made = [pair for result in run_together(work, clients) for pair in result]
    total = THREADS * PER_THREAD
    room_arns = {arn for arn, _ in made}
    event_ids = {event_id for _, event_id in made}
    assert len(room_arns) == len(event_ids) == total

    listed: list[str] = []
    token = None
    while True:
        page = clients[0].list_rooms(nextToken=token) if token else clients[0].list_rooms()
        listed += [room["arn"] for room in page["rooms"]]
        token = page.get("nextToken")
        if token is None:
            break
    assert sorted(listed) == sorted(room_arns)

    assert len(fake.get_calls("CreateRoom")) == total
    assert len(fake.get_calls("SendEvent")) == total
    assert all(call.error is None for call in fake.calls)
    events = fake.events()
    assert {event.id for event in events} == event_ids
    assert {(event.room_arn, event.id) for event in events} == set(made)
    for index in range(THREADS):
        assert len(fake.events(name=f"e{index}")) == PER_THREAD


def test_request_ids_stay_unique_across_threads(fake: FakeIvsChat) -> None:
    clients = [fake.client(region_name=REGION) for _ in range(THREADS)]

    def work(index: int, client: Any) -> list[str]:
        return [
            client.list_rooms()["ResponseMetadata"]["RequestId"] for _ in range(PER_THREAD // 2)
        ]

    ids = [rid for result in run_together(work, clients) for rid in result]
    assert len(set(ids)) == len(ids) == THREADS * PER_THREAD // 2


def test_rate_limit_is_exact_under_contention(fake: FakeIvsChat) -> None:
    clients = [fake.client(region_name=REGION, config=NO_RETRY) for _ in range(THREADS)]
    arn = clients[0].create_room()["arn"]

    def work(index: int, client: Any) -> tuple[int, int]:
        sent = throttled = 0
        for _ in range(20):
            try:
                client.send_event(roomIdentifier=arn, eventName="burst")
                sent += 1
            except ClientError as error:
                assert error.response["Error"]["Code"] == "ThrottlingException"
                throttled += 1
        return sent, throttled

    with freezegun.freeze_time("2024-05-01T12:00:00Z"):
        results = run_together(work, clients)
    assert sum(sent for sent, _ in results) == 100
    assert sum(throttled for _, throttled in results) == THREADS * 20 - 100
    assert len(fake.events(arn)) == 100

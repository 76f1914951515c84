"""Benchmarks side by side, in one process, interleaved: ``python -m benchmarks``.

Every figure is a median over rounds; each round runs every case once, in turn, so that machine
noise hits all of them alike. Ratios (not absolute times) are checked against the targets, and the
exit status is 1 when one is missed.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass
from typing import Any, Callable

os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")

import boto3
import time_machine
from botocore.awsrequest import AWSResponse
from botocore.stub import Stubber
from moto import mock_aws

from fake_ivschat import FakeIvsChat, Quotas, mock_ivschat

REGION = "us-west-2"
CREDENTIALS = {"aws_access_key_id": "BENCHMARK", "aws_secret_access_key": "benchmark-secret"}

Op = Callable[[], Any]


@dataclass
class Case:
    name: str
    make: Callable[[], Op]  # builds fresh state, returns the operation to time
    calls: int  # operations timed per round


# ------------------------------------------------------------------------------ the floor


class _Canned:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> list[bytes]:
        return [self._data]


# ------------------------------------------------------------------------------------ cases


def fake_with_rooms(count: int) -> tuple[FakeIvsChat, Any, list[str]]:
    fake = FakeIvsChat(quotas=Quotas(api_rates={}))  # unthrottled: the loop runs > 100 calls/s
    client = fake.client(region_name=REGION)
    arns = [client.create_room(name=f"room-{i}")["arn"] for i in range(count)]
    return fake, client, arns


def cases() -> list[Case]:
    def floor_get_room() -> Op:
        _, client, arns = fake_with_rooms(1)
        floor = _floor({"GetRoom": _wire_body(client, lambda: client.get_room(identifier=arns[0]))})
        return lambda: floor.get_room(identifier=arns[0])

    def floor_send_event() -> Op:
        _, client, arns = fake_with_rooms(1)
        body = _wire_body(client, lambda: client.send_event(roomIdentifier=arns[0], eventName="e"))
        floor = _floor({"SendEvent": body})
        return lambda: floor.send_event(roomIdentifier=arns[0], eventName="app:tick")

    def floor_list_rooms() -> Op:
        _, client, _ = fake_with_rooms(50)
        floor = _floor({"ListRooms": _wire_body(client, lambda: client.list_rooms(maxResults=50))})
        return lambda: floor.list_rooms(maxResults=50)

    def fake_get_room() -> Op:
        _, client, arns = fake_with_rooms(1)
        return lambda: client.get_room(identifier=arns[0])

    def fake_create_room() -> Op:
        _, client, _ = fake_with_rooms(0)
        return lambda: client.create_room(name="lobby")

    def fake_list_rooms() -> Op:
        _, client, _ = fake_with_rooms(50)
        return lambda: client.list_rooms(maxResults=50)

    def fake_send_event() -> Op:
        _, client, arns = fake_with_rooms(1)
        return lambda: client.send_event(roomIdentifier=arns[0], eventName="app:tick")

    def fake_create_chat_token() -> Op:
        _, client, arns = fake_with_rooms(1)
        return lambda: client.create_chat_token(
            roomIdentifier=arns[0], userId="alice", capabilities=["SEND_MESSAGE"]
        )

    def stubber_get_room() -> Op:
        _, client, arns = fake_with_rooms(1)
        body = client.get_room(identifier=arns[0])
        body.pop("ResponseMetadata")
        plain = boto3.session.Session().client("ivschat", region_name=REGION, **CREDENTIALS)
        stubber = Stubber(plain)
        stubber.activate()

        def call() -> Any:
            stubber.add_response("get_room", body)
            return plain.get_room(identifier=arns[0])

        return call

    return [
        Case("floor get_room", floor_get_room, 300),
        Case("fake get_room", fake_get_room, 300),
        Case("floor send_event", floor_send_event, 300),
        Case("fake send_event", fake_send_event, 300),
        Case("fake create_room", fake_create_room, 300),
        Case("floor list_rooms (50)", floor_list_rooms, 100),
        Case("fake list_rooms (50)", fake_list_rooms, 100),
        Case("fake create_chat_token", fake_create_chat_token, 300),
        Case("moto ivs create_channel", _moto(lambda c: lambda: c.create_channel(name="x")), 100),
        Case("moto ivs get_channel", _moto(_moto_get), 100),
        Case("moto ivs list_channels (50)", _moto(_moto_list), 50),
        Case("stubber get_room", stubber_get_room, 300),
        Case("per test: fake", lambda: _per_test_fake, 30),
        Case("per test: moto", lambda: _per_test_moto, 10),
    ]


def _wire_body(client: Any, call: Op) -> bytes:
    """The exact response bytes the fake sends for ``call``."""
    seen: list[bytes] = []

    def grab(response_dict: dict[str, Any], **_: Any) -> None:
        seen.append(response_dict["body"])

    client.meta.events.register("before-parse.ivschat", grab, unique_id="benchmark-grab")
    call()
    client.meta.events.unregister("before-parse.ivschat", unique_id="benchmark-grab")
    return seen[-1]


def _floor(bodies: dict[str, bytes]) -> Any:
    """A client made exactly like the fake's (same credentials, signing and retries), whose
    transport answers with the fake's own bytes, canned: botocore's cost alone."""
    fake = FakeIvsChat()
    client = fake.client(region_name=REGION)
    fake.detach(client)  # back to a plain botocore client; the canned handler answers instead

    def canned(request: Any, event_name: str, **_: Any) -> AWSResponse:
        data = bodies[event_name.rpartition(".")[2]]
        headers = {"Content-Type": "application/json", "x-amzn-RequestId": "canned"}
        return AWSResponse(request.url, 200, headers, _Canned(data))

    client.meta.events.register_first(
        f"before-send.{client.meta.service_model.service_name}", canned
    )
    return client


_MOTO_STACK: list[Any] = []


def _stop_moto() -> None:
    while _MOTO_STACK:
        _MOTO_STACK.pop().stop()


def _moto(make_op: Callable[[Any], Op]) -> Callable[[], Op]:
    def make() -> Op:
        _stop_moto()  # one moto mock at a time
        mock = mock_aws()
        mock.start()
        _MOTO_STACK.append(mock)
        client = boto3.session.Session().client("ivs", region_name=REGION, **CREDENTIALS)
        return make_op(client)

    return make


def _moto_get(client: Any) -> Op:
    arn = client.create_channel(name="x")["channel"]["arn"]
    return lambda: client.get_channel(arn=arn)


def _moto_list(client: Any) -> Op:
    for i in range(50):
        client.create_channel(name=f"c{i}")
    return lambda: client.list_channels(maxResults=50)


def _per_test_fake() -> Any:
    with mock_ivschat():
        return boto3.client("ivschat", region_name=REGION).create_room(name="lobby")


def _per_test_moto() -> Any:
    with mock_aws():
        return boto3.client("ivs", region_name=REGION).create_channel(name="lobby")


# ---------------------------------------------------------------------------------- scale


def pagination_pages(rooms: int, page_size: int) -> list[float]:
    """Seconds per page of one full manual pagination, in page order."""
    _, client, _ = fake_with_rooms(0)
    for i in range(rooms):
        client.create_room(name=f"r{i}")
    times: list[float] = []
    token = None
    seen = 0
    while True:
        kwargs: dict[str, Any] = {"maxResults": page_size}
        if token:
            kwargs["nextToken"] = token
        start = time.perf_counter()
        answer = client.list_rooms(**kwargs)
        times.append(time.perf_counter() - start)
        seen += len(answer["rooms"])
        token = answer.get("nextToken")
        if not token:
            break
    assert seen == rooms, (seen, rooms)
    return times


def fanout(connections: int, messages: int) -> float:
    """Frames delivered per second: ``messages`` sent in a room of ``connections``."""
    fake = FakeIvsChat()
    client = fake.client(region_name=REGION)
    arn = client.create_room(maximumMessageRatePerSecond=100)["arn"]
    peers = []
    for i in range(connections):
        token = client.create_chat_token(
            roomIdentifier=arn, userId=f"user-{i}", capabilities=["SEND_MESSAGE"]
        )["token"]
        peers.append(fake.connect(token))
    sender = peers[0]
    # The room accepts 100 messages a second: a travelling clock moves one second per 100.
    with time_machine.travel(time.time(), tick=False) as traveller:
        start = time.perf_counter()
        for i in range(messages):
            if i and i % 100 == 0:
                traveller.shift(1)
            frame = sender.send_message(f"message {i}")
            assert frame["Type"] == "MESSAGE", frame
        elapsed = time.perf_counter() - start
    assert all(len(peer.received) == messages for peer in peers)
    return connections * messages / elapsed


# --------------------------------------------------------------------------------- report


Check = tuple[str, float, str, float]  # (name, value, "<=" or ">=", target)


def medians(rounds: int) -> dict[str, float]:
    """Seconds per call of every case, median over ``rounds`` interleaved rounds."""
    table = cases()
    samples: dict[str, list[float]] = {case.name: [] for case in table}
    for round_number in range(rounds):
        # Alternate the order every round, so that drift (heat, caches) favours no case.
        for case in table if round_number % 2 == 0 else reversed(table):
            if not case.name.startswith("moto"):
                _stop_moto()  # moto patches botocore process-wide: nothing else runs under it
            op = case.make()
            op()  # warm: first-call caches belong to setup, not to the figure
            gc.collect()  # every case starts with no garbage left by the one before
            start = time.perf_counter()
            for _ in range(case.calls):
                op()
            samples[case.name].append((time.perf_counter() - start) / case.calls)
        _stop_moto()
    return {name: statistics.median(values) for name, values in samples.items()}


def checks(median: dict[str, float]) -> tuple[list[Check], list[tuple[str, float]]]:
    """The targets with their measured values, and the bounds (no target) beside them."""
    pages = [pagination_pages(10_000, 50) for _ in range(3)]
    per_page = [statistics.median(column) for column in zip(*pages)]
    first, last = sum(per_page[:20]), sum(per_page[-20:])
    frames_per_second = statistics.median(fanout(100, 1000) for _ in range(3))

    def ratio(a: str, b: str) -> float:
        return median[a] / median[b]

    targets: list[Check] = [
        ("fake/floor get_room", ratio("fake get_room", "floor get_room"), "<=", 1.25),
        ("fake/floor send_event", ratio("fake send_event", "floor send_event"), "<=", 1.25),
        ("fake/moto create", ratio("fake create_room", "moto ivs create_channel"), "<=", 0.7),
        ("fake/moto get", ratio("fake get_room", "moto ivs get_channel"), "<=", 0.7),
        (
            "fake/moto list (50)",
            ratio("fake list_rooms (50)", "moto ivs list_channels (50)"),
            "<=",
            0.7,
        ),
        ("moto/fake per test", ratio("per test: moto", "per test: fake"), ">=", 10.0),
        ("last 20 / first 20 pages", last / first, "<=", 1.5),
        ("fanout frames/s", frames_per_second, ">=", 200_000.0),
    ]
    # No target: how close to moto a fake with no logic at all (the floor) can get, and the
    # fake's own share of a list call. They bound what the fake/moto targets can reach.
    bounds = [
        ("floor/moto get", ratio("floor get_room", "moto ivs get_channel")),
        ("floor/moto list (50)", ratio("floor list_rooms (50)", "moto ivs list_channels (50)")),
        ("fake/floor list (50)", ratio("fake list_rooms (50)", "floor list_rooms (50)")),
    ]
    return targets, bounds


def report(
    rounds: int, median: dict[str, float], targets: list[Check], bounds: list[tuple[str, float]]
) -> int:
    """Print the tables; 1 when a target is missed."""
    print(
        f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores;"
        f" {rounds} rounds, medians"
    )
    print()
    print("| case | median µs/call |")
    print("|---|---:|")
    for name, value in median.items():
        print(f"| {name} | {value * 1e6:,.1f} |")
    print()
    print("| check | value | target | |")
    print("|---|---:|---:|---|")
    missed = 0
    for name, value, relation, target in targets:
        ok = value <= target if relation == "<=" else value >= target
        missed += not ok
        shown = f"{value:,.0f}" if value >= 1000 else f"{value:.2f}"
        print(f"| {name} | {shown} | {relation} {target:g} | {'ok' if ok else 'MISSED'} |")
    for name, value in bounds:
        print(f"| {name} | {value:.2f} | (bound) | |")
    return 1 if missed else 0


def run(rounds: int) -> int:
    median = medians(rounds)
    targets, bounds = checks(median)
    return report(rounds, median, targets, bounds)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    sys.exit(run(args.rounds))


if __name__ == "__main__":
    main()

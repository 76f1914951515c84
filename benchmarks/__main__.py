"""Benchmarks side by side, in one process, interleaved: ``python -m benchmarks``.

Every figure is a median over rounds; each round runs every case once, in turn, so that machine
noise hits all of them alike. Ratios (not absolute times) are checked against the targets, and the
exit status is 1 when one is missed. pytest's start, in fresh processes and far noisier, is a mean
over pairs of runs with its 95% interval, missed only when the whole interval is.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import math
import os
import platform
import statistics
import sys
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")

import boto3
import time_machine
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.stub import Stubber
from moto import mock_aws
from moto.server import ThreadedMotoServer
from websockets.sync.client import ClientConnection, connect
from websockets.sync.server import ServerConnection
from websockets.sync.server import serve as ws_serve
from websockets.typing import Subprotocol

from fake_ivschat import FakeIvsChat, Quotas, mock_ivschat

from .startup import pytest_startup

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


# Each in-process call: (rooms made beforehand, the call on a client given those rooms' ARNs,
# calls timed per round). Each is timed on the fake and on its own floor.
Call = Callable[[Any, "list[str]"], Any]
CALLS: dict[str, tuple[int, Call, int]] = {
    "get_room": (1, lambda c, arns: c.get_room(identifier=arns[0]), 300),
    "send_event": (1, lambda c, arns: c.send_event(roomIdentifier=arns[0], eventName="app:e"), 300),
    "create_room": (0, lambda c, _: c.create_room(name="lobby"), 300),
    "create_chat_token": (
        1,
        lambda c, arns: c.create_chat_token(
            roomIdentifier=arns[0], userId="alice", capabilities=["SEND_MESSAGE"]
        ),
        300,
    ),
    "list_rooms (50)": (50, lambda c, _: c.list_rooms(maxResults=50), 100),
}


def _faked(rooms: int, call: Call) -> Callable[[], Op]:
    def make() -> Op:
        _, client, arns = fake_with_rooms(rooms)
        return lambda: call(client, arns)

    return make


def _floored(rooms: int, call: Call) -> Callable[[], Op]:
    def make() -> Op:
        _, client, arns = fake_with_rooms(rooms)
        floor = _floor(_wire_body(client, lambda: call(client, arns)))
        return lambda: call(floor, arns)

    return make


def cases() -> list[Case]:
    """Every case timed per call, in the order they run (reversed every other round)."""
    table: list[Case] = []
    for name, (rooms, call, calls) in CALLS.items():
        table.append(Case(f"floor {name}", _floored(rooms, call), calls))
        table.append(Case(f"fake {name}", _faked(rooms, call), calls))
    return [
        *table,
        Case("moto ivs get_channel", _moto(_moto_get), 100),
        Case("moto ivs list_channels (50)", _moto(_moto_list), 50),
        Case("stubber get_room", _stubber_get_room, 300),
        Case("http fake get_room", _http_fake_get_room, 200),
        Case("http moto get_channel", _http_moto_get_channel, 100),
        # About a second of each per round (a fake test takes ~4 ms, a moto one ~110 ms), so
        # that a pause of the VM weighs alike on both, and both pay the full garbage collections
        # their tests cause, as in a suite (30 fake tests in a row rarely caused one).
        Case("per test: fake", lambda: _per_test_fake, 250),
        Case("per test: moto", lambda: _per_test_moto, 10),
    ]


def _stubber_get_room() -> Op:
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


def _wire_body(client: Any, call: Op) -> bytes:
    """The exact response bytes the fake sends for ``call``."""
    seen: list[bytes] = []

    def grab(response_dict: dict[str, Any], **_: Any) -> None:
        seen.append(response_dict["body"])

    client.meta.events.register("before-parse.ivschat", grab, unique_id="benchmark-grab")
    call()
    client.meta.events.unregister("before-parse.ivschat", unique_id="benchmark-grab")
    return seen[-1]


def _floor(body: bytes) -> Any:
    """A client made exactly like the fake's (same credentials, signing and retries), whose
    transport answers every call with ``body`` (the fake's own bytes), canned: botocore's cost
    alone."""
    fake = FakeIvsChat()
    client = fake.client(region_name=REGION)
    fake.detach(client)  # back to a plain botocore client; the canned handler answers instead

    def canned(request: Any, **_: Any) -> AWSResponse:
        headers = {"Content-Type": "application/json", "x-amzn-RequestId": "canned"}
        return AWSResponse(request.url, 200, headers, _Canned(body))

    client.meta.events.register_first(
        f"before-send.{client.meta.service_model.service_name}", canned
    )
    return client


# What the case being timed left open (a moto mock, servers): closed before the next case.
_OPEN: list[Callable[[], None]] = []


def _close_open() -> None:
    while _OPEN:
        _OPEN.pop()()


def _moto(make_op: Callable[[Any], Op]) -> Callable[[], Op]:
    def make() -> Op:
        mock = mock_aws()
        mock.start()
        _OPEN.append(mock.stop)
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


# ---------------------------------------------------------------------------- over HTTP

_HTTP_CONFIG = Config(retries={"mode": "standard", "max_attempts": 1})


def _http_client(service: str, endpoint_url: str) -> Any:
    """A plain boto3 client of ``endpoint_url``: the same for the fake and for moto's server."""
    session = boto3.session.Session()
    return session.client(
        service, region_name=REGION, endpoint_url=endpoint_url, config=_HTTP_CONFIG, **CREDENTIALS
    )


def _http_fake_get_room() -> Op:
    fake, _, arns = fake_with_rooms(1)
    server = fake.serve()
    _OPEN.append(server.close)
    client = _http_client("ivschat", server.endpoint_url)
    return lambda: client.get_room(identifier=arns[0])


def _http_moto_get_channel() -> Op:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request on stderr
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    _OPEN.append(server.stop)
    host, port = server.get_host_and_port()
    return _moto_get(_http_client("ivs", f"http://{host}:{port}"))


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
    gc.collect()  # what making the rooms left is collected now, not during some page
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


# ---------------------------------------------------------------------------- WebSocket

_RECV_TIMEOUT = 30.0


def _drain(sockets: list[ClientConnection], count: int) -> Callable[[], list[str]]:
    """Start reading ``count`` frames on every socket; the returned function waits for all of
    them and gives the first socket's frames."""
    got: list[list[str]] = [[] for _ in sockets]

    def read(ws: ClientConnection, into: list[str]) -> None:
        for _ in range(count):
            into.append(str(ws.recv(timeout=_RECV_TIMEOUT)))

    threads = [threading.Thread(target=read, args=pair) for pair in zip(sockets, got, strict=True)]
    for thread in threads:
        thread.start()

    def wait() -> list[str]:
        for thread in threads:
            thread.join()
        assert all(len(frames) == count for frames in got), [len(f) for f in got]
        return got[0]

    return wait


def ws_fanout_fake(connections: int, messages: int) -> tuple[float, list[str]]:
    """Frames per second to ``connections`` sockets of one room of ``fake.serve()`` (an
    in-process connection sends ``messages``), and the frames the first socket got."""
    fake = FakeIvsChat()
    client = fake.client(region_name=REGION)
    arn = client.create_room(maximumMessageRatePerSecond=100)["arn"]

    def token(user: str) -> str:
        answer = client.create_chat_token(
            roomIdentifier=arn, userId=user, capabilities=["SEND_MESSAGE"]
        )
        return str(answer["token"])

    sender = fake.connect(token("sender"))
    with fake.serve() as server, ExitStack() as opened:
        sockets = [
            opened.enter_context(
                connect(server.chat_url, subprotocols=[Subprotocol(token(f"u{i}"))])
            )
            for i in range(connections)
        ]
        wait = _drain(sockets, messages)
        with time_machine.travel(time.time(), tick=False) as traveller:
            start = time.perf_counter()
            for i in range(messages):
                if i and i % 100 == 0:  # the room accepts 100 messages a second
                    traveller.shift(1)
                sender.send_message(f"message {i}")
            frames = wait()
            elapsed = time.perf_counter() - start
    return connections * len(frames) / elapsed, frames


def ws_fanout_bare(connections: int, frames: list[str]) -> float:
    """Frames per second of a bare ``websockets`` server sending each of ``frames`` to each of
    ``connections`` sockets, from one thread: the library's own limit."""
    peers: list[ServerConnection] = []
    done = threading.Event()

    def handler(ws: ServerConnection) -> None:
        peers.append(ws)
        done.wait()

    with ws_serve(handler, "127.0.0.1", 0, compression=None) as server, ExitStack() as opened:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"ws://127.0.0.1:{server.socket.getsockname()[1]}"
        sockets = [opened.enter_context(connect(url, compression=None)) for _ in range(connections)]
        while len(peers) < connections:
            time.sleep(0.001)
        wait = _drain(sockets, len(frames))
        start = time.perf_counter()
        for frame in frames:
            for peer in peers:
                peer.send(frame)
        wait()
        elapsed = time.perf_counter() - start
        done.set()
        opened.close()
        server.shutdown()
    return connections * len(frames) / elapsed


def connect_seconds() -> float:
    """From ``fake.serve()`` to the first frame a ``websockets`` client receives (the echo of
    its own message)."""
    fake = FakeIvsChat()
    client = fake.client(region_name=REGION)
    arn = client.create_room()["arn"]
    token = client.create_chat_token(
        roomIdentifier=arn, userId="alice", capabilities=["SEND_MESSAGE"]
    )["token"]
    message = json.dumps({"Action": "SEND_MESSAGE", "RequestId": "r1", "Content": "hi"})
    start = time.perf_counter()
    with fake.serve() as server, connect(server.chat_url, subprotocols=[Subprotocol(token)]) as ws:
        ws.send(message)
        ws.recv(timeout=_RECV_TIMEOUT)
        elapsed = time.perf_counter() - start
    return elapsed


def serving(rounds: int) -> dict[str, float]:
    """Fan-out over WebSocket (fake and bare, alternating) and connect time: medians."""
    _, frames = ws_fanout_fake(100, 200)  # warm, and the frames the bare server sends
    fake: list[float] = []
    bare: list[float] = []
    for round_number in range(rounds):
        order = [0, 1] if round_number % 2 == 0 else [1, 0]
        for which in order:
            if which == 0:
                fake.append(ws_fanout_fake(100, 200)[0])
            else:
                bare.append(ws_fanout_bare(100, frames))
    connects = [connect_seconds() for _ in range(max(rounds, 5))]
    return {
        "ws fanout fake": statistics.median(fake),
        "ws fanout bare": statistics.median(bare),
        "connect": statistics.median(connects),
    }


# --------------------------------------------------------------------------------- report


# (name, value, "<=" or ">=", target, the value's 95% interval when it has one)
Check = tuple[str, float, str, float, "tuple[float, float] | None"]


def interval(ratios: list[float]) -> tuple[float, tuple[float, float]]:
    """The geometric mean of ``ratios`` and its 95% interval (Student's t on their logarithms).
    The mean, not the median: pairs run in alternating order, and the run that comes second is
    often slower, so the ratios fall in two clusters whose median jumps between them."""
    logs = [math.log(ratio) for ratio in ratios]
    mean = statistics.fmean(logs)
    half = _T_975[len(logs) - 1] * statistics.stdev(logs) / math.sqrt(len(logs))
    return math.exp(mean), (math.exp(mean - half), math.exp(mean + half))


_T_975 = {19: 2.093}  # Student's t, 97.5th percentile, by degrees of freedom
STARTUP_PAIRS = 20


def medians(rounds: int) -> dict[str, float]:
    """Seconds per call of every case, median over ``rounds`` interleaved rounds."""
    table = cases()
    samples: dict[str, list[float]] = {case.name: [] for case in table}
    for round_number in range(rounds):
        # Alternate the order every round, so that drift (heat, caches) favours no case.
        for case in table if round_number % 2 == 0 else reversed(table):
            _close_open()  # moto patches botocore process-wide: nothing else runs under it
            op = case.make()
            op()  # warm: first-call caches belong to setup, not to the figure
            gc.collect()  # every case starts with no garbage left by the one before
            start = time.perf_counter()
            for _ in range(case.calls):
                op()
            samples[case.name].append((time.perf_counter() - start) / case.calls)
        _close_open()
    return {name: statistics.median(values) for name, values in samples.items()}


def scale() -> dict[str, float]:
    """In-process scale: late pages against early ones, frames delivered per second."""
    pages = [pagination_pages(10_000, 50) for _ in range(3)]
    per_page = [statistics.median(column) for column in zip(*pages, strict=True)]
    return {
        "pages": sum(per_page[-20:]) / sum(per_page[:20]),
        "fanout": statistics.median(fanout(100, 1000) for _ in range(3)),
    }


# Per call, the fake's 10-20 µs ride on a botocore call of 300-900 µs: a user never feels them,
# but would feel a regression that doubles them. 1.30 catches that; machine noise (a ratio moves
# by up to 0.1 between runs on a busy 2-core VM) does not flip the verdict.
PER_CALL = 1.30


def checks(
    median: dict[str, float], served: dict[str, float]
) -> tuple[list[Check], list[tuple[str, float]]]:
    """The targets with their measured values, and the bounds (no target) beside them."""
    scaled = scale()
    with_plugin, startup_ratios = pytest_startup(pairs=STARTUP_PAIRS)
    startup, startup_interval = interval(startup_ratios)

    def ratio(a: str, b: str) -> float:
        return median[a] / median[b]

    targets: list[Check] = [
        (f"fake/floor {name}", ratio(f"fake {name}", f"floor {name}"), "<=", PER_CALL, None)
        for name in CALLS
    ]
    targets += [
        ("pytest start with/without the plugin", startup, "<=", 1.03, startup_interval),
        ("moto/fake per test", ratio("per test: moto", "per test: fake"), ">=", 25.0, None),
        (
            "http fake/moto requests/s",
            ratio("http moto get_channel", "http fake get_room"),
            ">=",
            2,
            None,
        ),
        (
            "ws fanout fake/bare frames/s",
            served["ws fanout fake"] / served["ws fanout bare"],
            ">=",
            0.7,
            None,
        ),
        ("last 20 / first 20 pages", scaled["pages"], "<=", 1.5, None),
        ("fanout frames/s (in process)", scaled["fanout"], ">=", 200_000.0, None),
    ]
    # No target: how close to moto a fake with no logic at all (the floor) can get in process,
    # and the figures reported as they are.
    bounds = [
        ("floor/moto get", ratio("floor get_room", "moto ivs get_channel")),
        ("floor/moto list (50)", ratio("floor list_rooms (50)", "moto ivs list_channels (50)")),
        ("ws fanout fake frames/s", served["ws fanout fake"]),
        ("ws fanout bare frames/s", served["ws fanout bare"]),
        ("connect: serve() to first frame (ms)", served["connect"] * 1e3),
        ("pytest start with the plugin (ms)", with_plugin * 1e3),
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
    for name, value, relation, target, bounds95 in targets:
        # With an interval, a target is missed only when all of it lies beyond: the value
        # alone would flip with this run's noise.
        low, high = bounds95 or (value, value)
        ok = low <= target if relation == "<=" else high >= target
        missed += not ok
        shown = f"{value:,.0f}" if value >= 1000 else f"{value:.2f}"
        if bounds95:
            shown += f" [{low:.2f}, {high:.2f}]"
        print(f"| {name} | {shown} | {relation} {target:g} | {'ok' if ok else 'MISSED'} |")
    for name, value in bounds:
        shown = f"{value:,.0f}" if value >= 1000 else f"{value:.2f}"
        print(f"| {name} | {shown} | (report) | |")
    return 1 if missed else 0


def run(rounds: int) -> int:
    median = medians(rounds)
    served = serving(rounds)
    targets, bounds = checks(median, served)
    return report(rounds, median, targets, bounds)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    sys.exit(run(args.rounds))


if __name__ == "__main__":
    main()

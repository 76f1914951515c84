"""ListRooms and ListLoggingConfigurations as real callers use them: a hand-written loop on
nextToken (botocore has no paginators for ivschat), filters, order, and cursor semantics."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import time_machine
from botocore.exceptions import ClientError

from fake_ivschat import FakeIvsChat

REGION = "us-west-2"
ACCOUNT = "123456789012"
LAMBDA = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:review"
OTHER_LAMBDA = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:other"
T0 = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
BAD_TOKEN = (
    "The nextToken is not valid for this request: it was not issued by this service for this"
    " operation with the same filters."
)
ROOM_SUMMARY = {
    "arn",
    "id",
    "name",
    "messageReviewHandler",
    "createTime",
    "updateTime",
    "tags",
    "loggingConfigurationIdentifiers",
}


def pages(call: Any, key: str, **kwargs: Any) -> list[list[dict[str, Any]]]:
    """Every page, following nextToken by hand as callers do."""
    found: list[list[dict[str, Any]]] = []
    token = kwargs.pop("nextToken", None)
    while True:
        page = call(**kwargs, **({"nextToken": token} if token else {}))
        found.append(page[key])
        token = page.get("nextToken")
        if token is None:
            return found
        assert token  # never an empty token


def arns(call: Any, key: str, **kwargs: Any) -> list[str]:
    return [item["arn"] for page in pages(call, key, **kwargs) for item in page]


def list_order(items: list[dict[str, Any]]) -> list[str]:
    """The documented order, computed from what the service answered."""
    ordered = sorted(
        items, key=lambda r: (-r["updateTime"].timestamp(), -r["createTime"].timestamp(), r["arn"])
    )
    return [item["arn"] for item in ordered]


def bad_token(call: Any, **kwargs: Any) -> None:
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    response = info.value.response
    assert response["Error"]["Code"] == "ValidationException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert response["reason"] == "OTHER"
    assert response["Error"]["Message"] == BAD_TOKEN
    assert "fieldList" not in response


@pytest.fixture
def hundred_twenty(client: Any) -> list[dict[str, Any]]:
    """120 rooms with ties on every level of the order: several rooms per millisecond (ties
    broken by ARN), and rooms updated in the same millisecond (newest createTime first)."""
    rooms: dict[str, dict[str, Any]] = {}
    with time_machine.travel(T0, tick=False) as traveller:
        for i in range(120):
            room = client.create_room(name=f"room-{i}")
            rooms[room["arn"]] = room
            if i % 3 == 2:
                traveller.shift(timedelta(milliseconds=1))
        traveller.shift(timedelta(seconds=1))
        for arn in list(rooms)[::10]:
            rooms[arn] = client.update_room(identifier=arn, maximumMessageLength=100)
    return list(rooms.values())


# ------------------------------------------------------------------------------- ListRooms


def test_hand_loop_sees_each_room_once_in_update_time_order(
    client: Any, hundred_twenty: list[dict[str, Any]]
) -> None:
    found = pages(client.list_rooms, "rooms", maxResults=7)
    assert [len(page) for page in found] == [7] * 17 + [1]
    listed = [room["arn"] for page in found for room in page]
    assert listed == list_order(hundred_twenty)
    assert len(set(listed)) == 120
    # The rooms updated together come first, the newest created of them first.
    updated = [room["arn"] for room in hundred_twenty][::10]
    assert listed[:12] == updated[::-1]


def test_summaries_carry_only_room_summary_members(client: Any) -> None:
    config = client.create_logging_configuration(
        destinationConfiguration={"s3": {"bucketName": "chat-logs"}}
    )["arn"]
    room = client.create_room(
        name="full",
        tags={"k": "v"},
        messageReviewHandler={"uri": LAMBDA},
        loggingConfigurationIdentifiers=[config],
    )
    [summary] = client.list_rooms()["rooms"]
    assert set(summary) == ROOM_SUMMARY
    assert summary == {key: room[key] for key in ROOM_SUMMARY}


def test_rooms_is_present_when_empty(client: Any) -> None:
    listed = client.list_rooms()
    assert listed["rooms"] == []
    assert "nextToken" not in listed


def test_default_max_results_is_fifty(client: Any, hundred_twenty: Any) -> None:
    assert [len(page) for page in pages(client.list_rooms, "rooms")] == [50, 50, 20]


def test_no_token_when_the_last_page_is_exactly_full(client: Any) -> None:
    for _ in range(14):
        client.create_room()
    assert [len(page) for page in pages(client.list_rooms, "rooms", maxResults=7)] == [7, 7]


def test_max_results_may_change_between_pages(client: Any, hundred_twenty: Any) -> None:
    first = client.list_rooms(maxResults=3)
    second = client.list_rooms(maxResults=50, nextToken=first["nextToken"])
    listed = [r["arn"] for r in first["rooms"] + second["rooms"]]
    assert listed == list_order(hundred_twenty)[:53]


def test_filters_combine_with_and(client: Any) -> None:
    log_a, log_b = (
        client.create_logging_configuration(
            destinationConfiguration={"s3": {"bucketName": "chat-logs"}}
        )["arn"]
        for _ in range(2)
    )
    rooms = []
    for i in range(24):
        kwargs: dict[str, Any] = {"name": ("red", "blue")[i % 2]}
        handler = (LAMBDA, OTHER_LAMBDA, None)[i % 3]
        if handler:
            kwargs["messageReviewHandler"] = {"uri": handler}
        kwargs["loggingConfigurationIdentifiers"] = ([log_a], [log_b], [log_a, log_b], [])[i % 4]
        rooms.append((client.create_room(**kwargs), kwargs))

    def expected(name: Any = None, uri: Any = None, log: Any = None) -> list[str]:
        return list_order(
            [
                room
                for room, kw in rooms
                if (name is None or kw["name"] == name)
                and (uri is None or kw.get("messageReviewHandler", {}).get("uri") == uri)
                and (log is None or log in kw["loggingConfigurationIdentifiers"])
            ]
        )

    cases = [
        {"name": "red"},
        {"messageReviewHandlerUri": LAMBDA},
        {"loggingConfigurationIdentifier": log_b},
        {"name": "blue", "messageReviewHandlerUri": OTHER_LAMBDA},
        {"name": "red", "loggingConfigurationIdentifier": log_a},
        {"messageReviewHandlerUri": LAMBDA, "loggingConfigurationIdentifier": log_b},
        {"name": "red", "messageReviewHandlerUri": LAMBDA, "loggingConfigurationIdentifier": log_a},
    ]
    for case in cases:
        want = expected(
            case.get("name"),
            case.get("messageReviewHandlerUri"),
            case.get("loggingConfigurationIdentifier"),
        )
        assert want, case  # every case selects something, and less than everything
        assert len(want) < 24, case
        assert arns(client.list_rooms, "rooms", maxResults=2, **case) == want, case
    assert arns(client.list_rooms, "rooms", name="green") == []
    assert arns(client.list_rooms, "rooms", name="Red") == []  # exact, case-sensitive


def test_empty_uri_filter_selects_rooms_without_a_handler(client: Any) -> None:
    with_handler = client.create_room(messageReviewHandler={"uri": LAMBDA})["arn"]
    without = client.create_room()["arn"]
    detached = client.create_room(messageReviewHandler={"uri": LAMBDA})["arn"]
    client.update_room(identifier=detached, messageReviewHandler={"uri": ""})
    assert set(arns(client.list_rooms, "rooms", messageReviewHandlerUri="")) == {without, detached}
    assert arns(client.list_rooms, "rooms", messageReviewHandlerUri=LAMBDA) == [with_handler]


def test_filter_on_a_missing_logging_configuration_is_not_found(client: Any) -> None:
    missing = f"arn:aws:ivschat:{REGION}:{ACCOUNT}:logging-configuration/ABcdef34ghIJ"
    with pytest.raises(ClientError) as info:
        client.list_rooms(loggingConfigurationIdentifier=missing)
    response = info.value.response
    assert response["Error"]["Code"] == "ResourceNotFoundException"
    assert response["resourceId"] == "ABcdef34ghIJ"
    assert response["resourceType"] == "ROOM"


# ----------------------------------------------------------------------------- bad tokens


def test_forged_and_garbled_tokens_are_refused(client: Any, hundred_twenty: Any) -> None:
    token = client.list_rooms(maxResults=5)["nextToken"]
    payload, _, mac = token.partition(".")
    flipped = ("A" if payload[3] != "A" else "B").join((payload[:3], payload[4:]))
    for forged in (
        "abc",
        "abc.def",
        f"{flipped}.{mac}",
        f"{payload}.{mac[:-1]}",
        token + "x",
        f"{payload}.{mac}é",
        "é" * 20,
        token[::-1],
    ):
        bad_token(client.list_rooms, nextToken=forged)
    assert client.list_rooms(nextToken=token)["rooms"]


def test_token_is_bound_to_its_filters_and_operation(client: Any) -> None:
    for _ in range(3):
        client.create_room(name="red")
    token = client.list_rooms(name="red", maxResults=1)["nextToken"]
    assert client.list_rooms(name="red", nextToken=token)["rooms"]
    bad_token(client.list_rooms, nextToken=token)
    bad_token(client.list_rooms, name="blue", nextToken=token)
    bad_token(client.list_rooms, name="red", messageReviewHandlerUri=LAMBDA, nextToken=token)
    bad_token(client.list_logging_configurations, nextToken=token)


def test_token_of_another_region_or_account_is_refused(fake: FakeIvsChat, client: Any) -> None:
    for _ in range(2):
        client.create_room()
    token = client.list_rooms(maxResults=1)["nextToken"]
    for other in (
        fake.client(region_name="eu-west-1"),
        fake.client(region_name=REGION, account_id="111122223333"),
    ):
        for _ in range(2):
            other.create_room()
        bad_token(other.list_rooms, nextToken=token)


# ------------------------------------------------------------------------- cursor semantics


def test_changes_between_pages_never_skip_or_repeat_an_unchanged_room(client: Any) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        rooms = []
        for _ in range(30):
            traveller.shift(timedelta(milliseconds=10))
            rooms.append(client.create_room()["arn"])
        order = rooms[::-1]  # newest first
        first = client.list_rooms(maxResults=10)
        assert [r["arn"] for r in first["rooms"]] == order[:10]

        deleted = {order[9], order[10], order[20]}  # the cursor's own room, the next, a later
        updated = {order[5], order[15]}  # one already seen, one not yet seen
        for arn in deleted:
            client.delete_room(identifier=arn)
        traveller.shift(timedelta(seconds=1))
        for arn in updated:
            client.update_room(identifier=arn, name="moved")
        added = {client.create_room()["arn"] for _ in range(3)}  # newer than everything
        traveller.move_to(T0 + timedelta(milliseconds=155))  # between order[14] and order[15]
        added_in_the_middle = client.create_room()["arn"]

        rest = arns(client.list_rooms, "rooms", maxResults=4, nextToken=first["nextToken"])
    seen = [r["arn"] for r in first["rooms"]] + rest
    unchanged = set(rooms) - deleted - updated
    assert all(seen.count(arn) == 1 for arn in unchanged)
    assert len(seen) == len(set(seen))
    assert not deleted & set(rest)
    assert not added & set(rest)  # they sort before the cursor
    assert added_in_the_middle in rest
    assert [arn for arn in rest if arn in unchanged] == [
        arn for arn in order[10:] if arn in unchanged
    ]


def test_token_survives_deleting_every_room_of_the_first_page(client: Any) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        rooms = []
        for _ in range(6):
            traveller.shift(timedelta(milliseconds=1))
            rooms.append(client.create_room()["arn"])
    first = client.list_rooms(maxResults=3)
    for room in first["rooms"]:
        client.delete_room(identifier=room["arn"])
    second = client.list_rooms(maxResults=3, nextToken=first["nextToken"])
    assert [r["arn"] for r in second["rooms"]] == rooms[:3][::-1]
    assert "nextToken" not in second


# ------------------------------------------------------------------ ListLoggingConfigurations


def test_logging_configurations_page_in_update_time_order(fake: FakeIvsChat, client: Any) -> None:
    fake.quotas.logging_configurations = 30
    with time_machine.travel(T0, tick=False) as traveller:
        configs = {}
        for i in range(25):
            made = client.create_logging_configuration(
                destinationConfiguration={"s3": {"bucketName": "chat-logs"}}
            )
            configs[made["arn"]] = made
            if i % 2:
                traveller.shift(timedelta(milliseconds=1))
        traveller.shift(timedelta(seconds=1))
        for arn in list(configs)[::6]:
            configs[arn] = client.update_logging_configuration(identifier=arn, name="touched")
    found = pages(client.list_logging_configurations, "loggingConfigurations", maxResults=4)
    assert [len(page) for page in found] == [4] * 6 + [1]
    listed = [config["arn"] for page in found for config in page]
    assert listed == list_order(list(configs.values()))
    assert found[0][0] == {k: v for k, v in configs[listed[0]].items() if k != "ResponseMetadata"}
    assert [len(p) for p in pages(client.list_logging_configurations, "loggingConfigurations")] == [
        25
    ]


def test_logging_configuration_cursor_and_tokens(fake: FakeIvsChat, client: Any) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        configs = []
        for _ in range(8):
            traveller.shift(timedelta(milliseconds=1))
            configs.append(
                client.create_logging_configuration(
                    destinationConfiguration={"s3": {"bucketName": "chat-logs"}}
                )["arn"]
            )
    order = configs[::-1]
    first = client.list_logging_configurations(maxResults=3)
    client.delete_logging_configuration(identifier=order[2])
    client.delete_logging_configuration(identifier=order[4])
    rest = arns(
        client.list_logging_configurations,
        "loggingConfigurations",
        maxResults=3,
        nextToken=first["nextToken"],
    )
    assert rest == [order[3], *order[5:]]
    bad_token(client.list_rooms, nextToken=first["nextToken"])
    bad_token(client.list_logging_configurations, nextToken="forged")
    other = fake.client(region_name="eu-west-1")
    bad_token(other.list_logging_configurations, nextToken=first["nextToken"])


# ----------------------------------------------------------------------- token stability

_TOKEN_SCRIPT = textwrap.dedent(
    """
    import json, os
    from datetime import datetime, timezone
    import time_machine
    from fake_ivschat import FakeIvsChat

    fake = FakeIvsChat(seed=7)
    client = fake.client(region_name="us-west-2")
    with time_machine.travel(datetime(2024, 5, 1, tzinfo=timezone.utc), tick=False):
        for _ in range(3):
            client.create_room(name="red")
    print(json.dumps(client.list_rooms(name="red", maxResults=1)["nextToken"]))
    """
)


def _token_of_seven(fake: FakeIvsChat) -> str:
    client = fake.client(region_name=REGION)
    with time_machine.travel(datetime(2024, 5, 1, tzinfo=timezone.utc), tick=False):
        for _ in range(3):
            client.create_room(name="red")
    token: str = client.list_rooms(name="red", maxResults=1)["nextToken"]
    return token


def test_tokens_are_the_same_in_every_fake_and_process() -> None:
    here = _token_of_seven(FakeIvsChat(seed=7))
    twin = FakeIvsChat(seed=7)
    assert _token_of_seven(twin) == here
    # Issued by one fake, accepted by another with the same state.
    assert twin.client(region_name=REGION).list_rooms(name="red", nextToken=here)["rooms"]
    # Another process with another string-hash seed: no hash() may leak into a token.
    seed = "1" if os.environ.get("PYTHONHASHSEED") != "1" else "2"
    env = {**os.environ, "PYTHONHASHSEED": seed, "AWS_EC2_METADATA_DISABLED": "true"}
    done = subprocess.run(
        [sys.executable, "-c", _TOKEN_SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert json.loads(done.stdout) == here

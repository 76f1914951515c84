"""Routing every aiobotocore (and aioboto3) ivschat client to the active fake, as test_routing.py
does for botocore's: each way of making a client, clients made before activation, credentials
never looked up, other services untouched, mock_ivschat as a context manager and a decorator of
coroutine functions, the fixture, and aiobotocore restored exactly on stop."""

from __future__ import annotations

import os
import subprocess
import sys
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aio_support import (  # noqa: F401
    ORIGINALS,
    REGION,
    AioBaseClient,
    AioSession,
    aioboto3_session,
    aiobotocore_restored,
    get_session,
    no_aws,
    restored,
    run,
)
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError, NoCredentialsError
from helpers import authorization_of, collector_off, credentials_that_must_not_be_read

from fake_ivschat import FakeIvsChat, mock_ivschat

ClientContext = Callable[[], Any]  # an ``async with`` context giving an ivschat client


pytestmark = pytest.mark.usefixtures("no_aws")  # no credentials anywhere, in every test here


# ------------------------------------------------------------------- ways to a client

CLIENTS: dict[str, ClientContext] = {
    "aiobotocore get_session().create_client": lambda: get_session().create_client(
        "ivschat", region_name=REGION
    ),
    "AioSession().create_client, keyword service_name": lambda: AioSession().create_client(
        service_name="ivschat", region_name=REGION
    ),
    # aioboto3 passes every credential argument, None when not given.
    "aioboto3.Session().client": lambda: aioboto3_session().client("ivschat", region_name=REGION),
}


@pytest.mark.parametrize("make", CLIENTS.values(), ids=CLIENTS.keys())
def test_every_way_of_making_an_async_client_reaches_the_active_fake(make: ClientContext) -> None:
    async def scenario(fake: FakeIvsChat) -> list[str]:
        async with make() as client:
            headers = authorization_of(client)
            room = await client.create_room(name="lobby")
            assert room["arn"].startswith(f"arn:aws:ivschat:{REGION}:123456789012:room/")
            assert (await client.get_room(identifier=room["arn"]))["name"] == "lobby"
        return headers

    with mock_ivschat() as fake:
        headers = run(scenario(fake))
        assert fake.assert_called("CreateRoom", name="lobby").region == REGION
        assert fake.client(REGION).list_rooms()["rooms"][0]["name"] == "lobby"
    assert len(headers) == 2
    assert all(h.startswith("AWS4-HMAC-SHA256 Credential=FAKEIVSCHATTESTING/") for h in headers)


def test_credentials_in_the_environment_and_files_are_never_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    credentials_that_must_not_be_read(monkeypatch, tmp_path)

    async def scenario() -> list[str]:
        session = get_session()
        async with session.create_client("ivschat", region_name=REGION) as client:
            headers = authorization_of(client)
            await client.list_rooms()
        return headers

    with mock_ivschat():
        headers = run(scenario())
    assert "AKIAREALKEYFROMENV00" not in headers[0]
    assert "Credential=FAKEIVSCHATTESTING/" in headers[0]


def test_explicit_credentials_are_kept() -> None:
    async def scenario() -> list[str]:
        session = get_session()
        async with session.create_client(
            "ivschat",
            region_name=REGION,
            aws_access_key_id="AKIAEXPLICIT00000000",
            aws_secret_access_key="explicit",
        ) as client:
            headers = authorization_of(client)
            await client.list_rooms()
        return headers

    with mock_ivschat():
        headers = run(scenario())
    assert "Credential=AKIAEXPLICIT00000000/" in headers[0]


# ------------------------------------------------------- clients made before activation


def test_a_client_made_before_activation_is_routed_without_credentials() -> None:
    async def scenario() -> None:
        session = get_session()
        async with session.create_client("ivschat", region_name="eu-west-1") as early:
            with mock_ivschat(account_id="111122223333") as fake:
                headers = authorization_of(early)
                room = await early.create_room(name="early")
                assert room["arn"].startswith("arn:aws:ivschat:eu-west-1:111122223333:room/")
                assert fake.assert_called("CreateRoom", name="early").region == "eu-west-1"
            assert headers == ["(unsigned)"]
            # Stopped: the client is aiobotocore's again, and it still has no credentials.
            with pytest.raises(NoCredentialsError):
                await early.list_rooms()

    run(scenario())


def test_a_client_made_before_reaches_each_fake_that_becomes_active() -> None:
    async def scenario() -> tuple[FakeIvsChat, FakeIvsChat]:
        async with get_session().create_client("ivschat", region_name=REGION) as early:
            with mock_ivschat() as first:
                await early.create_room(name="one")
            with mock_ivschat() as second:
                assert (await early.list_rooms())["rooms"] == []
                await early.create_room(name="two")
        return first, second

    first, second = run(scenario())
    assert [c.params for c in first.get_calls("CreateRoom")] == [{"name": "one"}]
    assert [c.params for c in second.get_calls("CreateRoom")] == [{"name": "two"}]


def test_a_client_made_while_active_is_aiobotocores_again_after_stop() -> None:
    # A closed loopback port: once detached, the client really tries to connect and fails.
    config = Config(retries={"total_max_attempts": 1}, connect_timeout=1)

    async def scenario() -> None:
        with mock_ivschat() as fake:
            async with get_session().create_client(
                "ivschat", region_name=REGION, endpoint_url="http://127.0.0.1:9", config=config
            ) as client:
                assert (await client.list_rooms())["rooms"] == []
                fake.stop()
                with pytest.raises(EndpointConnectionError):
                    await client.list_rooms()

    run(scenario())


def test_a_dropped_client_is_freed_at_once_not_left_to_the_garbage_collector() -> None:
    """As test_routing.py's: no reference cycle through the fake keeps a dropped client."""

    async def scenario() -> bool:
        with mock_ivschat():
            async with get_session().create_client("ivschat", region_name=REGION) as client:
                await client.create_room(name="lobby")
                events = weakref.ref(client.meta.events)
            with collector_off():
                del client
                return events() is None

    assert run(scenario())


def test_other_services_are_untouched() -> None:
    async def scenario() -> None:
        session = get_session()
        async with session.create_client(
            "s3",
            region_name=REGION,
            endpoint_url="http://127.0.0.1:9",
            aws_access_key_id="AKIAS3",
            aws_secret_access_key="s3-secret",
            config=Config(retries={"total_max_attempts": 1}, connect_timeout=1),
        ) as s3:
            with pytest.raises(EndpointConnectionError):
                await s3.list_buckets()

    with mock_ivschat() as fake:
        run(scenario())
    assert fake.calls == []


# --------------------------------------------------------- start, stop, decorators


def test_start_patches_aiobotocore_and_stop_restores_it_exactly() -> None:
    fake = FakeIvsChat().start()
    try:
        patched = {key: vars(key[0])[key[1]] for key in ORIGINALS}
        assert all(patched[key] is not ORIGINALS[key] for key in ORIGINALS)
        assert all(patched[key].__wrapped__ is ORIGINALS[key] for key in ORIGINALS)
    finally:
        fake.stop()
    assert restored()


def test_a_decorated_coroutine_function_gets_a_fresh_fake_per_call() -> None:
    @mock_ivschat(seed=3)
    async def handler(name: str) -> list[str]:
        session = get_session()
        async with session.create_client("ivschat", region_name=REGION) as client:
            await client.create_room(name=name)
            rooms = (await client.list_rooms())["rooms"]
        assert FakeIvsChat.current().get_calls("CreateRoom", name=name)
        return [room["name"] for room in rooms]

    assert run(handler("one")) == ["one"]
    assert run(handler("two")) == ["two"]  # nothing carried over from the first call
    assert restored()


def test_the_fixture_answers_async_clients(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_fixture="""
        import asyncio
        from aiobotocore.session import get_session

        def test_lobby(fake_ivschat):
            async def scenario():
                async with get_session().create_client("ivschat", region_name="us-west-2") as c:
                    room = await c.create_room(name="lobby")
                    await c.send_event(roomIdentifier=room["arn"], eventName="app:start")
                    return room["arn"]

            arn = asyncio.run(scenario())
            assert [e.event_name for e in fake_ivschat.events(arn)] == ["app:start"]
        """
    )
    pytester.runpytest_inprocess("--strict-markers", "-p", "no:cacheprovider").assert_outcomes(
        passed=1
    )


def test_importing_the_package_does_not_import_aiobotocore_and_activation_routes_it() -> None:
    # A fresh interpreter: aiobotocore is imported only once a fake starts, and a module that
    # imports it while the fake is active gets its clients routed.
    program = (
        "import sys, asyncio\n"
        "import fake_ivschat\n"
        "assert 'aiobotocore' not in sys.modules, 'imported with the package'\n"
        "with fake_ivschat.mock_ivschat() as fake:\n"
        "    from aiobotocore.session import get_session\n"
        "    async def main():\n"
        "        async with get_session().create_client('ivschat', region_name='us-west-2') as c:\n"
        "            await c.create_room(name='late')\n"
        "    asyncio.run(main())\n"
        "    assert fake.get_calls('CreateRoom', name='late')\n"
    )
    env = {**os.environ, "AWS_EC2_METADATA_DISABLED": "true"}
    done = subprocess.run(
        [sys.executable, "-c", program], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr


def test_an_aiobotocore_without_what_routing_replaces_is_named_and_sync_routing_works() -> None:
    # What a future aiobotocore that renamed its client factory would meet.
    original = ORIGINALS[(AioSession, "_create_client")]
    del AioSession._create_client  # not monkeypatch: restored before the autouse check
    try:
        missing = r"\(AioSession\._create_client not found\)"
        with pytest.warns(RuntimeWarning, match=missing), mock_ivschat() as fake:
            fake.client(REGION).create_room(name="sync")
            assert (
                vars(AioBaseClient)["_make_api_call"]
                is ORIGINALS[(AioBaseClient, "_make_api_call")]
            )
    finally:
        AioSession._create_client = original
    assert fake.get_calls("CreateRoom", name="sync")


# -------------------------------------------------------------- regions and endpoints


def test_an_async_client_of_a_region_no_region_can_be_is_refused_and_makes_nothing() -> None:
    async def scenario() -> dict[str, Any]:
        async with get_session().create_client(
            "ivschat", region_name="US-WEST-2", config=Config(retries={"total_max_attempts": 1})
        ) as client:
            try:
                await client.create_room(name="lobby")
            except client.exceptions.ClientError as refused:
                response: dict[str, Any] = refused.response
                return response
        raise AssertionError("CreateRoom in 'US-WEST-2' was answered")

    with mock_ivschat() as fake:
        error = run(scenario())
        assert "no rooms" in repr(fake)
    assert error["Error"]["Code"] == "InvalidSignatureException"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 403
    with pytest.raises(ValueError, match="'US-WEST-2' is not a region name"):
        FakeIvsChat().aio_client("US-WEST-2")

"""fake.aio_client(), the async twin of fake.client(): a real aiobotocore client bound to its fake,
hermetic alike; fake.attach()/detach() of aiobotocore clients; what happens without aiobotocore."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from aio_support import (  # noqa: F401
    REGION,
    AioBaseClient,
    aiobotocore_restored,
    get_session,
    no_aws,
    run,
)
from botocore.exceptions import NoCredentialsError
from helpers import authorization_of

import fake_ivschat._transport
from fake_ivschat import FakeIvsChat, mock_ivschat

pytestmark = pytest.mark.usefixtures("no_aws")  # no credentials anywhere, in every test here


# ------------------------------------------------------------------------- aio_client


def test_aio_client_is_a_real_aiobotocore_client_bound_to_its_fake_without_activation() -> None:
    fake = FakeIvsChat()

    async def scenario() -> list[str]:
        async with fake.aio_client(region_name="eu-west-1") as client:
            assert isinstance(client, AioBaseClient)
            assert client.meta.region_name == "eu-west-1"
            headers = authorization_of(client)
            room = await client.create_room(name="lobby")
            assert room["arn"].startswith("arn:aws:ivschat:eu-west-1:123456789012:room/")
        return headers

    headers = run(scenario())
    assert not fake.active
    assert headers[0].startswith("AWS4-HMAC-SHA256 Credential=FAKEIVSCHATTESTING/")
    assert fake.client("eu-west-1").list_rooms()["rooms"][0]["name"] == "lobby"


def test_aio_client_reads_nothing_of_the_users_aws_setup(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "config"
    config.write_text(
        "[default]\ncredential_process = /nonexistent/credential-helper\n"
        "retry_mode = no-such-mode\nmax_attempts = -3\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALKEYFROMENV00")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "real-secret")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    fake = FakeIvsChat()

    async def scenario() -> list[str]:
        async with fake.aio_client(REGION) as client:
            headers = authorization_of(client)
            assert (await client.list_rooms())["rooms"] == []
        return headers

    assert "Credential=FAKEIVSCHATTESTING/" in run(scenario())[0]


def test_aio_client_keeps_explicit_credentials_and_options() -> None:
    fake = FakeIvsChat()

    async def scenario() -> list[str]:
        async with fake.aio_client(
            REGION,
            account_id="444455556666",
            aws_access_key_id="AKIAEXPLICIT00000000",
            aws_secret_access_key="explicit",
        ) as client:
            headers = authorization_of(client)
            await client.create_room(name="mine")
        return headers

    assert "Credential=AKIAEXPLICIT00000000/" in run(scenario())[0]
    assert fake.assert_called("CreateRoom").account_id == "444455556666"


def test_aio_client_stays_with_its_fake_while_another_is_active() -> None:
    own = FakeIvsChat()

    async def scenario() -> None:
        async with own.aio_client(REGION) as client:
            await client.create_room(name="mine")

    with mock_ivschat() as active:
        run(scenario())
    assert own.get_calls("CreateRoom", name="mine")
    assert active.calls == []


def test_without_aiobotocore_aio_client_names_the_extra_and_sync_clients_still_route(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # As if aiobotocore could not be imported (the fake's async module not loaded yet).
    monkeypatch.delitem(sys.modules, "fake_ivschat._transport.aio", raising=False)
    monkeypatch.delattr(fake_ivschat._transport, "aio", raising=False)
    monkeypatch.setitem(sys.modules, "aiobotocore.awsrequest", None)
    with pytest.raises(ModuleNotFoundError, match=r"pip install 'fake-ivschat\[aio\]'"):
        FakeIvsChat().aio_client()
    with mock_ivschat() as fake:
        fake.client(REGION).create_room(name="sync")
    assert fake.get_calls("CreateRoom", name="sync")


# ---------------------------------------------------------------------- attach, detach


def test_attach_and_detach_an_aiobotocore_client_without_activation() -> None:
    fake = FakeIvsChat()

    async def scenario() -> list[str]:
        async with get_session().create_client("ivschat", region_name=REGION) as client:
            events = client.meta.events
            fake.attach(client, account_id="111122223333")
            headers = authorization_of(client)
            room = await client.create_room(name="attached")
            assert room["arn"].startswith(f"arn:aws:ivschat:{REGION}:111122223333:room/")
            fake.detach(client)
            assert "emit" not in vars(events)  # aiobotocore's own emit again
            with pytest.raises(NoCredentialsError):
                await client.list_rooms()
        return headers

    assert run(scenario()) == ["(unsigned)"]
    assert [c.operation for c in fake.calls] == ["CreateRoom"]


def test_attach_refuses_what_create_client_returns_before_it_is_entered() -> None:
    context = get_session().create_client("ivschat", region_name=REGION)
    with pytest.raises(TypeError, match=r"async with session\.create_client\('ivschat'\)"):
        FakeIvsChat().attach(context)

    async def enter_and_leave() -> None:  # else: "coroutine ... was never awaited"
        async with context:
            pass

    run(enter_and_leave())

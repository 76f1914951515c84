"""Routing every ivschat client to the active fake: each way of making a client, clients made
before activation, credentials never looked up, other services untouched, moto alongside,
start/stop/nesting, and mock_ivschat as a context manager and a decorator."""

from __future__ import annotations

import asyncio
import contextlib
import io
import unittest
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.client
import botocore.session
import pytest
from aws_env import metadata_listener, without_aws
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError, NoCredentialsError, ProfileNotFound
from botocore.stub import Stubber
from helpers import authorization_of, collector_off, credentials_that_must_not_be_read

from fake_ivschat import FakeIvsChat, mock_ivschat

REGION = "us-west-2"
ORIGINAL_MAKE_API_CALL = botocore.client.BaseClient._make_api_call
ORIGINAL_CREATE_CLIENT = botocore.session.Session.create_client


@pytest.fixture(autouse=True)
def no_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No credentials anywhere, and nothing left active or patched by a test."""
    without_aws(monkeypatch, tmp_path)
    yield
    assert botocore.client.BaseClient._make_api_call is ORIGINAL_MAKE_API_CALL
    assert botocore.session.Session.create_client is ORIGINAL_CREATE_CLIENT


# ------------------------------------------------------------------- ways to a client

CLIENT_FACTORIES: dict[str, Callable[[], Any]] = {
    "boto3.client": lambda: boto3.client("ivschat", region_name=REGION),
    "boto3.Session().client": lambda: boto3.Session().client("ivschat", region_name=REGION),
    "botocore get_session().create_client": lambda: botocore.session.get_session().create_client(
        "ivschat", region_name=REGION
    ),
    "keyword service_name": lambda: botocore.session.get_session().create_client(
        service_name="ivschat", region_name=REGION
    ),
    "positional region_name": lambda: botocore.session.get_session().create_client(
        "ivschat", REGION
    ),
    "explicit None credentials": lambda: boto3.client(
        "ivschat", region_name=REGION, aws_access_key_id=None, aws_secret_access_key=None
    ),
}


@pytest.mark.parametrize("make", CLIENT_FACTORIES.values(), ids=CLIENT_FACTORIES.keys())
def test_every_way_of_making_a_client_reaches_the_active_fake(make: Callable[[], Any]) -> None:
    with mock_ivschat() as fake:
        room = make().create_room(name="lobby")
        assert room["arn"].startswith(f"arn:aws:ivschat:{REGION}:123456789012:room/")
        assert fake.assert_called("CreateRoom", name="lobby").region == REGION
        assert fake.client(REGION).get_room(identifier=room["arn"])["name"] == "lobby"


@pytest.mark.parametrize("register", ["register", "register_first"])
def test_the_fake_answers_before_any_before_send_handler_of_a_bound_client(register: str) -> None:
    ran: list[str] = []
    with mock_ivschat() as fake:
        client = boto3.client("ivschat", region_name=REGION)
        # Registered after binding: a register_first would come before a registered transport.
        getattr(client.meta.events, register)(
            "before-send.ivschat", lambda **_: ran.append("handler")
        )
        client.create_room(name="lobby")
        fake.assert_called("CreateRoom", name="lobby")
    assert ran == []  # as if the request had gone out: no one else answers or waits


def test_clients_made_while_active_sign_with_static_dummy_credentials() -> None:
    with mock_ivschat():
        client = boto3.client("ivschat", region_name=REGION)
        headers = authorization_of(client)
        client.list_rooms()
    assert len(headers) == 1
    assert headers[0].startswith("AWS4-HMAC-SHA256 Credential=FAKEIVSCHATTESTING/")


def test_credentials_in_the_environment_and_files_are_never_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    credentials_that_must_not_be_read(monkeypatch, tmp_path)
    with mock_ivschat():
        client = boto3.Session().client("ivschat", region_name=REGION)
        headers = authorization_of(client)
        client.list_rooms()
    assert "AKIAREALKEYFROMENV00" not in headers[0]
    assert "Credential=FAKEIVSCHATTESTING/" in headers[0]


def test_explicit_credentials_are_kept() -> None:
    with mock_ivschat():
        client = boto3.client(
            "ivschat",
            region_name=REGION,
            aws_access_key_id="AKIAEXPLICIT00000000",
            aws_secret_access_key="explicit",
        )
        headers = authorization_of(client)
        client.list_rooms()
    assert "Credential=AKIAEXPLICIT00000000/" in headers[0]


def test_no_instance_metadata_probe_when_a_client_is_made_while_active(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with metadata_listener(monkeypatch) as probes:
        with mock_ivschat():
            boto3.Session().client("ivschat", region_name=REGION).list_rooms()
        assert probes == []
        # Without a fake botocore looks for credentials and probes (proves the listener works).
        boto3.Session().client("ivschat", region_name=REGION)
        assert probes != []


def test_a_profile_that_does_not_exist_stays_botocores_error() -> None:
    with mock_ivschat(), pytest.raises(ProfileNotFound):
        boto3.Session(profile_name="nope").client("ivschat", region_name=REGION)


def test_a_missing_region_stays_botocores_error() -> None:
    with mock_ivschat(), pytest.raises(botocore.exceptions.NoRegionError):
        boto3.Session().client("ivschat")


# -------------------------------------------------------------- clients made before


def test_a_client_made_before_activation_is_routed_without_credentials() -> None:
    early = boto3.Session().client("ivschat", region_name="eu-west-1")  # finds no credentials
    with mock_ivschat(account_id="111122223333") as fake:
        headers = authorization_of(early)
        room = early.create_room(name="early")
        assert room["arn"].startswith("arn:aws:ivschat:eu-west-1:111122223333:room/")
        assert fake.assert_called("CreateRoom", name="early").region == "eu-west-1"
    assert headers == ["(unsigned)"]
    # Stopped: the client is botocore's again, and it still has no credentials.
    with pytest.raises(NoCredentialsError):
        early.list_rooms()


def test_a_client_made_before_reaches_each_fake_that_becomes_active() -> None:
    early = boto3.Session().client("ivschat", region_name=REGION)
    with mock_ivschat() as first:
        early.create_room(name="one")
    with mock_ivschat() as second:
        assert early.list_rooms()["rooms"] == []
        early.create_room(name="two")
    assert [c.params for c in first.get_calls("CreateRoom")] == [{"name": "one"}]
    assert [c.params for c in second.get_calls("CreateRoom")] == [{"name": "two"}]


def test_a_fake_client_stays_with_its_own_fake_while_another_is_active() -> None:
    own = FakeIvsChat()
    own_client = own.client(REGION)
    with mock_ivschat() as active:
        own_client.create_room(name="mine")
        assert own_client.meta.events  # still a real botocore client
    assert own.get_calls("CreateRoom", name="mine")
    assert active.calls == []
    assert own_client.list_rooms()["rooms"][0]["name"] == "mine"  # bound after stop too


def test_attach_and_detach_an_existing_client_without_activation() -> None:
    fake = FakeIvsChat()
    client = boto3.Session().client("ivschat", region_name=REGION)
    fake.attach(client)
    client.create_room(name="attached")
    assert fake.get_calls("CreateRoom", name="attached")
    fake.detach(client)
    with pytest.raises(NoCredentialsError):
        client.list_rooms()


def test_detaching_and_stopping_give_botocore_its_own_emit_back() -> None:
    fake = FakeIvsChat()
    client = fake.client(region_name=REGION)
    assert "emit" in vars(client.meta.events)  # bound: the fake's emit stands in
    fake.detach(client)
    assert "emit" not in vars(client.meta.events)  # the EventAliaser's own method again
    with mock_ivschat():
        routed = boto3.Session().client("ivschat", region_name=REGION)
        routed.list_rooms()
        assert "emit" in vars(routed.meta.events)
    assert "emit" not in vars(routed.meta.events)


@pytest.mark.parametrize("how", ["fake.client()", "fake.attach()", "made while active"])
def test_a_dropped_client_is_freed_at_once_not_left_to_the_garbage_collector(how: str) -> None:
    """Tests drop their clients: left in a reference cycle, each client's event handlers (about
    900 objects) would wait for a full garbage collection, a cost paid test after test."""
    fake = FakeIvsChat()
    with fake if how == "made while active" else contextlib.nullcontext():
        if how == "fake.client()":
            client = fake.client(region_name=REGION)
        else:
            client = boto3.Session().client("ivschat", region_name=REGION)
            if how == "fake.attach()":
                fake.attach(client)
        client.create_room(name="lobby")
        events = weakref.ref(client.meta.events)
        with collector_off():
            del client
            assert events() is None
    assert fake.get_calls("CreateRoom")


def test_a_client_whose_emit_is_already_wrapped_is_answered_and_given_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = FakeIvsChat()
    client = fake.client(region_name=REGION, config=Config(retries={"mode": "standard"}))
    fake.detach(client)
    seen: list[str] = []
    plain_emit = client.meta.events.emit

    def tracing_emit(event_name: str, **kwargs: Any) -> Any:  # e.g. a tracing library's
        seen.append(event_name)
        return plain_emit(event_name, **kwargs)

    monkeypatch.setattr(client.meta.events, "emit", tracing_emit)
    fake.attach(client)
    fake.inject_error("SendEvent", "ThrottlingException")
    arn = client.create_room(name="traced")["arn"]
    sent = client.send_event(roomIdentifier=arn, eventName="app:e")
    assert sent["ResponseMetadata"]["RetryAttempts"] == 1  # retried, without waiting
    assert "after-call.ivschat.CreateRoom" in seen  # every event still went through the tracer
    fake.detach(client)
    assert client.meta.events.emit is tracing_emit


# ---------------------------------------------------------------- other services


def test_other_services_are_untouched(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAS3FROMENVIRONMENT")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s3-secret")
    with mock_ivschat() as fake:
        s3 = boto3.Session().client("s3", region_name=REGION)
        url = s3.generate_presigned_url("get_object", Params={"Bucket": "b", "Key": "k"})
        with Stubber(s3) as stub:
            stub.add_response("list_buckets", {"Buckets": []})
            assert s3.list_buckets()["Buckets"] == []
    assert "AKIAS3FROMENVIRONMENT" in url  # its credentials came from the environment
    assert fake.calls == []


def test_moto_answers_other_services_while_the_fake_answers_ivschat() -> None:
    moto = pytest.importorskip("moto")
    early = boto3.Session().client("ivschat", region_name=REGION)
    with moto.mock_aws(), mock_ivschat() as fake:
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="chat-logs")
        s3.put_object(Bucket="chat-logs", Key="k", Body=b"v")
        ivschat = boto3.client("ivschat", region_name=REGION)
        room = ivschat.create_room(name="with-moto")
        assert early.get_room(identifier=room["arn"])["name"] == "with-moto"
        assert s3.get_object(Bucket="chat-logs", Key="k")["Body"].read() == b"v"
    assert [c.operation for c in fake.calls] == ["CreateRoom", "GetRoom"]


def test_moto_started_inside_the_fake_does_not_take_ivschat() -> None:
    moto = pytest.importorskip("moto")
    with mock_ivschat() as fake, moto.mock_aws():
        ivschat = boto3.client("ivschat", region_name=REGION)
        ivschat.create_room(name="inner")
        assert boto3.client("s3", region_name="us-east-1").list_buckets()["Buckets"] == []
    assert fake.get_calls("CreateRoom", name="inner")


# --------------------------------------------------------------- start, stop, nesting


def test_start_and_stop_patch_and_restore() -> None:
    fake = FakeIvsChat()
    active = [fake.active]  # a list: mypy would keep ``fake.active`` narrowed across start()
    assert fake.start() is fake
    active.append(fake.active)
    assert FakeIvsChat.current() is fake
    assert botocore.client.BaseClient._make_api_call is not ORIGINAL_MAKE_API_CALL
    fake.stop()
    active.append(fake.active)
    assert active == [False, True, False]
    assert botocore.client.BaseClient._make_api_call is ORIGINAL_MAKE_API_CALL
    assert botocore.session.Session.create_client is ORIGINAL_CREATE_CLIENT


def test_a_client_made_while_active_is_botocores_again_after_stop() -> None:
    # A closed loopback port: once detached, the client really tries to connect and fails.
    config = Config(retries={"total_max_attempts": 1}, connect_timeout=1)
    with mock_ivschat():
        client = boto3.client(
            "ivschat", region_name=REGION, endpoint_url="http://127.0.0.1:9", config=config
        )
        assert client.list_rooms()["rooms"] == []
    with pytest.raises(EndpointConnectionError):
        client.list_rooms()


def test_starting_twice_is_an_error() -> None:
    with mock_ivschat() as fake:
        with pytest.raises(RuntimeError) as error:
            fake.start()
        assert str(error.value) == "This FakeIvsChat is already active."


def test_nesting_is_an_error_and_leaves_the_outer_fake_active() -> None:
    with mock_ivschat() as outer:
        with pytest.raises(RuntimeError) as error, mock_ivschat():
            pass  # pragma: no cover
        assert str(error.value) == (
            "Another FakeIvsChat is already active; stop it before starting this one "
            "(fakes do not nest)."
        )
        assert FakeIvsChat.current() is outer
        boto3.client("ivschat", region_name=REGION).create_room(name="still-outer")
        assert outer.get_calls("CreateRoom", name="still-outer")


def test_stopping_an_inactive_fake_is_an_error() -> None:
    with pytest.raises(RuntimeError) as error:
        FakeIvsChat().stop()
    assert str(error.value) == "This FakeIvsChat is not active; start() it first."


def test_a_with_block_may_stop_its_fake_early() -> None:
    with FakeIvsChat() as fake:
        fake.stop()
    assert not fake.active


def test_current_without_an_active_fake_is_an_error() -> None:
    with pytest.raises(RuntimeError) as error:
        FakeIvsChat.current()
    assert str(error.value) == (
        "No FakeIvsChat is active; use mock_ivschat(), fake.start() or the fake_ivschat fixture."
    )


def test_the_fake_stops_when_the_block_raises() -> None:
    with pytest.raises(KeyError), mock_ivschat() as fake:
        raise KeyError("boom")
    assert not fake.active


def test_unknown_options_are_a_type_error_naming_them() -> None:
    with pytest.raises(TypeError) as error:
        mock_ivschat(sed=1, acount_id="1")
    assert str(error.value) == (
        "mock_ivschat() got unknown option(s) 'acount_id', 'sed'; valid options: account_id, "
        "conflict_on_attached_logging_delete, logging_state_polls, quotas, seed"
    )


def test_options_reach_the_fake() -> None:
    with mock_ivschat(account_id="111122223333", seed=5) as fake:
        arn = boto3.client("ivschat", region_name=REGION).create_room()["arn"]
    assert fake.account_id == "111122223333"
    same_seed = FakeIvsChat(account_id="111122223333", seed=5).client(REGION).create_room()
    assert arn == same_seed["arn"]


# ------------------------------------------------------------------------ decorators


def count_rooms() -> int:
    return len(boto3.client("ivschat", region_name=REGION).list_rooms()["rooms"])


def test_decorated_function_gets_a_fresh_fake_per_call() -> None:
    seen: list[FakeIvsChat] = []

    @mock_ivschat(seed=3)
    def make_room(name: str) -> int:
        seen.append(FakeIvsChat.current())
        boto3.client("ivschat", region_name=REGION).create_room(name=name)
        return count_rooms()

    assert make_room("a") == 1
    assert make_room(name="b") == 1
    assert seen[0] is not seen[1]
    assert not seen[0].active and not seen[1].active
    assert make_room.__name__ == "make_room"


def test_decorated_coroutine_function() -> None:
    @mock_ivschat()
    async def make_room() -> int:
        await asyncio.sleep(0)
        boto3.client("ivschat", region_name=REGION).create_room()
        return count_rooms()

    assert asyncio.run(make_room()) == 1
    assert asyncio.run(make_room()) == 1


def test_decorated_generator_function_stays_active_while_iterated() -> None:
    @mock_ivschat()
    def rooms(names: list[str]) -> Iterator[int]:
        for name in names:
            boto3.client("ivschat", region_name=REGION).create_room(name=name)
            yield count_rooms()

    assert list(rooms(["a", "b"])) == [1, 2]
    assert list(rooms(["c"])) == [1]


def test_async_generators_and_non_callables_are_refused() -> None:
    async def agen() -> Any:
        yield 1  # pragma: no cover

    with pytest.raises(TypeError, match="cannot decorate an async generator function"):
        mock_ivschat()(agen)
    with pytest.raises(TypeError, match="not int"):
        mock_ivschat()(3)


@mock_ivschat(account_id="222233334444")
def test_decorating_a_pytest_test_keeps_its_fixtures(tmp_path: Path) -> None:
    assert tmp_path.exists()
    assert FakeIvsChat.current().account_id == "222233334444"


def test_decorated_unittest_case_gets_a_fresh_fake_per_test_from_setup_to_cleanups() -> None:
    log: list[Any] = []

    @mock_ivschat()
    class Case(unittest.TestCase):
        def setUp(self) -> None:
            self.client = boto3.client("ivschat", region_name=REGION)
            self.room = self.client.create_room(name="from-setup")
            self.addCleanup(lambda: log.append(("cleanup", count_rooms())))

        def tearDown(self) -> None:
            log.append(("tearDown", count_rooms()))

        def test_one(self) -> None:
            self.client.create_room()
            log.append(("one", count_rooms(), FakeIvsChat.current()))

        def test_two(self) -> None:
            log.append(("two", count_rooms(), FakeIvsChat.current()))

    result = unittest.TextTestRunner(stream=io.StringIO()).run(
        unittest.defaultTestLoader.loadTestsFromTestCase(Case)
    )
    assert result.wasSuccessful(), result.errors + result.failures
    one, two = (entry for entry in log if entry[0] in ("one", "two"))
    assert one[1] == 2 and two[1] == 1
    assert one[2] is not two[2]
    assert [entry for entry in log if entry[0] in ("tearDown", "cleanup")] == [
        ("tearDown", 2),
        ("cleanup", 2),
        ("tearDown", 1),
        ("cleanup", 1),
    ]
    with pytest.raises(RuntimeError):
        FakeIvsChat.current()


@mock_ivschat()
class TestDecoratedPytestClass:
    def test_first(self) -> None:
        boto3.client("ivschat", region_name=REGION).create_room()
        assert count_rooms() == 1

    def test_second(self) -> None:
        assert count_rooms() == 0

    @staticmethod
    def test_static() -> None:
        assert count_rooms() == 0

    def helper(self) -> None:  # not a test: never wrapped
        FakeIvsChat.current()


def test_helpers_of_a_decorated_class_are_not_wrapped() -> None:
    with pytest.raises(RuntimeError):
        TestDecoratedPytestClass().helper()


# ---------------------------------------------------------- decorated class hierarchies


def run_cases(case: type[unittest.TestCase]) -> None:
    tests = unittest.defaultTestLoader.loadTestsFromTestCase(case)
    result = unittest.TextTestRunner(stream=io.StringIO()).run(tests)
    assert result.wasSuccessful(), result.errors + result.failures
    assert result.testsRun == tests.countTestCases() > 0
    with pytest.raises(RuntimeError):
        FakeIvsChat.current()


class Seen:
    """What each test saw: (test id, account of the fake in setUp, in the test, in cleanups)."""

    def __init__(self) -> None:
        self.by_test: dict[str, list[FakeIvsChat]] = {}

    def note(self, case: unittest.TestCase) -> None:
        self.by_test.setdefault(case.id().rpartition(".")[2], []).append(FakeIvsChat.current())

    def accounts(self) -> dict[str, str]:
        """Each test's one fake's account; fails if a test saw more than one fake."""
        for test, fakes in self.by_test.items():
            assert all(fake is fakes[0] for fake in fakes), f"{test} saw {len(set(fakes))} fakes"
        return {test: fakes[0].account_id for test, fakes in sorted(self.by_test.items())}


def test_a_decorated_subclass_of_a_decorated_test_case_gets_one_fake_per_test() -> None:
    seen = Seen()

    @mock_ivschat(account_id="111111111111")
    class Base(unittest.TestCase):
        def setUp(self) -> None:
            seen.note(self)
            self.addCleanup(seen.note, self)

        def test_base(self) -> None:
            seen.note(self)

    @mock_ivschat(account_id="222222222222")
    class Child(Base):
        def test_child(self) -> None:
            seen.note(self)
            boto3.client("ivschat", region_name=REGION).create_room()

    run_cases(Base)
    base_only = seen.accounts()
    seen.by_test.clear()
    run_cases(Child)
    assert base_only == {"test_base": "111111111111"}
    assert seen.accounts() == {"test_base": "222222222222", "test_child": "222222222222"}


def test_a_decorated_subclass_whose_set_up_calls_super_gets_one_fake() -> None:
    seen = Seen()

    @mock_ivschat(account_id="111111111111")
    class Base(unittest.TestCase):
        def setUp(self) -> None:
            seen.note(self)

    @mock_ivschat(account_id="222222222222")
    class Child(Base):
        def setUp(self) -> None:
            seen.note(self)  # the closest decorator's fake is active before super().setUp()
            super().setUp()
            self.addCleanup(seen.note, self)

        def test_child(self) -> None:
            seen.note(self)

    run_cases(Child)
    assert seen.accounts() == {"test_child": "222222222222"}
    assert len(seen.by_test["test_child"]) == 4


def test_an_undecorated_subclass_whose_set_up_calls_super_gets_the_bases_fake() -> None:
    seen = Seen()

    @mock_ivschat(account_id="111111111111")
    class Base(unittest.TestCase):
        pass

    class Child(Base):
        def setUp(self) -> None:
            super().setUp()
            seen.note(self)

        def test_child(self) -> None:
            seen.note(self)

    run_cases(Child)
    assert seen.accounts() == {"test_child": "111111111111"}


def test_a_decorated_subclass_of_an_undecorated_test_case() -> None:
    seen = Seen()

    class Base(unittest.TestCase):
        def setUp(self) -> None:
            seen.note(self)

        def test_base(self) -> None:
            seen.note(self)

    @mock_ivschat(account_id="222222222222")
    class Child(Base):
        pass

    run_cases(Child)
    assert seen.accounts() == {"test_base": "222222222222"}
    with pytest.raises(RuntimeError):
        Base("test_base").setUp()  # the base class is left undecorated


def test_decorated_subclasses_of_a_decorated_plain_class_use_their_own_options() -> None:
    @mock_ivschat(account_id="111111111111")
    class Base:
        def test_inherited(self) -> str:
            return FakeIvsChat.current().account_id

        @mock_ivschat(account_id="333333333333")
        def test_own_decorator(self) -> str:
            return FakeIvsChat.current().account_id

    @mock_ivschat(account_id="222222222222")
    class Child(Base):
        def test_child(self) -> str:
            return FakeIvsChat.current().account_id

    assert Base().test_inherited() == "111111111111"
    assert Child().test_inherited() == "222222222222"
    assert Child().test_child() == "222222222222"
    assert Base().test_own_decorator() == Child().test_own_decorator() == "333333333333"

"""The pytest plugin, run with pytester: a fresh fake per test, markers merged closest-first,
option errors at setup, --strict-markers, pytest-xdist, and no instance-metadata probe for a
client made at import time."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from aws_env import metadata_listener, without_aws
from helpers import import_this_checkout

# Hypothesis' plugin alone costs ~0.8 s per in-process run; these runs do not need it.
FAST = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest")


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest(*FAST, *args)


def test_each_test_gets_a_fresh_active_fake_and_nothing_leaks(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import boto3
        import pytest
        from fake_ivschat import FakeIvsChat

        def use(fake):
            assert FakeIvsChat.current() is fake
            client = boto3.client("ivschat", region_name="us-west-2")
            assert client.list_rooms()["rooms"] == []
            client.create_room(name="mine")
            assert [c.operation for c in fake.calls] == ["ListRooms", "CreateRoom"]

        def test_one(fake_ivschat):
            use(fake_ivschat)

        def test_fails_midway(fake_ivschat):
            boto3.client("ivschat", region_name="us-west-2").create_room(name="left-behind")
            raise RuntimeError("boom")

        def test_two(fake_ivschat):
            use(fake_ivschat)

        def test_no_fake_without_the_fixture():
            with pytest.raises(RuntimeError):
                FakeIvsChat.current()
        """
    )
    run(pytester).assert_outcomes(passed=3, failed=1)


MARKERS_CONFTEST = """
import pytest

def pytest_collection_modifyitems(session):
    # Suite-wide options: a marker on the session node, the farthest from every test.
    session.add_marker(pytest.mark.fake_ivschat(account_id="000000000001", seed=7))
"""

MARKERS_TESTS = """
import boto3
import pytest
from fake_ivschat import FakeIvsChat

pytestmark = pytest.mark.fake_ivschat(account_id="000000000002", logging_state_polls=2)

def seeded_first_room_arn(account_id):
    return FakeIvsChat(account_id, seed=7).client("us-west-2").create_room()["arn"]

def test_module_beats_session(fake_ivschat):
    assert fake_ivschat.account_id == "000000000002"
    arn = boto3.client("ivschat", region_name="us-west-2").create_room()["arn"]
    assert arn == seeded_first_room_arn("000000000002")  # seed from the session

@pytest.mark.fake_ivschat(account_id="000000000004", seed=None)
def test_test_beats_module(fake_ivschat):
    assert fake_ivschat.account_id == "000000000004"
    arn = boto3.client("ivschat", region_name="us-west-2").create_room()["arn"]
    assert arn != seeded_first_room_arn("000000000004")

@pytest.mark.fake_ivschat(account_id="000000000003")
class TestClass:
    def test_class_beats_module(self, fake_ivschat):
        assert fake_ivschat.account_id == "000000000003"

    @pytest.mark.fake_ivschat(account_id="000000000005")
    def test_method_beats_class(self, fake_ivschat):
        assert fake_ivschat.account_id == "000000000005"
"""


def test_a_quotas_option_is_not_shared_between_tests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        from fake_ivschat import Quotas

        pytestmark = pytest.mark.fake_ivschat(quotas=Quotas(rooms=5))

        @pytest.mark.parametrize("run", [1, 2])
        def test_changes_its_own_quotas(fake_ivschat, run):
            assert fake_ivschat.quotas.rooms == 5
            fake_ivschat.quotas.rooms = 0
        """
    )
    run(pytester).assert_outcomes(passed=2)


def test_markers_merge_closest_first(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(MARKERS_CONFTEST)
    pytester.makepyfile(MARKERS_TESTS)
    run(pytester, "--strict-markers").assert_outcomes(passed=4)


def test_suite_wide_marker_alone(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(MARKERS_CONFTEST)
    pytester.makepyfile(
        """
        def test_session_options(fake_ivschat):
            assert fake_ivschat.account_id == "000000000001"
        """
    )
    run(pytester).assert_outcomes(passed=1)


def test_an_unknown_option_errors_that_test_at_setup(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.fake_ivschat(sed=1)
        def test_typo(fake_ivschat):
            pass

        @pytest.mark.fake_ivschat(1)
        def test_positional(fake_ivschat):
            pass

        @pytest.mark.fake_ivschat(sed=1)
        def test_typo_without_the_fixture():
            pass

        def test_fine(fake_ivschat):
            pass
        """
    )
    result = run(pytester)
    result.assert_outcomes(passed=2, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at setup of test_typo*",
            "@pytest.mark.fake_ivschat got unknown option(s) 'sed'; valid options: account_id, "
            "conflict_on_attached_logging_delete, logging_state_polls, quotas, seed",
            "*ERROR at setup of test_positional*",
            "@pytest.mark.fake_ivschat takes keyword options only, got (1,)",
        ]
    )
    result.stdout.no_fnmatch_line("*plugin.py*")  # the plugin's frames are not shown


def test_a_bad_option_value_errors_that_test_at_setup(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        pytestmark = pytest.mark.fake_ivschat(quotas={"rooms": 1})

        def test_dict_quotas(fake_ivschat):
            pass

        @pytest.mark.fake_ivschat(account_id="abc", quotas=None)
        def test_bad_account(fake_ivschat):
            pass

        @pytest.mark.fake_ivschat(quotas=None)
        def test_the_closest_marker_fixes_it(fake_ivschat):
            pass
        """
    )
    result = run(pytester)
    result.assert_outcomes(passed=1, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at setup of test_dict_quotas*",
            "@pytest.mark.fake_ivschat: quotas must be a Quotas, got {'rooms': 1} (dict); build"
            " one with `from fake_ivschat import Quotas` and quotas=Quotas(rooms=1)",
            "*ERROR at setup of test_bad_account*",
            "@pytest.mark.fake_ivschat: account_id must be a 12-digit AWS account ID string such"
            " as '123456789012', got 'abc'",
        ]
    )
    result.stdout.no_fnmatch_line("*plugin.py*")
    result.stdout.no_fnmatch_line("During handling*")


def test_the_marker_is_registered(pytester: pytest.Pytester) -> None:
    result = run(pytester, "--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.fake_ivschat(**options): FakeIvsChat keyword*"])


def test_works_with_pytest_xdist(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_this_checkout(monkeypatch)
    pytester.makepyfile(
        """
        import boto3
        import pytest

        @pytest.mark.parametrize("index", range(8))
        def test_isolated(fake_ivschat, index):
            client = boto3.client("ivschat", region_name="us-west-2")
            client.create_room(name=f"room{index}")
            assert [r["name"] for r in client.list_rooms()["rooms"]] == [f"room{index}"]
        """
    )
    result = pytester.runpytest_subprocess(*FAST, "-n", "2")
    result.assert_outcomes(passed=8)
    result.stdout.fnmatch_lines(["*2 workers*"])


MODULE_LEVEL_CLIENT = """
import os
import subprocess
import sys
import boto3

CLIENT = boto3.client("ivschat", region_name="us-west-2")  # made at import, before any fake

def test_module_level_client_reaches_the_fake(fake_ivschat):
    CLIENT.create_room(name="made-at-import")
    assert fake_ivschat.assert_called("CreateRoom", name="made-at-import")
"""


def test_a_client_made_at_import_never_probes_instance_metadata(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    without_aws(monkeypatch, tmp_path)
    pytester.makepyfile(MODULE_LEVEL_CLIENT)
    with metadata_listener(monkeypatch) as probes:
        monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)  # a fresh credential chain
        run(pytester).assert_outcomes(passed=1)
        assert probes == []
        assert "AWS_EC2_METADATA_DISABLED" not in os.environ  # restored after the run

        # Without the plugin botocore probes (so this test would see a regression).
        monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
        pytester.makepyfile(
            "import boto3\nCLIENT = boto3.client('ivschat', region_name='us-west-2')\n"
            "def test_nothing():\n    pass\n"
        )
        run(pytester, "-p", "no:fake_ivschat").assert_outcomes(passed=1)
        assert probes != []


def test_the_metadata_switch_is_left_alone_when_the_user_set_it(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "false")
    pytester.makepyfile(
        """
        import os

        def test_switch():
            assert os.environ["AWS_EC2_METADATA_DISABLED"] == "false"
        """
    )
    run(pytester).assert_outcomes(passed=1)


def test_the_metadata_switch_is_set_while_pytest_runs(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_EC2_METADATA_DISABLED")
    pytester.makeconftest(
        """
        import os
        import pytest

        AT_IMPORT = os.environ.get("AWS_EC2_METADATA_DISABLED")

        @pytest.fixture
        def switch_at_conftest_import():
            return AT_IMPORT
        """
    )
    pytester.makepyfile(
        """
        import os

        def test_switch(switch_at_conftest_import):
            assert switch_at_conftest_import == "true"
            assert os.environ["AWS_EC2_METADATA_DISABLED"] == "true"
        """
    )
    run(pytester).assert_outcomes(passed=1)
    assert "AWS_EC2_METADATA_DISABLED" not in os.environ


LEAKING_TESTS = """
import boto3
import pytest
from fake_ivschat import FakeIvsChat, mock_ivschat

def test_starts_and_fails():
    fake = FakeIvsChat(account_id="111111111111").start()
    fake.client("us-west-2").create_room(name="left-behind")
    raise AssertionError("failed before stop()")

def test_enters_and_never_exits():
    mock_ivschat(account_id="222222222222").__enter__()

def test_later_with_the_fixture(fake_ivschat):
    assert fake_ivschat.account_id == "123456789012"
    assert boto3.client("ivschat", region_name="us-west-2").list_rooms()["rooms"] == []

def test_later_without_the_fixture():
    with pytest.raises(RuntimeError):
        FakeIvsChat.current()
"""


def test_a_fake_left_active_fails_its_test_and_is_stopped(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(LEAKING_TESTS)
    result = run(pytester)
    result.assert_outcomes(passed=3, failed=1, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_starts_and_fails*",
            "test_a_fake_left_active_fails_its_test_and_is_stopped.py::test_starts_and_fails left"
            " a FakeIvsChat active: <FakeIvsChat account 111111111111*",
            "The plugin stopped it so that later tests are unaffected. Stop every fake a test"
            " starts: use `with mock_ivschat() as fake:` or the fake_ivschat fixture, or call"
            " fake.stop() in a `finally:` block.",
            "*ERROR at teardown of test_enters_and_never_exits*",
            "*::test_enters_and_never_exits left a FakeIvsChat active: <FakeIvsChat account"
            " 222222222222*",
        ]
    )


def test_a_fake_started_by_a_wider_fixture_keeps_working(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import pytest
        from fake_ivschat import FakeIvsChat

        @pytest.fixture(scope="session")
        def session_fake():
            fake = FakeIvsChat(account_id="333333333333").start()
            yield fake
            fake.stop()

        @pytest.fixture(scope="module")
        def module_fake():
            with FakeIvsChat(account_id="444444444444") as fake:
                yield fake
        """
    )
    pytester.makepyfile(
        test_a="""
        import boto3
        from fake_ivschat import FakeIvsChat

        def test_first(session_fake):
            boto3.client("ivschat", region_name="us-west-2").create_room(name="shared")

        def test_second(session_fake):
            assert FakeIvsChat.current() is session_fake
            assert len(session_fake.get_calls("CreateRoom")) == 1

        def test_without_asking_for_it():
            assert FakeIvsChat.current().account_id == "333333333333"
        """,
        test_b="""
        from fake_ivschat import FakeIvsChat

        def test_module_one(module_fake):
            assert FakeIvsChat.current() is module_fake

        def test_module_two(module_fake):
            assert FakeIvsChat.current() is module_fake
        """,
    )
    # Fakes do not nest: the session's fake and the module's are tried in runs of their own.
    run(pytester, "test_a.py").assert_outcomes(passed=3)
    run(pytester, "test_b.py").assert_outcomes(passed=2)


# What the plugin must not load at pytest's start: the fake's own dependencies.
DEPENDENCIES = ("aiobotocore", "boto3", "botocore", "cryptography", "websockets")
LOADED = f"sorted(m for m in sys.modules if m.partition('.')[0] in {DEPENDENCIES!r})"


def test_importing_the_plugin_loads_none_of_the_fakes_dependencies() -> None:
    # pytest imports the plugin in every run where the package is installed (the pytest11 entry
    # point), including runs and xdist workers that never use the fake.
    code = f"import sys\nimport fake_ivschat.plugin\nprint({LOADED})"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]", done.stdout


def test_a_run_that_uses_no_fixture_never_loads_the_fake(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_this_checkout(monkeypatch)
    pytester.makepyfile(
        f"""
        import sys

        def test_without_the_fake():
            assert {LOADED} == []

        def test_with_the_fake(fake_ivschat):
            assert "botocore" in sys.modules
        """
    )
    # -p fake_ivschat: loaded by name, as the installed entry point would load it.
    result = pytester.runpytest_subprocess(*FAST, "-p", "fake_ivschat")
    result.assert_outcomes(passed=2)

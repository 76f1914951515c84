"""The pytest plugin (registered via ``pytest11``): the ``fake_ivschat`` and
``fake_ivschat_server`` fixtures and the marker.

It holds no logic: it merges the marker's options, starts a fake, yields it and stops it. It also
keeps botocore from probing the EC2 instance-metadata address, which a client made at import time
(before any fake is active) would otherwise do when it finds no credentials, and stops a fake a
test left active (failing that test at teardown), so later tests are unaffected.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Generator, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import pytest

# pytest imports this module at the start of every run where the package is installed: the fake's
# modules (botocore, cryptography...) load when a fixture is first used, never here.
if TYPE_CHECKING:
    from ._fake import FakeIvsChat
    from ._transport.server import Server

MARKER = "fake_ivschat"
# botocore's own switch; the plugin sets it to "true" only when the user has not set it at all.
IMDS_SWITCH = "AWS_EC2_METADATA_DISABLED"
# The fake active when the test's function started (or, if setup failed, when setup started):
# one still active after teardown that is not this one was left running by the test.
_ACTIVE_AT_START = pytest.StashKey["FakeIvsChat | None"]()
LEAKED = (
    "{test} left a FakeIvsChat active: {fake!r}.\n"
    "The plugin stopped it so that later tests are unaffected. Stop every fake a test starts:"
    " use `with mock_ivschat() as fake:` or the fake_ivschat fixture, or call fake.stop() in a"
    " `finally:` block."
)


def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    # The earliest hook an installed plugin gets: before conftest.py files and test modules are
    # imported, so that module-level clients made while they load never probe the network.
    if IMDS_SWITCH not in os.environ:
        os.environ[IMDS_SWITCH] = "true"
        early_config.add_cleanup(_restore_imds_switch)


def _restore_imds_switch() -> None:
    os.environ.pop(IMDS_SWITCH, None)


def _active_fake() -> FakeIvsChat | None:
    """The active fake; None, without importing the fake's modules, when no fake ever existed."""
    fakes = sys.modules.get(f"{__package__}._fake")
    return None if fakes is None else fakes.active_fake()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    item.stash[_ACTIVE_AT_START] = _active_fake()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    # A fake started by a fixture during setup (of any scope) was active when the test started.
    item.stash[_ACTIVE_AT_START] = _active_fake()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    outcome = yield
    if call.when != "teardown":
        return
    leaked = _active_fake()
    if leaked is None or leaked is item.stash.get(_ACTIVE_AT_START, None):
        return
    message = LEAKED.format(test=item.nodeid, fake=leaked)
    leaked.stop()
    # Failing the teardown report (instead of raising from a hook) works on every pluggy.
    report: pytest.TestReport = outcome.get_result()
    if report.passed:
        report.outcome, report.longrepr = "failed", message
    else:
        report.sections.append(("fake_ivschat", message))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(**options): FakeIvsChat keyword arguments for the fake_ivschat fixture "
        "(account_id, seed, quotas, ...); closest marker wins per option.",
    )


def _options(node: pytest.Item) -> Mapping[str, Any]:
    from ._service.options import fake_options

    merged: dict[str, Any] = {}
    for marker in node.iter_markers(MARKER):  # closest first: test, class, module, session
        if marker.args:
            pytest.fail(
                f"@pytest.mark.{MARKER} takes keyword options only, got {marker.args!r}",
                pytrace=False,
            )
        merged = {**marker.kwargs, **merged}
    try:
        return fake_options(merged, f"@pytest.mark.{MARKER}")
    except (TypeError, ValueError) as error:
        problem = str(error)
    pytest.fail(problem, pytrace=False)  # outside the except: no "During handling..." twice


@pytest.fixture
def fake_ivschat(request: pytest.FixtureRequest) -> Iterator[FakeIvsChat]:
    """A fresh FakeIvsChat, active for this test: every ivschat client reaches it."""
    from ._fake import FakeIvsChat

    with FakeIvsChat(**_options(request.node)) as fake:
        yield fake


@pytest.fixture
def fake_ivschat_server(fake_ivschat: FakeIvsChat) -> Iterator[Server]:
    """The running server of this test's ``fake_ivschat`` on loopback (``endpoint_url``,
    ``chat_url``), closed after the test."""
    with fake_ivschat.serve() as server:
        yield server

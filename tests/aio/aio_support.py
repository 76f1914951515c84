"""What the async tests share. Importing it skips the importing test module where aiobotocore is
absent (the main environment: aiobotocore pins botocore to a narrow window, so these tests run in
environments of their own, see .ci/run); tests of aioboto3 skip where it is absent (it pins an
older aiobotocore). Under CI, a package named in ``FAKE_IVSCHAT_AIO_TESTS`` (comma-separated)
must be there: its absence fails the run instead.

The tests are plain functions that run their coroutines with ``asyncio.run``: no plugin to
install or configure, a fresh event loop per run, and the fake's fixture and decorators used
exactly as a synchronous test (or a coroutine function) uses them.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import random
from collections.abc import Coroutine, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import pytest
from aws_env import without_aws

# Set by .ci/run for each aio environment to the packages it installed, e.g. "aiobotocore".
AIO_VARIABLE = "FAKE_IVSCHAT_AIO_TESTS"
T = TypeVar("T")


def require(name: str) -> ModuleType:
    """The module ``name`` (aiobotocore, aioboto3); else skip (a failure where it is expected)."""
    try:
        return importlib.import_module(name)
    except ImportError as missing:
        reason = (
            f"{name} is not installed ({missing}); .ci/run runs tests/aio in environments of"
            " their own: pip install 'fake-ivschat[aio]' (and aioboto3) to run them here"
        )
    expected = os.environ.get(AIO_VARIABLE, "").replace(" ", "").split(",")
    if os.environ.get("CI") and name in expected:  # outside the except: no chained traceback
        pytest.fail(f"{reason} ({AIO_VARIABLE} says it must be here)", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def aioboto3_session(**kwargs: Any) -> Any:
    """``aioboto3.Session(**kwargs)``; the test skips where aioboto3 is absent."""
    return require("aioboto3").Session(**kwargs)


require("aiobotocore")

# Test modules import aiobotocore's names from here, so that its absence skips them first.
from aiobotocore.client import AioBaseClient  # noqa: E402
from aiobotocore.session import AioSession, get_session  # noqa: E402

REGION = "us-west-2"
ORIGINALS = {
    (AioBaseClient, "_make_api_call"): vars(AioBaseClient)["_make_api_call"],
    (AioSession, "_create_client"): vars(AioSession)["_create_client"],
}


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """``coroutine`` run to its end on a fresh event loop."""
    return asyncio.run(coroutine)


def restored() -> bool:
    """Whether aiobotocore's patched attributes are the very objects they were at import."""
    return all(vars(cls)[name] is original for (cls, name), original in ORIGINALS.items())


@pytest.fixture(autouse=True)
def aiobotocore_restored() -> Iterator[None]:
    """Nothing left active or patched by a test."""
    assert restored()
    yield
    assert restored()


@pytest.fixture
def no_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No credentials anywhere: the environment's are removed, the shared files missing."""
    without_aws(monkeypatch, tmp_path)
    yield


@pytest.fixture
def seeded_backoff() -> Iterator[None]:
    """botocore draws each backoff delay from the process-wide generator: seeded, every retry
    delay (which the fake skips, but counts) is repeatable."""
    state = random.getstate()
    random.seed(8)
    yield
    random.setstate(state)


class Sleeps:
    """Every delay asked of ``asyncio.sleep`` while installed; each still yields to the loop."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.asked: list[float] = []
        self._sleep = asyncio.sleep
        monkeypatch.setattr(asyncio, "sleep", self)

    async def __call__(self, seconds: float, result: Any = None) -> Any:
        self.asked.append(seconds)
        return await self._sleep(0, result)


__all__ = ["AioBaseClient", "AioSession", "get_session"]

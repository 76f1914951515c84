"""Shared fixtures. The suite never touches the network: no instance-metadata probe either."""

from __future__ import annotations

import os

os.environ["AWS_EC2_METADATA_DISABLED"] = "true"

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import Phase, settings
from response_audit import ResponseAudit

from fake_ivschat import FakeIvsChat

REGION = "us-west-2"


@pytest.fixture(autouse=True)
def output_audit(monkeypatch: pytest.MonkeyPatch) -> Iterator[ResponseAudit]:
    """Every body a fake sends during the test must fit botocore's model, which would otherwise
    silently drop unknown keys; offenders fail the test at teardown."""
    audit = ResponseAudit()
    audit.install(monkeypatch)
    yield audit
    if audit.problems:
        pytest.fail(audit.report(), pytrace=False)


@pytest.fixture
def fake() -> FakeIvsChat:
    """A fresh fake with reproducible IDs (not routed: use ``client``)."""
    return FakeIvsChat(seed=1234)


@pytest.fixture
def client(fake: FakeIvsChat) -> Any:
    """A real botocore ivschat client in us-west-2 answered by ``fake``."""
    return fake.client(region_name=REGION)


@pytest.fixture
def room(client: Any) -> Iterator[dict[str, Any]]:
    yield client.create_room(name="lobby")


# Hypothesis: derandomized (the same examples on every run, no example database) unless
# HYPOTHESIS_PROFILE=dev asks for random exploration with ten times the examples.
settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],  # "explain" is slow
)
settings.register_profile("dev", max_examples=1000, database=None, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

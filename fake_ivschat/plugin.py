"""The pytest plugin: the ``fake_ivschat`` fixture and marker (registered via ``pytest11``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ._fake import FakeIvsChat


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "fake_ivschat(**options): options for the fake_ivschat fixture of these tests"
    )


@pytest.fixture
def fake_ivschat() -> Iterator[FakeIvsChat]:
    """A fresh FakeIvsChat for this test."""
    yield FakeIvsChat()

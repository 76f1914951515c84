"""A stand-in for ``time.sleep`` that records what was asked and never waits: proof that a retry
against the fake costs no wall-clock time, which timing a test on a busy machine cannot give."""

from __future__ import annotations

import time

import pytest


class Sleeps:
    """Every delay asked of ``time.sleep`` while installed, in seconds."""

    def __init__(self) -> None:
        self.asked: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)

    def install(self, monkeypatch: pytest.MonkeyPatch) -> Sleeps:
        monkeypatch.setattr(time, "sleep", self)
        return self

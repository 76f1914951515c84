"""What installing the package costs every pytest run: pytest's start on a one-test folder with
the plugin (as the ``pytest11`` entry point loads it) and without it (``-p no:fake_ivschat``)."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def pytest_startup(pairs: int) -> tuple[float, list[float]]:
    """Median seconds of ``pytest`` with the plugin, and the ratio with/without of each of
    ``pairs`` pairs of runs in fresh processes. The two runs of a pair follow each other, so that
    the machine's drift cancels out in its ratio; their order alternates from pair to pair."""
    times: dict[bool, list[float]] = {True: [], False: []}
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "test_one.py").write_text("def test_one():\n    pass\n")
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", folder]
        environment = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        for pair in range(pairs + 1):  # the first pair warms the file system's caches
            for plugin in (True, False) if pair % 2 else (False, True):
                started = time.perf_counter()
                subprocess.run(
                    command if plugin else [*command, "-p", "no:fake_ivschat"],
                    cwd=folder,
                    env=environment,
                    check=True,
                    capture_output=True,
                    timeout=120,
                )
                if pair:
                    times[plugin].append(time.perf_counter() - started)
    ratios = [a / b for a, b in zip(times[True], times[False], strict=True)]
    return statistics.median(times[True]), ratios

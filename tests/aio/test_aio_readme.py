"""The README's async examples run as written, here where aiobotocore is installed: the blocks whose
first line is ``MARK``. The main environment's test_readme.py runs none of them (they do not start
with an import). A block that uses aioboto3 runs where aioboto3 is installed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from aio_support import aiobotocore_restored, require  # noqa: F401

README = Path(__file__).resolve().parents[2] / "README.md"
MARK = "# needs fake-ivschat[aio]"


def aio_blocks() -> list[str]:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)
    return [block for block in blocks if block.startswith(MARK)]


def test_the_readme_has_async_examples() -> None:
    assert [block for block in aio_blocks() if "def test_" in block]
    assert [block for block in aio_blocks() if "def test_" not in block]


@pytest.mark.parametrize("block", aio_blocks(), ids=[f"block{i}" for i in range(len(aio_blocks()))])
def test_every_async_example_runs(block: str, pytester: pytest.Pytester) -> None:
    if "aioboto3" in block:
        require("aioboto3")
    if "def test_" not in block:
        exec(compile(block, "README.md", "exec"), {})
        return
    tests = len(re.findall(r"^(?:async )?def test_", block, flags=re.MULTILINE))
    pytester.makepyfile(test_example=block)
    pytester.runpytest_inprocess("--strict-markers", "-p", "no:cacheprovider").assert_outcomes(
        passed=tests
    )

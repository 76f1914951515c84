"""The async examples of the README and of docs/ run as written, here where aiobotocore is
installed: the blocks whose first line is ``MARK``. The main environment's test_readme.py runs none
of them (they do not start with an import). A block that uses aioboto3 runs where aioboto3 is
installed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from aio_support import aiobotocore_restored, require  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
MARK = "# needs fake-ivschat[aio]"


def aio_examples() -> list[tuple[str, str]]:
    """(page, block) of every async example, the page relative to the repository."""
    found = []
    for page in PAGES:
        blocks = re.findall(r"```python\n(.*?)```", page.read_text(), flags=re.DOTALL)
        name = page.relative_to(ROOT).as_posix()
        found += [(name, block) for block in blocks if block.startswith(MARK)]
    return found


def aio_blocks() -> list[str]:
    return [block for _, block in aio_examples()]


def test_the_readme_and_docs_have_async_examples() -> None:
    assert [block for block in aio_blocks() if "def test_" in block]
    assert [block for block in aio_blocks() if "def test_" not in block]


@pytest.mark.parametrize(
    "block", aio_blocks(), ids=[f"{page}:{i}" for i, (page, _) in enumerate(aio_examples())]
)
def test_every_async_example_runs(block: str, pytester: pytest.Pytester) -> None:
    if "aioboto3" in block:
        require("aioboto3")
    if "def test_" not in block:
        exec(compile(block, "docs_example", "exec"), {})
        return
    tests = len(re.findall(r"^(?:async )?def test_", block, flags=re.MULTILINE))
    pytester.makepyfile(test_example=block)
    pytester.runpytest_inprocess("--strict-markers", "-p", "no:cacheprovider").assert_outcomes(
        passed=tests
    )

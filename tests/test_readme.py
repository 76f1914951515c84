"""The README's examples run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


def test_the_first_lines_give_the_install_and_test_commands() -> None:
    first_block = re.search(r"```bash\n(.*?)```", README.read_text(), flags=re.DOTALL)
    assert first_block is not None
    assert first_block.group(1).split("\n")[:2] == ['pip install -e ".[test]"', "pytest"]


def standalone_blocks() -> list[str]:
    """Blocks that are whole programs (they start with their imports) rather than test files or
    fragments continuing an earlier block."""
    return [
        block
        for block in python_blocks()
        if block.startswith(("import ", "from ")) and "def test_" not in block
    ]


def test_the_opening_example_runs() -> None:
    exec(compile(python_blocks()[0], "README.md", "exec"), {})


@pytest.mark.parametrize(
    "block", standalone_blocks(), ids=[f"block{i}" for i, _ in enumerate(standalone_blocks())]
)
def test_every_standalone_example_runs(block: str) -> None:
    exec(compile(block, "README.md", "exec"), {})


def test_the_plugin_example_passes_as_a_test_file(pytester: pytest.Pytester) -> None:
    [example] = [block for block in python_blocks() if "def test_lobby(fake_ivschat)" in block]
    pytester.makepyfile(test_example=example)
    pytester.runpytest_inprocess("--strict-markers").assert_outcomes(passed=1)

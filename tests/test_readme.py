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


def layout_rows() -> list[tuple[str, str]]:
    """(module cell, tests cell) of each row of the README's Layout table."""
    section = README.read_text().split("## Layout", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1:-1] for line in section.splitlines() if line.startswith("| `")]
    return [(cells[0], cells[2]) for cells in rows]


def test_the_layout_table_lists_every_module_of_the_package() -> None:
    package = README.parent / "fake_ivschat"
    modules = {
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if path.parent == package or path.name != "__init__.py"  # subpackages: a heading row
    }
    listed = {
        re.sub(r"^fake_ivschat/", "", re.findall(r"`([^`]+)`", cell)[0])
        for cell, _ in layout_rows()
    }
    assert listed == modules


def test_the_layout_table_names_every_test_file_and_only_existing_ones() -> None:
    named = {name for _, cell in layout_rows() for name in re.findall(r"`([^`]+)`", cell)}
    tests = README.parent / "tests"
    existing = {
        path.relative_to(tests).as_posix()  # `aio/test_aio_routing.py` for one in tests/aio/
        for path in tests.rglob("test_*.py")
        if "node_modules" not in path.parts
    }
    assert named == existing

"""The README's examples run as written: every ```python block is a program run here, a pytest
file whose tests must all pass here, an async example run by tests/aio/test_aio_readme.py (where
aiobotocore is installed), or an excerpt of a file the suite runs (a first line ``# excerpt of
PATH``), checked here to be that file's text. A block that is none of these fails.

The README's ```js and ```bash blocks are not run here. What the JavaScript ones show (a ChatRoom of
the official SDK on `server.chat_url`, @aws-sdk/client-ivschat on `endpoint_url`, the admin routes)
is what tests/test_js_sdk.py and tests/test_js_control_plane.py drive through tests/js/driver.js,
with tests/test_serve_admin.py; the AWS CLI lines are tests/test_aws_cli.py's, and `python -m
fake_ivschat serve` / `demo` are run by tests/test_serve_cli.py and tests/test_demo.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
AIO_MARK = "# needs fake-ivschat[aio]"  # the first line of the blocks tests/aio runs
TEST_DEF = re.compile(r"^\s*(?:async )?def test_", flags=re.MULTILINE)
FILE_LINE = re.compile(r"^# (\w+)\.py\n", flags=re.MULTILINE)  # starts another file of a block
# The first line of a block quoting a file under a test path (pyproject's testpaths); a line
# "# ..." in it stands for lines left out.
EXCERPT = re.compile(r"^# excerpt of ((?:tests|examples)/[\w/]+\.py)\n")
LEFT_OUT = re.compile(r"^# \.\.\.\n", flags=re.MULTILINE)


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


def kind(block: str) -> str:
    if block.startswith(AIO_MARK):
        return "async example"
    if EXCERPT.match(block):
        return "excerpt"
    if TEST_DEF.search(block):
        return "test file"
    if block.startswith(("import ", "from ")):
        return "program"
    return "fragment"


def blocks_of(wanted: str) -> list[str]:
    return [block for block in python_blocks() if kind(block) == wanted]


def ids(blocks: list[str]) -> list[str]:
    """Each block by the heading of the README section it is in."""
    text = README.read_text()
    fences = [m.span() for m in re.finditer(r"^```.*?^```", text, flags=re.MULTILINE | re.DOTALL)]
    headings = [
        (m.start(), m.group(1))
        for m in re.finditer(r"^#+ (.+)$", text, flags=re.MULTILINE)
        if not any(start < m.start() < end for start, end in fences)  # not a comment in code
    ]
    names = []
    for block in blocks:
        at = text.index(f"```python\n{block}```")
        names.append(max((start, name) for start, name in headings if start < at)[1])
    return [f"{i}: {name}" for i, name in enumerate(names)]


def test_the_first_lines_give_the_install_and_test_commands() -> None:
    text = README.read_text()
    first_block = re.search(r"```bash\n(.*?)```", text, flags=re.DOTALL)
    assert first_block is not None
    assert first_block.group(1).split("\n")[:2] == ['pip install -e ".[test]"', "pytest"]
    before = [line for line in text[: first_block.start()].splitlines() if line.strip()]
    assert len(before) <= 2  # a title and a one-line description at most


def test_the_first_example_is_a_pytest_test_and_the_demo_comes_soon_after() -> None:
    assert kind(python_blocks()[0]) == "test file"
    lines = README.read_text().splitlines()
    assert "python -m fake_ivschat demo" in lines[:100]
    assert any("examples/" in line for line in lines[:100])


def test_every_python_block_runs_somewhere() -> None:
    fragments = blocks_of("fragment")
    assert fragments == [], (
        "these README blocks run nowhere: start each with its imports (a program), define a"
        " test (a pytest file), or mark it as async with its first line " + repr(AIO_MARK)
    )
    aio_test = (ROOT / "tests" / "aio" / "test_aio_readme.py").read_text()
    assert f'MARK = "{AIO_MARK}"' in aio_test  # the async blocks are the ones it runs
    assert blocks_of("async example")


@pytest.mark.parametrize("block", blocks_of("program"), ids=ids(blocks_of("program")))
def test_every_program_runs(block: str) -> None:
    exec(compile(block, "README.md", "exec"), {"__name__": "readme_example"})


def excerpt_missing(block: str) -> str | None:
    """The first piece of an excerpt that is not in its file after the pieces before it."""
    match = EXCERPT.match(block)
    assert match is not None
    text = (ROOT / match.group(1)).read_text()
    at = 0
    for piece in LEFT_OUT.split(block[match.end() :]):
        piece = piece.strip("\n")
        found = text.find(piece, at)
        if found < 0:
            return piece
        at = found + len(piece)
    return None


@pytest.mark.parametrize("block", blocks_of("excerpt"), ids=ids(blocks_of("excerpt")))
def test_every_excerpt_is_the_text_of_the_file_it_names(block: str) -> None:
    missing = excerpt_missing(block)
    assert missing is None, f"the README quotes what its file does not say:\n{missing}"


def test_an_excerpt_altered_or_out_of_order_is_caught() -> None:
    quote = "# excerpt of examples/chat_backend/rooms.py\n"
    first, second = 'APP_TAG, APP = "app", "chat-backend"', 'STREAM_TAG = "stream"'
    assert kind(f"{quote}def test_x():\n    pass\n") == "excerpt"
    assert excerpt_missing(f"{quote}{first}\n# ...\n{second}\n") is None
    assert excerpt_missing(f"{quote}{second}\n# ...\n{first}\n") == first
    assert excerpt_missing(f"{quote}{first}\n{second}x\n") == f"{first}\n{second}x"


def files(block: str) -> dict[str, str]:
    """The files of a test-file block: ``test_example`` and those a ``# name.py`` line starts."""
    pieces = FILE_LINE.split(block)
    named = {"test_example": pieces[0]} if pieces[0].strip() else {}
    named.update(zip(pieces[1::2], pieces[2::2]))
    return named


@pytest.mark.parametrize("block", blocks_of("test file"), ids=ids(blocks_of("test file")))
def test_every_test_file_passes(block: str, pytester: pytest.Pytester) -> None:
    pytester.makepyfile(**files(block))
    result = pytester.runpytest_inprocess("--strict-markers", "-p", "no:cacheprovider")
    outcomes = result.parseoutcomes()
    assert set(outcomes) == {"passed"}, result.stdout.str()
    assert outcomes["passed"] >= len(TEST_DEF.findall(block))


def test_a_block_of_files_is_split_at_its_file_lines() -> None:
    block = "# conftest.py\nX = 1\n\n\n# test_b.py\ndef test_b():\n    pass\n"
    assert files(block) == {"conftest": "X = 1\n\n\n", "test_b": "def test_b():\n    pass\n"}
    assert files("def test_a():\n    pass\n") == {"test_example": "def test_a():\n    pass\n"}


def layout_rows() -> list[tuple[str, str]]:
    """(module cell, tests cell) of each row of the README's Layout table."""
    section = re.split(r"^#+ Layout\n", README.read_text(), maxsplit=1, flags=re.MULTILINE)[1]
    section = re.split(r"^#", section, maxsplit=1, flags=re.MULTILINE)[0]
    rows = [line.split("|")[1:-1] for line in section.splitlines() if line.startswith("| `")]
    return [(cells[0], cells[2]) for cells in rows]


def test_the_layout_table_lists_every_module_of_the_package() -> None:
    package = ROOT / "fake_ivschat"
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
    tests = ROOT / "tests"
    existing = {
        path.relative_to(tests).as_posix()  # `aio/test_aio_routing.py` for one in tests/aio/
        for path in tests.rglob("test_*.py")
        if "node_modules" not in path.parts
    }
    assert named == existing

"""The examples of the README and of the documentation site (docs/) run as written: every
```python block is a program run here, a pytest file whose tests must all pass here, an async
example run by tests/aio/test_aio_readme.py (where aiobotocore is installed), or an excerpt of a
file the suite runs (a first line ``# excerpt of PATH``), checked here to be that file's text. A
block that is none of these fails.

The ```js and ```bash blocks are not run here. What the JavaScript ones show (a ChatRoom of the
official SDK on `server.chat_url`, @aws-sdk/client-ivschat on `endpoint_url`, the admin routes) is
what tests/test_js_sdk.py and tests/test_js_control_plane.py drive through tests/js/driver.js, with
tests/test_serve_admin.py; the AWS CLI lines are tests/test_aws_cli.py's, and `python -m
fake_ivschat serve` / `demo` are run by tests/test_serve_cli.py and tests/test_demo.py.

`mkdocs build --strict` (in .ci/run) checks the site's links and anchors; the README's own links
are checked here."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

import fake_ivschat

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
CI_RUN = ROOT / ".ci" / "run"
PAGES = [README, *sorted(DOCS.rglob("*.md"))]
ARCHITECTURE = DOCS / "explanation" / "architecture.md"  # holds the Layout table
AIO_MARK = "# needs fake-ivschat[aio]"  # the first line of the blocks tests/aio runs
TEST_DEF = re.compile(r"^\s*(?:async )?def test_", flags=re.MULTILINE)
FILE_LINE = re.compile(r"^# (\w+)\.py\n", flags=re.MULTILINE)  # starts another file of a block
README_LINES = 200
# The first line of a block quoting a file under a test path (pyproject's testpaths); a line
# "# ..." in it stands for lines left out.
EXCERPT = re.compile(r"^# excerpt of ((?:tests|examples)/[\w/]+\.py)\n")
LEFT_OUT = re.compile(r"^# \.\.\.\n", flags=re.MULTILINE)


def python_blocks(page: Path = README) -> list[str]:
    return re.findall(r"```python\n(.*?)```", page.read_text(), flags=re.DOTALL)


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


def section(page: Path, block: str) -> str:
    """The heading of the section of ``page`` that ``block`` is in."""
    text = page.read_text()
    fences = [m.span() for m in re.finditer(r"^```.*?^```", text, flags=re.MULTILINE | re.DOTALL)]
    headings = [
        (m.start(), m.group(1))
        for m in re.finditer(r"^#+ (.+)$", text, flags=re.MULTILINE)
        if not any(start < m.start() < end for start, end in fences)  # not a comment in code
    ]
    at = text.index(f"```python\n{block}```")
    return max((start, name) for start, name in headings if start < at)[1]


def examples(wanted: str) -> list[pytest.ParameterSet]:
    """Every block of the README and docs/ of kind ``wanted``, named by page and section."""
    found = []
    for page in PAGES:
        for i, block in enumerate(python_blocks(page)):
            if kind(block) == wanted:
                name = f"{page.relative_to(ROOT).as_posix()}:{i}: {section(page, block)}"
                found.append(pytest.param(page, block, id=name))
    return found


def test_the_first_lines_give_the_install_and_test_commands() -> None:
    text = README.read_text()
    first_block = re.search(r"```bash\n(.*?)```", text, flags=re.DOTALL)
    assert first_block is not None
    install, test = first_block.group(1).split("\n")[:2]
    ci_installs = re.findall(r"^python3 -m pip install .*$", CI_RUN.read_text(), flags=re.MULTILINE)
    assert ci_installs == [install]  # CI installs as the README says, tools pinned
    assert re.search(r' -e "\.\[test,docs\]" ', install), install
    assert test == "pytest"
    before = [line for line in text[: first_block.start()].splitlines() if line.strip()]
    assert len(before) <= 2  # a title and a one-line description at most


def test_the_first_example_is_a_pytest_test_and_the_demo_comes_soon_after() -> None:
    assert kind(python_blocks()[0]) == "test file"
    lines = README.read_text().splitlines()
    assert "python -m fake_ivschat demo" in lines[:100]
    assert any("examples/" in line for line in lines[:100])


def test_the_readme_is_short_and_leads_into_the_docs() -> None:
    text = README.read_text()
    assert len(text.splitlines()) <= README_LINES
    assert "mkdocs serve" in text
    linked = set(re.findall(r"\]\((docs/[^)#]+\.md)", text))
    assert {"docs/tutorial.md", "docs/index.md"} <= linked


def anchors(page: Path) -> set[str]:
    """The anchors of the headings of ``page``, as MkDocs and GitHub make them."""
    text = re.sub(r"^```.*?^```", "", page.read_text(), flags=re.MULTILINE | re.DOTALL)
    headings = re.findall(r"^#+ (.+)$", text, flags=re.MULTILINE)
    slugs = (re.sub(r"[^\w\s-]", "", h.replace("`", "")).strip().lower() for h in headings)
    return {re.sub(r"[-\s]+", "-", slug) for slug in slugs}


def test_every_relative_link_of_the_readme_leads_to_a_file_and_anchor() -> None:
    targets = re.findall(r"\]\(([^)\s]+)\)", README.read_text())
    local = [target.partition("#") for target in targets if not re.match(r"\w+:", target)]
    assert {path for path, _, _ in local} > {""}  # the README links into the docs
    assert [path for path, _, _ in local if path and not (ROOT / path).exists()] == []
    broken = [
        f"{path}#{anchor}"
        for path, _, anchor in local
        if anchor and anchor not in anchors(ROOT / path if path else README)
    ]
    assert broken == []


def test_every_python_block_runs_somewhere() -> None:
    assert examples("fragment") == [], (
        "these blocks run nowhere: start each with its imports (a program), define a test (a"
        " pytest file), or mark it as async with its first line " + repr(AIO_MARK)
    )
    aio_test = (ROOT / "tests" / "aio" / "test_aio_readme.py").read_text()
    assert f'MARK = "{AIO_MARK}"' in aio_test  # the async blocks are the ones it runs
    assert examples("async example")
    assert {param.values[0] for param in examples("program")} > {README}  # docs/ pages too


@pytest.mark.parametrize(("page", "block"), examples("program"))
def test_every_program_runs(page: Path, block: str) -> None:
    exec(compile(block, page.name, "exec"), {"__name__": "docs_example"})


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


@pytest.mark.parametrize(("page", "block"), examples("excerpt"))
def test_every_excerpt_is_the_text_of_the_file_it_names(page: Path, block: str) -> None:
    missing = excerpt_missing(block)
    assert missing is None, f"{page.name} quotes what its file does not say:\n{missing}"


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
    named.update(zip(pieces[1::2], pieces[2::2], strict=True))
    return named


@pytest.mark.parametrize(("page", "block"), examples("test file"))
def test_every_test_file_passes(page: Path, block: str, pytester: pytest.Pytester) -> None:
    pytester.makepyfile(**files(block))
    result = pytester.runpytest_inprocess("--strict-markers", "-p", "no:cacheprovider")
    outcomes = result.parseoutcomes()
    assert set(outcomes) == {"passed"}, result.stdout.str()
    assert outcomes["passed"] >= len(TEST_DEF.findall(block))


def test_a_block_of_files_is_split_at_its_file_lines() -> None:
    block = "# conftest.py\nX = 1\n\n\n# test_b.py\ndef test_b():\n    pass\n"
    assert files(block) == {"conftest": "X = 1\n\n\n", "test_b": "def test_b():\n    pass\n"}
    assert files("def test_a():\n    pass\n") == {"test_example": "def test_a():\n    pass\n"}


def test_a_fragment_is_found_on_any_page(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# Page\n\n## Part\n\n```python\nfake.reset()\n```\n")
    assert [kind(block) for block in python_blocks(page)] == ["fragment"]
    assert section(page, "fake.reset()\n") == "Part"


def layout_rows() -> list[tuple[str, str]]:
    """(module cell, tests cell) of each row of the Layout table (docs/explanation)."""
    text = ARCHITECTURE.read_text()
    part = re.split(r"^#+ Layout\n", text, maxsplit=1, flags=re.MULTILINE)[1]
    part = re.split(r"^#", part, maxsplit=1, flags=re.MULTILINE)[0]
    rows = [line.split("|")[1:-1] for line in part.splitlines() if line.startswith("| `")]
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


def test_the_api_reference_documents_every_public_name() -> None:
    pages = "".join(page.read_text() for page in (DOCS / "reference").glob("*.md"))
    documented = set(re.findall(r"^::: fake_ivschat\.(\w+)$", pages, flags=re.MULTILINE))
    assert documented == set(fake_ivschat.__all__) - {"__version__"}


def test_blocks_in_list_items_are_indented_as_python_markdown_reads_them() -> None:
    """GitHub takes a table, fence or paragraph indented by two spaces after a blank line as part
    of the list item above; MkDocs (Python-Markdown) needs four, or it ends the list there."""
    misplaced = []
    for page in PAGES[1:]:
        lines = page.read_text().splitlines()
        misplaced += [
            f"{page.relative_to(ROOT)}:{number + 2}: {line.strip()[:40]}"
            for number, (before, line) in enumerate(itertools.pairwise(lines))
            if not before.strip() and re.match(r"  \S", line)
        ]
    assert misplaced == []

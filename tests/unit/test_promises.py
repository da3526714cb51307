"""docs/reliability.md keeps its promises honest: each of the sixteen has a row in the
Promise → test table, every test the table names exists, and each promise is named
("Promise N") in the docstring of a test its row cites."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")
ROW = re.compile(r"^\| (\d+) \| \[[^\]]+\]\(#([a-z-]+)\) \| (.*?) \| (.*) \|$", re.M)


def promises() -> dict[int, str]:
    """The promises of the document by number, from their headings."""
    return {int(n): title for n, title in re.findall(r"^### (\d+)\. (.+)$", DOC, re.M)}


def table() -> dict[int, tuple[str, str]]:
    """Each row of the Promise → test table: its anchor and its tests cell."""
    return {int(n): (anchor, tests) for n, anchor, tests, _gaps in ROW.findall(DOC)}


def suite_tests() -> dict[str, list[str]]:
    """Every test function of the suite by name, with the docstrings it has."""
    found: dict[str, list[str]] = {}
    for path in (ROOT / "tests").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                found.setdefault(node.name, []).append(ast.get_docstring(node) or "")
    return found


def cited(cell: str) -> list[str]:
    """The test functions a tests cell names (not the modules it names)."""
    return re.findall(r"(?<![/\w])(test_[a-z0-9_]+)(?![\w.])", cell)


def test_sixteen_promises_each_with_a_row_whose_anchor_exists():
    assert sorted(promises()) == list(range(1, 17))
    rows = table()
    assert sorted(rows) == list(range(1, 17))
    anchors = set(re.findall(r'<a id="([a-z-]+)"></a>', DOC))
    assert {anchor for anchor, _cell in rows.values()} <= anchors


def test_every_test_the_table_names_exists():
    functions = suite_tests()
    for n, (_anchor, cell) in table().items():
        names = cited(cell)
        assert names, f"promise {n} names no test"
        missing = [name for name in names if name not in functions]
        assert not missing, f"promise {n} names tests that do not exist: {missing}"
    for path in re.findall(r"`(tests/[\w/]+\.py)", DOC):
        assert (ROOT / path).exists(), path


def test_each_promise_is_named_in_a_docstring_of_a_test_its_row_cites():
    functions = suite_tests()
    for n, (_anchor, cell) in table().items():
        named = [name for name in cited(cell)
                 if any(re.search(rf"\bPromise {n}\b", doc) for doc in functions[name])]
        assert named, f"no test cited for promise {n} says 'Promise {n}' in its docstring"

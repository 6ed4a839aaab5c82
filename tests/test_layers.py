"""The dependency rules of STYLE.md that import-linter cannot see (``cli`` is a top-level module, not a package)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "sla": {"onestop", "cli", "sqlmodel", "sqlalchemy", "apscheduler", "rich", "typer"},
    "onestop": {"cli", "rich", "typer"},
}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_package_imports_nothing_it_is_forbidden_to(package: str) -> None:
    offences = {
        str(path.relative_to(ROOT)): sorted(imported_roots(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
    }
    assert {k: v for k, v in offences.items() if v} == {}


def test_the_checker_sees_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import rich\nfrom cli import app\nfrom . import sibling\n", encoding="utf-8")
    assert imported_roots(sample) == {"rich", "cli"}


def test_no_sql_text_outside_the_ledger() -> None:
    """SQL lives in onestop/ only (STYLE.md): neither the engine nor the CLI builds queries."""
    for path in [ROOT / "cli.py", *(ROOT / "sla").rglob("*.py")]:
        source = path.read_text(encoding="utf-8")
        for needle in ("select(", 'text("SELECT', "INSERT INTO", "session.exec"):
            assert needle not in source, f"{path.name} contains {needle}"

"""The command word is found past the global options, so that only that command is built at start."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli import _invoked_command
from tests.helpers import run_cli


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["receive", "--procedure", "x"], "receive"),
        (["--db", "a.db", "--lang", "en", "show", "CODE"], "show"),
        (["--db=a.db", "--config=x.toml", "list"], "list"),
        (["--help"], None),
        ([], None),
        (["--db", "a.db"], None),
        (["--lang", "en", "--help", "receive"], None),
    ],
)
def test_the_command_word_is_found_after_the_global_options(argv: list[str], expected: str | None) -> None:
    assert _invoked_command(argv) == expected


def test_help_still_lists_every_command_and_a_misspelt_one_is_refused(tmp_path: Path) -> None:
    listing = run_cli("--help", db=tmp_path / "l.db", home=tmp_path)
    assert listing.returncode == 0
    for command in ("receive", "report", "check", "verify", "return", "list", "import"):
        assert command in listing.stdout
    wrong = run_cli("recieve", db=tmp_path / "l.db", home=tmp_path)
    assert wrong.returncode != 0 and "Traceback" not in wrong.stderr

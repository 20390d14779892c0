"""Helpers for the CLI tests."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from typer.testing import Result


def as_json(result: Result) -> Any:
    """The one JSON document a --json command printed on stdout."""
    assert result.stdout.strip(), f"no stdout; stderr: {result.stderr}"
    return json.loads(result.stdout)


def json_lines(result: Result) -> list[Any]:
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def render(renderable: object, width: int) -> str:
    """What a terminal of ``width`` columns shows for a rich renderable (plain text)."""
    with open("/dev/null", "w") as sink:
        console = Console(width=width, record=True, file=sink)
        console.print(renderable)
        return console.export_text()

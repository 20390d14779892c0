"""Helpers for the CLI tests."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import Result


def as_json(result: Result) -> Any:
    """The one JSON document a --json command printed on stdout."""
    assert result.stdout.strip(), f"no stdout; stderr: {result.stderr}"
    return json.loads(result.stdout)


def json_lines(result: Result) -> list[Any]:
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]

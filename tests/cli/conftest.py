"""Fixtures for the ``ibwire`` command: a paper gateway on 127.0.0.1:0 and a runner aimed at it.

``cli(*args, input=None, env=None)`` runs one command in-process with typer's CliRunner, with
IBWIRE_PORT pointing at the gateway and a wide terminal (COLUMNS=200) so tables never wrap; it
returns the result (``exit_code``, ``stdout``, ``stderr``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from typer.testing import CliRunner, Result

from ibwire.cli import app
from ibwire.gateway import PaperGateway

Cli = Callable[..., Result]


@pytest.fixture
def gw() -> Iterator[PaperGateway]:
    """A paper gateway; its market moves only when a test calls ``gw.step(n)``."""
    with PaperGateway(port=0, tick_interval=None) as g:
        yield g


def make_cli(port: int) -> Cli:
    runner = CliRunner()

    def cli(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
        base = {"IBWIRE_PORT": str(port), "IBWIRE_HOST": "127.0.0.1", "COLUMNS": "200",
                "IBWIRE_CLIENT_ID": "1", "IBWIRE_MONITOR_CLIENT_ID": "0", "IBWIRE_TIMEOUT": "10",
                "IBWIRE_DEBUG": ""}
        base.update(env or {})
        return runner.invoke(app, list(args), input=input, env=base, catch_exceptions=False)

    return cli


@pytest.fixture
def cli(gw: PaperGateway) -> Cli:
    return make_cli(gw.port)

"""The ``ibwire`` command: a typer app; each command lives in a module named for its job."""

from __future__ import annotations

import sys

try:
    import typer
except ImportError:  # pragma: no cover - the CLI extra is not installed
    typer = None  # type: ignore[assignment]

from .. import __version__

if typer is None:  # pragma: no cover
    app = None

    def main() -> None:
        sys.stderr.write("the ibwire command needs its extra: pip install 'ibwire[cli]'\n")
        raise SystemExit(2)
else:
    app = typer.Typer(
        name="ibwire",
        help=(
            "ibwire: talk to TWS / IB Gateway from the terminal, or run a paper gateway.\n\n"
            "Examples:\n\n"
            "  ibwire demo                      # an embedded paper gateway, a buy, a fill, a cancel\n\n"
            "  ibwire gateway --port 7497       # a paper TWS any client can trade against\n\n"
        ),
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )

    def _version(value: bool) -> None:
        if value:
            print(f"ibwire {__version__}")
            raise typer.Exit(0)

    @app.callback()
    def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                           help="Show the version and exit.")) -> None:
        """ibwire: the TWS API socket protocol from the terminal."""

    from . import demo as _demo  # noqa: E402,F401
    from . import gateway as _gateway  # noqa: E402,F401

    def main() -> None:
        app()

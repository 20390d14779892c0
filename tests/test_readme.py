"""The README's Broker tour runs as written (against the paper gateway instead of TWS on 7497)."""

from __future__ import annotations

import re
from pathlib import Path

from ibwire.gateway import PaperGateway

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_the_broker_tour_runs() -> None:
    (tour,) = [b for b in python_blocks() if "Broker.connect(" in b and "AsyncBroker" not in b]
    with PaperGateway(port=0, tick_interval=0.05) as gw:
        code = tour.replace('"127.0.0.1", 7497', f'"127.0.0.1", {gw.port}')
        assert str(gw.port) in code
        namespace: dict[str, object] = {}
        exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - our own README
        broker = namespace["broker"]
        assert not broker.is_connected()  # type: ignore[attr-defined]  # the with block closed it
        ticket = namespace["ticket"]
        assert ticket.status == "Filled"  # type: ignore[attr-defined]
        assert namespace["bars"]
        assert len(namespace["trades"]) == 2500  # type: ignore[arg-type]
        assert namespace["ticker"].dividends is not None  # type: ignore[attr-defined]
        assert namespace["rounded"] == 512.35 and namespace["by_price"]
        assert namespace["since"].tzinfo is not None  # type: ignore[attr-defined]
        assert len(namespace["week"].sessions) == 5  # type: ignore[attr-defined]


def test_the_async_broker_tour_runs() -> None:
    (tour,) = [b for b in python_blocks() if "AsyncBroker.connect(" in b]
    with PaperGateway(port=0, tick_interval=0.05) as gw:
        code = tour.replace('"127.0.0.1", 7497', f'"127.0.0.1", {gw.port}')
        assert str(gw.port) in code
        namespace: dict[str, object] = {"__name__": "readme"}
        exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - our own README

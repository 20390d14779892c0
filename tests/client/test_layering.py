"""client/ does not import compat/: the camelCase mapping lives with the models
(ibwire.models.camel) and ibwire.compat builds on it, never the other way round."""

from __future__ import annotations

import ast
from decimal import Decimal
from pathlib import Path

import ibwire.client
import ibwire.compat._convert as convert
import ibwire.models as m
from ibwire.models import camel

CLIENT = Path(ibwire.client.__file__).parent


def _imports(path: Path, package: str) -> list[tuple[int, str]]:
    """Every module a file imports (at any depth: in functions too), resolved to absolute names."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
            found += [(node.lineno, f"{base}.{a.name}") for a in node.names]
            found.append((node.lineno, base))
    return found


def test_no_client_module_imports_compat() -> None:
    files = sorted(CLIENT.rglob("*.py"))
    assert len(files) > 10
    bad = [f"{p.name}:{line} imports {name}" for p in files
           for line, name in _imports(p, "ibwire.client")
           if name == "ibwire.compat" or name.startswith("ibwire.compat.")]
    assert bad == []


def test_the_resolver_sees_relative_imports() -> None:
    """(the check above would pass vacuously if relative imports were misread)"""
    names = {n for _, n in _imports(CLIENT / "eapi.py", "ibwire.client")}
    assert "ibwire.models.camel" in names


def test_compat_uses_the_models_mapping() -> None:
    assert convert.to_model is camel.to_model
    assert convert.snake_name is camel.snake_name
    from ibwire.compat.common import UNSET_DECIMAL, UNSET_DOUBLE, UNSET_INTEGER
    assert (UNSET_DECIMAL, UNSET_DOUBLE, UNSET_INTEGER) == (
        camel.UNSET_DECIMAL, camel.UNSET_DOUBLE, camel.UNSET_INTEGER)


class _Official:
    """Any object with the camelCase attributes converts (as the official package's do)."""

    def __init__(self, **kw: object) -> None:
        self.__dict__.update(kw)


def test_camel_objects_convert_without_compat() -> None:
    got = camel.to_model(_Official(conId=8314, symbol="IBM", secType="STK", strike=0.0,
                                   comboLegs=[_Official(conId=1, ratio=2, action="BUY")]),
                         m.Contract)
    assert (got.con_id, got.symbol, got.sec_type) == (8314, "IBM", "STK")
    assert got.combo_legs[0].con_id == 1 and got.combo_legs[0].ratio == 2
    report = camel.to_model(_Official(execId="e1", realizedPNL=camel.UNSET_DOUBLE, yield_=1.5,
                                      commissionAndFees=1.0), m.CommissionReport)
    assert report.realized_pnl is None and report.yield_ == 1.5
    order = camel.to_model(_Official(totalQuantity=0.1, minQty=camel.UNSET_INTEGER), m.Order)
    assert order.total_quantity == Decimal("0.1") and order.min_qty is None


def test_camel_names_follow_the_rule_except_the_listed_official_ones() -> None:
    assert camel.camel_name("last_trade_date_or_contract_month") == "lastTradeDateOrContractMonth"
    assert camel.camel_name("rule80_a") == "rule80A"
    for model in camel.CAMEL_MODELS:
        for f in camel.camel_fields(model):
            assert camel.snake_name(f.camel) == f.snake or (model.__name__, f.snake) in \
                camel.CAMEL_NAMES, (model.__name__, f.snake, f.camel)
    for (model_name, snake), official in camel.CAMEL_NAMES.items():
        assert official != camel.camel_name(snake), (model_name, snake)


def test_the_client_runs_without_loading_compat() -> None:
    import subprocess
    import sys
    code = ("import sys, ibwire, ibwire.client.eapi as e\n"
            "e.api_specs()['reqContractDetails'].build((1, type('C', (), {'symbol': 'X'})()))\n"
            "print(sorted(k for k in sys.modules if k.startswith('ibwire.compat')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

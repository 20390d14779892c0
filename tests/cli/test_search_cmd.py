"""``ibwire search`` against the paper gateway."""

from __future__ import annotations

from .conftest import Cli
from .helpers import json_lines


def test_search_prints_the_matching_contracts(cli: Cli) -> None:
    r = cli("search", "AAP")
    assert r.exit_code == 0, r.stderr
    assert "AAPL" in r.stdout and "NASDAQ" in r.stdout and "APPLE INC" in r.stdout


def test_search_json_is_one_object_per_contract(cli: Cli) -> None:
    rows = json_lines(cli("search", "apple", "--json"))
    assert rows == [{"con_id": 265598, "symbol": "AAPL", "sec_type": "STK",
                     "primary_exchange": "NASDAQ", "currency": "USD", "description": "APPLE INC",
                     "derivative_sec_types": ["OPT"]}]


def test_search_finding_nothing_is_not_an_error(cli: Cli) -> None:
    r = cli("search", "QQQQZZ", "--json")
    assert r.exit_code == 0 and r.stdout == ""
    assert "no contract matches" in r.stderr


def test_search_needs_a_pattern(cli: Cli) -> None:
    assert cli("search", "  ").exit_code == 2

"""``ibwire scan`` and ``ibwire news`` against the paper gateway (issue 15)."""

from __future__ import annotations

from ibwire.gateway import PaperGateway

from .conftest import Cli
from .helpers import json_lines


def test_scan_prints_ranked_rows_with_their_quotes(cli: Cli) -> None:
    r = cli("scan", "TOP_PERC_GAIN", "--rows", "5")
    assert r.exit_code == 0, r.stderr
    assert "TOP_PERC_GAIN STK STK.US.MAJOR" in r.stdout and "change %" in r.stdout


def test_scan_json_rows_are_ranked_by_change(cli: Cli, gw: PaperGateway) -> None:
    docs = json_lines(cli("scan", "TOP_PERC_GAIN", "--rows", "8", "--json"))
    assert [d["rank"] for d in docs] == list(range(8))
    changes = [d["change_pct"] for d in docs]
    assert changes == sorted(changes, reverse=True) and changes[-1] > 0
    for d in docs:
        q = gw.call(lambda ex, c=d["contract"]["con_id"]: ex.quote(c))
        assert d["last"] == q.last and d["close"] == q.close


def test_scan_with_filters_and_location(cli: Cli, gw: PaperGateway) -> None:
    docs = json_lines(cli("scan", "MOST_ACTIVE", "--location", "STK.NASDAQ", "--filter",
                          "priceAbove=100", "--rows", "5", "--json", "--no-quotes"))
    assert len(docs) == 5 and all("last" not in d for d in docs)
    for d in docs:
        assert gw.call(lambda ex, c=d["contract"]["con_id"]: ex.quote(c)).last >= 100


def test_scan_names_what_tws_does_not_offer(cli: Cli) -> None:
    r = cli("scan", "TOP_PERC_GAINS")
    assert r.exit_code == 2 and "TOP_PERC_GAIN" in r.stderr
    r = cli("scan", "TOP_PERC_GAIN", "--filter", "priceAbove")
    assert r.exit_code == 2 and "CODE=VALUE" in r.stderr


def test_scan_list(cli: Cli) -> None:
    r = cli("scan", "--list")
    assert r.exit_code == 0, r.stderr
    assert "TOP_PERC_GAIN" in r.stdout and "STK.US.MAJOR" in r.stdout and "priceAbove" in r.stdout
    [doc] = json_lines(cli("scan", "--list", "--json"))
    assert "MOST_ACTIVE" in {s["code"] for s in doc["scan_codes"]}


def test_news_headlines_and_an_article(cli: Cli) -> None:
    r = cli("news", "AAPL", "--count", "3")
    assert r.exit_code == 0, r.stderr
    assert "news for AAPL" in r.stdout
    docs = json_lines(cli("news", "AAPL", "--count", "4", "--json"))
    assert len(docs) == 4 and [d["time"] for d in docs] == sorted((d["time"] for d in docs),
                                                                  reverse=True)
    first = docs[0]
    r = cli("news", "AAPL", "--article", first["article_id"])
    assert r.exit_code == 0, r.stderr
    assert first["headline"] in r.stdout and "<p>" not in r.stdout
    [art] = json_lines(cli("news", "AAPL", "--article", first["article_id"], "--json"))
    assert art["type"] == 0 and "<html>" in art["text"]


def test_news_of_one_provider_and_a_bad_article(cli: Cli) -> None:
    docs = json_lines(cli("news", "AAPL", "--provider", "DJNL", "--count", "3", "--json"))
    assert docs and {d["provider"] for d in docs} == {"DJNL"}
    r = cli("news", "AAPL", "--article", "BRFG$0-0-0")
    assert r.exit_code == 1 and "321" in r.stderr

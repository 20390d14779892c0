"""``ibwire news``: a contract's latest headlines, or one article (``--article ID``).

Headlines come newest first from every provider the account reads (or ``--provider``); an
article is printed as text (its HTML tags removed; ``--json`` keeps the text as TWS sent it).
"""

from __future__ import annotations

import html
import re
from typing import Annotated

import typer

from ..models.news import NewsHeadline
from .app import app
from .common import connect
from .options import (
    DEFAULT_CLIENT_ID,
    DEFAULT_HOST,
    DEFAULT_PORT,
    ClientIdOpt,
    Conn,
    CurrencyOpt,
    ExchangeOpt,
    HostOpt,
    JsonOpt,
    PortOpt,
    SecTypeOpt,
    TimeoutOpt,
    TzOpt,
    make_contract,
)
from .output import Output, fmt_time
from .problems import guard
from .tables import Col, FitTable

__all__ = ["plain_text"]


def plain_text(article: str) -> str:
    """An HTML article as readable text (tags removed, paragraphs kept)."""
    text = re.sub(r"(?is)<(script|style|title)\b.*?</\1>", "", article)
    text = re.sub(r"(?i)</?(p|br|h[1-6]|div|li)\b[^>]*>", "\n", text)
    text = re.sub(r"<[^>]+>", "", text)
    lines = [" ".join(line.split()) for line in html.unescape(text).splitlines()]
    return "\n".join(line for line in lines if line)


def _headline_json(h: NewsHeadline) -> dict[str, object]:
    return {"time": h.time, "provider": h.provider_code, "article_id": h.article_id,
            "headline": h.headline}


@app.command("news")
def news(
    symbol: Annotated[str, typer.Argument(metavar="SYMBOL", show_default=False,
                                          help="AAPL, ES:202612 (future) ...")],
    article: Annotated[str | None, typer.Option("--article", metavar="ID",
                                                help="Print this article (an id from the "
                                                     "headlines) instead.")] = None,
    providers: Annotated[list[str] | None, typer.Option(
        "--provider", metavar="CODE", help="Only this provider (repeatable): BRFG, DJNL ...")] = None,
    count: Annotated[int, typer.Option("--count", min=1, max=300,
                                       help="Headlines to show (at most 300).")] = 10,
    sec_type: SecTypeOpt = None, exchange: ExchangeOpt = None, currency: CurrencyOpt = "USD",
    host: HostOpt = DEFAULT_HOST, port: PortOpt = DEFAULT_PORT,
    client_id: ClientIdOpt = DEFAULT_CLIENT_ID, timeout: TimeoutOpt = 10.0, json_: JsonOpt = False,
    tz: TzOpt = None,
) -> None:
    """A contract's latest news headlines, or one article.

    Examples: ibwire news AAPL; ibwire news AAPL --provider DJNL --count 30 --json;
    ibwire news AAPL --article 'BRFG$40d7e-6b005078-0'
    """
    contract = make_contract(symbol, sec_type, exchange, currency)
    conn, out = Conn(host, port, client_id, timeout), Output(json_)
    with guard(out, conn), connect(conn) as broker:
        if article is not None:
            code = (providers[0] if providers else article.partition("$")[0]).upper()
            if not code or "$" not in article and not providers:
                raise typer.BadParameter("an article id is PROVIDER$..., or give --provider",
                                         param_hint="--article")
            found = broker.news_article(code, article)
            out.emit({"provider": code, "article_id": article, "type": found.article_type,
                      "text": found.text})
            out.print(plain_text(found.text) if found.article_type == 0 else
                      f"(a binary article of {len(found.text)} base64 characters: use --json)")
            return
        page = broker.historical_news(contract, providers or None, total=count)
        if out.json_mode:
            for h in page:
                out.emit(_headline_json(h))
            return
        table = FitTable(f"news for {symbol.upper()}", [
            Col("time"), Col("provider"), Col("headline"), Col("article id", drop=1)])
        for h in page:
            table.add_row(fmt_time(h.time, short=False), h.provider_code, h.headline,
                          h.article_id)
        if page:
            out.print(table)
        else:
            out.print(f"no news for {symbol.upper()}")

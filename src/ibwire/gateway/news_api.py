"""News: providers, historical news, articles, tick news (generic tick 292) and bulletins.

* REQ_NEWS_PROVIDERS -> NEWS_PROVIDERS (:data:`.newsgen.PROVIDERS`).
* REQ_HISTORICAL_NEWS -> HISTORICAL_NEWS per headline, newest first, then HISTORICAL_NEWS_END
  (``has_more`` when older headlines exist in the range). An unknown con id gets 200; an unknown
  provider, a bad time or a result count outside 1..300 gets 321 with the reason.
* REQ_NEWS_ARTICLE -> NEWS_ARTICLE (type 0, HTML); an article no headline has gets 321.
* REQ_MKT_DATA with generic tick 292 (``292`` or ``292:BRFG+DJNL``) -> TICK_NEWS: the latest
  :data:`BACKFILL` headlines at once, then each new one as market time passes it, until
  CANCEL_MKT_DATA (:func:`subscribe` / :func:`unsubscribe`, called by :mod:`.market_api`).
* REQ_NEWS_BULLETINS -> NEWS_BULLETINS: today's earlier bulletins with ``all_msgs``, then each new
  one, until CANCEL_NEWS_BULLETINS (a cancel without a subscription changes nothing, as in TWS).

Everything is generated from the gateway's seed and market (:mod:`.newsgen`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ..models.news import NewsBulletin, NewsHeadline, NewsProvider
from ..protocol.messages.news import (
    CancelNewsBulletins,
    HistoricalNews,
    HistoricalNewsEnd,
    NewsArticleMsg,
    NewsBulletins,
    NewsProviders,
    ReqHistoricalNews,
    ReqNewsArticle,
    ReqNewsBulletins,
    ReqNewsProviders,
    TickNews,
)
from . import newsgen
from .instruments import Instrument
from .newsgen import PROVIDERS, NewsError, Provider
from .session import Session, handles

if TYPE_CHECKING:
    from .core import GatewayCore

__all__ = ["refresh", "subscribe", "unsubscribe", "wanted_providers", "BACKFILL", "NEWS_TICK",
           "NewsError"]

BACKFILL = 3
"""Headlines a new tick-news subscription gets at once (the latest ones)."""

NEWS_TICK = "292"
"""The generic tick that asks REQ_MKT_DATA for TICK_NEWS."""

MAX_RESULTS = 300


def _invalid(session: Session, req_id: int, exc: NewsError) -> None:
    session.error(req_id, 321, f"Error validating request.-'bN' : cause - {exc}")


@dataclass(slots=True)
class _TickNews:
    inst: Instrument
    providers: tuple[Provider, ...]
    seen: int  # market second up to which headlines were sent


@dataclass(slots=True)
class NewsStreams:
    ticks: dict[int, _TickNews] = field(default_factory=dict)
    bulletins_from: int | None = None  # market second after which bulletins go out


def _streams(session: Session) -> NewsStreams:
    s = session.state.get("news")
    if s is None:
        s = session.state["news"] = NewsStreams()
    assert isinstance(s, NewsStreams)
    return s


def _seed(session: Session) -> int:
    return session.core.config.seed


@handles(ReqNewsProviders)
def _req_news_providers(session: Session, msg: ReqNewsProviders) -> None:
    session.send(NewsProviders(news_providers=[NewsProvider(p.code, p.name) for p in PROVIDERS]))


@handles(ReqHistoricalNews)
def _req_historical_news(session: Session, msg: ReqHistoricalNews) -> None:
    req_id = msg.req_id if msg.req_id is not None else 0
    exchange = session.core.exchange
    inst = exchange.instruments.get(msg.con_id or 0)
    if inst is None:
        session.error(req_id, 200, "No security definition has been found for the request")
        return
    try:
        wanted = newsgen.providers(msg.provider_codes or "")
        start = newsgen.parse_time(msg.start_date_time or "")
        end = newsgen.parse_time(msg.end_date_time or "")
        total = msg.total_results or 0
        if total <= 0:
            raise NewsError(f"totalResults must be 1..{MAX_RESULTS}, not {total}")
    except NewsError as exc:
        _invalid(session, req_id, exc)
        return
    found, more = newsgen.headlines(_seed(session), exchange.market, inst, wanted, start, end,
                                    min(total, MAX_RESULTS))
    out = [HistoricalNews(req_id=req_id, time=newsgen.format_time(h.time),
                          provider_code=h.provider_code, article_id=h.article_id,
                          headline=h.headline) for h in found]
    session.send_all([*out, HistoricalNewsEnd(req_id=req_id, has_more=more)])


@handles(ReqNewsArticle)
def _req_news_article(session: Session, msg: ReqNewsArticle) -> None:
    req_id = msg.req_id if msg.req_id is not None else 0
    exchange = session.core.exchange
    try:
        text = newsgen.article(_seed(session), exchange.market, exchange.instruments.get,
                               msg.provider_code or "", msg.article_id or "")
    except NewsError as exc:
        _invalid(session, req_id, exc)
        return
    session.send(NewsArticleMsg(req_id=req_id, article_type=0, article_text=text))


# --- tick news ----------------------------------------------------------------------------------

def wanted_providers(generic_tick_list: str) -> tuple[Provider, ...] | None:
    """The providers a generic tick list ("233,292" or "292:BRFG+DJNL") asks tick news of
    (None: it does not ask)."""
    for g in (t.strip() for t in generic_tick_list.split(",")):
        if g == NEWS_TICK:
            return PROVIDERS
        if g.startswith(NEWS_TICK + ":"):  # (NewsError for a provider this gateway lacks)
            return tuple(newsgen.providers(g[len(NEWS_TICK) + 1:]))
    return None


def _tick(req_id: int, h: NewsHeadline) -> TickNews:
    return TickNews(req_id=req_id, timestamp=int(h.time.timestamp() * 1000),
                    provider_code=h.provider_code, article_id=h.article_id, headline=h.headline,
                    extra_data=h.extra_data or "")


def subscribe(session: Session, req_id: int, inst: Instrument,
              wanted: tuple[Provider, ...]) -> None:
    """Start tick news for a market-data subscription: the latest headlines now, new ones later."""
    market = session.core.exchange.market
    now = market.step_second
    recent, _ = newsgen.headlines(_seed(session), market, inst, wanted, None, None, BACKFILL)
    session.send_all([_tick(req_id, h) for h in reversed(recent)])
    _streams(session).ticks[req_id] = _TickNews(inst, wanted, now)


def unsubscribe(session: Session, req_id: int) -> None:
    _streams(session).ticks.pop(req_id, None)


# --- bulletins ----------------------------------------------------------------------------------

def _today_start(second: int) -> int:
    d = datetime.fromtimestamp(second, UTC).date()
    return int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp()) - 1


@handles(ReqNewsBulletins)
def _req_news_bulletins(session: Session, msg: ReqNewsBulletins) -> None:
    now = session.core.exchange.market.step_second
    st = _streams(session)
    if msg.all_msgs:
        session.send_all(_bulletin_msgs(newsgen.bulletins(_seed(session), _today_start(now), now)))
    st.bulletins_from = now


@handles(CancelNewsBulletins)
def _cancel_news_bulletins(session: Session, msg: CancelNewsBulletins) -> None:
    _streams(session).bulletins_from = None


def _bulletin_msgs(items: list[NewsBulletin]) -> list[NewsBulletins]:
    return [NewsBulletins(news_msg_id=b.msg_id, news_msg_type=b.msg_type, news_message=b.message,
                          originating_exch=b.origin_exchange) for b in items]


def refresh(core: GatewayCore) -> None:
    """After the market moved: new headlines to tick-news subscribers, new bulletins."""
    market = core.exchange.market
    now = market.step_second
    seed = core.config.seed
    for session in list(core.sessions.values()):
        st = session.state.get("news")
        if not isinstance(st, NewsStreams) or session.closed:
            continue
        for req_id, sub in list(st.ticks.items()):
            if now > sub.seen:
                fresh = newsgen.latest(seed, market, sub.inst, sub.providers, sub.seen, now)
                sub.seen = now
                if fresh:
                    session.send_all([_tick(req_id, h) for h in fresh])
        if st.bulletins_from is not None and now > st.bulletins_from:
            fresh_b = newsgen.bulletins(seed, st.bulletins_from, now)
            st.bulletins_from = now
            if fresh_b:
                session.send_all(_bulletin_msgs(fresh_b))

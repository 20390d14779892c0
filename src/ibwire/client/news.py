"""News: the news side of :class:`~ibwire.client.core.BrokerCore` (issue 15).

* ``news_providers()`` -- the providers the account reads (kept for the session).
* ``historical_news(contract, providers, start, end, total)`` -- one page of headlines, newest
  first (:class:`~ibwire.models.news.NewsPage`: a list with ``has_more``); ask for the next page
  with ``end=page[-1].time``.
* ``news_article(provider_code, article_id)`` -- one article.
* ``news(contract)`` -- a :class:`~ibwire.client.feeds.NewsFeed`: the contract's headlines as they
  happen (a market-data subscription with generic tick 292), until ``cancel_news(feed)``.
* ``news_bulletins(all_messages)`` -- a :class:`~ibwire.client.feeds.BulletinFeed` of IB's
  bulletins, until ``cancel_news_bulletins()``.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import ClassVar

from ..errors import IbwireError, classify
from ..models import Contract
from ..models.news import NewsArticle, NewsBulletin, NewsHeadline, NewsPage, NewsProvider
from ..protocol.messages.market_data import ReqMktData
from ..protocol.messages.news import (
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
from .core import BrokerCore, Flow, request_error
from .feeds import BulletinFeed, NewsFeed
from .flows import front_method
from .router import singleton_key

__all__ = ["NewsMixin", "news_time", "NEWS_TICK"]

NEWS_TICK = "292"
"""The generic tick that asks a market-data subscription for TICK_NEWS."""

MAX_RESULTS = 300

_PROVIDERS = singleton_key(ReqNewsProviders)
_BULLETINS = singleton_key(ReqNewsBulletins)


def news_time(t: datetime) -> str:
    """A REQ_HISTORICAL_NEWS bound: ``yyyy-MM-dd HH:mm:ss.0`` in UTC."""
    if t.tzinfo is None:
        raise ValueError("give news times as aware datetimes (with a time zone)")
    return t.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") + ".0"


def _parse_news_time(text: str | None) -> datetime:
    s = (text or "").strip()
    for fmt in ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%Y%m%d %H:%M:%S", "%Y%m%d-%H:%M:%S"):
        try:
            return datetime.strptime(s, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise IbwireError(f"cannot read the news time {text!r}")


class NewsMixin(BrokerCore):
    _HANDLERS: ClassVar[dict[type, str]] = {
        NewsProviders: "_on_news_providers",
        HistoricalNews: "_on_historical_news",
        HistoricalNewsEnd: "_on_historical_news_end",
        NewsArticleMsg: "_on_news_article",
        TickNews: "_on_tick_news",
        NewsBulletins: "_on_news_bulletin",
    }

    def _init_state(self) -> None:
        super()._init_state()
        self._news_feeds: dict[int, NewsFeed] = {}
        self._bulletin_feed: BulletinFeed | None = None
        self._news_providers: list[NewsProvider] | None = None

    # --- handlers -----------------------------------------------------------------------------

    def _on_news_providers(self, msg: NewsProviders) -> None:
        p = self._registry.get(_PROVIDERS)
        if p is not None:
            p.finish(list(msg.news_providers))

    def _on_historical_news(self, msg: HistoricalNews) -> None:
        p = self._registry.get(msg.req_id) if msg.req_id is not None else None
        if p is None:
            return
        try:
            p.rows.append(NewsHeadline(_parse_news_time(msg.time), msg.provider_code or "",
                                       msg.article_id or "", msg.headline or ""))
        except IbwireError as exc:
            p.fail(exc)

    def _on_historical_news_end(self, msg: HistoricalNewsEnd) -> None:
        p = self._registry.get(msg.req_id) if msg.req_id is not None else None
        if p is not None:
            p.finish(NewsPage(p.rows, has_more=bool(msg.has_more)))

    def _on_news_article(self, msg: NewsArticleMsg) -> None:
        p = self._registry.get(msg.req_id) if msg.req_id is not None else None
        if p is not None:
            code, article_id = p.extra["article"]
            p.finish(NewsArticle(code, article_id, msg.article_type or 0, msg.article_text or ""))

    def _on_tick_news(self, msg: TickNews) -> None:
        feed = self._news_feeds.get(msg.req_id) if msg.req_id is not None else None
        if feed is None:
            return
        feed.headlines.append(NewsHeadline(
            datetime.fromtimestamp((msg.timestamp or 0) / 1000, UTC), msg.provider_code or "",
            msg.article_id or "", msg.headline or "", msg.extra_data))
        feed._notify()
        self._emit(feed)

    def _on_news_bulletin(self, msg: NewsBulletins) -> None:
        feed = self._bulletin_feed
        if feed is None:
            return
        bulletin = NewsBulletin(msg.news_msg_id or 0, msg.news_msg_type or 0,
                                msg.news_message or "", msg.originating_exch or "")
        feed.bulletins.append(bulletin)
        feed._notify()
        self._emit(bulletin)

    def _route_error(self, req_id: int, code: int, text: str, advanced: str | None) -> bool:
        feed = self._news_feeds.get(req_id)
        if feed is None:
            return super()._route_error(req_id, code, text, advanced)
        if classify(code).is_error:
            feed.error = request_error(code, text, req_id, advanced)
            feed.active = False
            self._news_feeds.pop(req_id, None)
            self._subs.drop(req_id)  # TWS ended it: nothing to cancel
            feed._notify()
            self._emit(feed)
        self._notice(code, text, req_id)
        return True

    # --- flows --------------------------------------------------------------------------------

    def flow_news_providers(self, timeout: float | None = None) -> Flow[list[NewsProvider]]:
        """The news providers the account can read (asked once per session)."""
        if self._news_providers is not None:
            return list(self._news_providers)
        result: list[NewsProvider] = yield from self._read_flow(
            "news providers", _PROVIDERS, lambda: self._send(ReqNewsProviders()), timeout)
        self._news_providers = result
        return list(result)

    def _con_id(self, contract: Contract, timeout: float | None) -> Flow[int]:
        if contract.con_id:
            return contract.con_id
        qualified: Contract = yield from self.flow_qualify(contract, timeout)  # type: ignore[attr-defined]
        assert qualified.con_id is not None
        return qualified.con_id

    def flow_historical_news(self, contract: Contract,
                             providers: str | Sequence[str] | None = None,
                             start: datetime | None = None, end: datetime | None = None,
                             total: int = 10, timeout: float | None = None) -> Flow[NewsPage]:
        """Up to ``total`` (1..300) headlines of ``contract`` between ``start`` and ``end`` (aware
        datetimes; None: open), newest first, from ``providers`` (codes; None: every provider
        the account has). The page's ``has_more`` says older headlines exist: ask again with
        ``end=page[-1].time``."""
        if not 1 <= total <= MAX_RESULTS:
            raise ValueError(f"total must be 1..{MAX_RESULTS}, not {total}")
        start_text = "" if start is None else news_time(start)
        end_text = "" if end is None else news_time(end)
        if providers is None:
            codes = [p.code or "" for p in (yield from self.flow_news_providers(timeout))]
        elif isinstance(providers, str):
            codes = [c for c in providers.replace(",", "+").split("+") if c]
        else:
            codes = list(providers)
        if not codes:
            raise ValueError("no news provider to ask")
        con_id = yield from self._con_id(contract, timeout)
        req_id = self._registry.next_id()
        result: NewsPage = yield from self._read_flow(
            "historical news", req_id,
            lambda: self._send(ReqHistoricalNews(req_id, con_id, "+".join(codes), start_text,
                                                 end_text, total, [])), timeout)
        return result

    def flow_news_article(self, provider_code: str, article_id: str,
                          timeout: float | None = None) -> Flow[NewsArticle]:
        """One article by provider and id (from a headline): ``article_type`` 0 text / HTML,
        1 binary (base64 PDF)."""
        req_id = self._registry.next_id()
        result: NewsArticle = yield from self._read_flow(
            "news article", req_id,
            lambda: self._send(ReqNewsArticle(req_id, provider_code, article_id, [])), timeout,
            article=(provider_code, article_id))
        return result

    def flow_news(self, contract: Contract, timeout: float | None = None) -> Flow[NewsFeed]:
        """The contract's headlines as they happen (a market-data subscription with generic tick
        292): a NewsFeed kept current until ``cancel_news(feed)``. Its quote ticks are not kept
        (use ``market_data`` for quotes)."""
        self._ensure_connected()
        req_id = self._registry.next_id()
        feed = NewsFeed(req_id, contract=contract, _broker=self)
        self._news_feeds[req_id] = feed
        request = ReqMktData(req_id, contract, NEWS_TICK, False, False)
        self._subs.add(request, functools.partial(self._news_renewed, feed))
        self._send(request)
        yield from ()  # (a flow that waits for nothing: errors arrive on the feed)
        return feed

    def cancel_news(self, feed: NewsFeed) -> None:
        """Stop a news feed made with ``news``."""
        feed.active = False
        self._news_feeds.pop(feed.req_id, None)
        cancel = self._subs.drop(feed.req_id)
        if cancel is not None and self._transport_connected():
            self._send(cancel)

    def _news_renewed(self, feed: NewsFeed, request: object) -> None:
        """A news feed asked for again (after 1101 or a reconnect) under a new request id."""
        self._news_feeds.pop(feed.req_id, None)
        assert isinstance(request, ReqMktData) and request.req_id is not None
        feed.req_id = request.req_id
        self._news_feeds[feed.req_id] = feed

    def flow_news_bulletins(self, all_messages: bool = True,
                            timeout: float | None = None) -> Flow[BulletinFeed]:
        """IB's news bulletins (``all_messages``: today's earlier ones too), as a BulletinFeed kept
        current until ``cancel_news_bulletins()``; each one is also an event
        (:class:`~ibwire.models.news.NewsBulletin`)."""
        self._ensure_connected()
        feed = self._bulletin_feed
        if feed is None or not feed.active:
            feed = self._bulletin_feed = BulletinFeed(-1, _broker=self)
            self._subs.add(ReqNewsBulletins(False))  # renewed: the new ones only
            self._send(ReqNewsBulletins(all_messages))
        yield from ()
        return feed

    def cancel_news_bulletins(self) -> None:
        """Stop the bulletins."""
        feed, self._bulletin_feed = self._bulletin_feed, None
        cancel = self._subs.drop(_BULLETINS)
        if feed is not None:
            feed.active = False
        if cancel is not None and self._transport_connected():
            self._send(cancel)

    # --- front-end methods: blocking on the Broker, coroutines on the AsyncBroker ---

    news_providers = front_method(flow_news_providers)
    historical_news = front_method(flow_historical_news)
    news_article = front_method(flow_news_article)
    news = front_method(flow_news)
    news_bulletins = front_method(flow_news_bulletins)

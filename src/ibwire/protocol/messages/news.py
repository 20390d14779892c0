"""News: REQ_NEWS_BULLETINS / CANCEL_NEWS_BULLETINS -> NEWS_BULLETINS; REQ_NEWS_PROVIDERS ->
NEWS_PROVIDERS; REQ_NEWS_ARTICLE -> NEWS_ARTICLE; REQ_HISTORICAL_NEWS -> HISTORICAL_NEWS* then
HISTORICAL_NEWS_END; TICK_NEWS (headlines on a market-data subscription with generic tick 292).

PROTOCOL.md section 3; protobuf from PROTOBUF_NEWS_DATA (209) for the news family and from
PROTOBUF_MARKET_DATA (206) for TICK_NEWS (it answers REQ_MKT_DATA; PROTOCOL-V2.md 3.2 leaves its
switch-over open, the market-data family's gate is used).

Gates: TICK_NEWS from TICK_NEWS (113), the providers request from REQ_NEWS_PROVIDERS (115), the
article request from REQ_NEWS_ARTICLE (116), historical news from REQ_HISTORICAL_NEWS (117); the
article and historical requests carry their options ("tag=value;" text) from NEWS_QUERY_ORIGINS
(128). Below its version a request cannot be sent (the official client refuses the same way).
NEWS_BULLETINS' message text is decoded by the official client with ``unicode-escape`` (from
ENCODE_MSG_ASCII7, 153): non-ASCII characters travel escaped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...models.news import NewsProvider
from ..codec import UNSET_INT, Kind, TagValue
from ..elements import PT, P, PbType, Proto
from ..ids import In, Out
from ..schema import (
    Api,
    Callback,
    Custom,
    F,
    Message,
    Repeat,
    Request,
    Version,
    to_client,
    to_server,
)
from ..versions import Feature
from .blocks import not_before
from .contracts import _decode_long_name
from .scanner import encode_ascii7

__all__ = [
    "ReqNewsBulletins", "CancelNewsBulletins", "ReqNewsProviders", "ReqNewsArticle",
    "ReqHistoricalNews", "NewsBulletins", "NewsProviders", "NewsArticleMsg", "HistoricalNews",
    "HistoricalNewsEnd", "TickNews", "not_before",
]

INT, BOOL, STR, TAGS = Kind.INT, Kind.BOOL, Kind.STR, Kind.TAGS

_INT_UNSET = str(UNSET_INT)
_NEWS = Feature.PROTOBUF_NEWS_DATA
_ORIGINS = Feature.NEWS_QUERY_ORIGINS


NEWS_PROVIDER = PbType("NewsProvider", NewsProvider, (
    P(1, "code", STR, name="providerCode"), P(2, "name", STR, name="providerName"),
))


# --- client -> TWS -----------------------------------------------------------------------------

@to_server(Out.REQ_NEWS_BULLETINS, Version(1), F("all_msgs", BOOL, unset="0"),
           Proto("NewsBulletinsRequest", _NEWS), P(1, "all_msgs"),
           request=Request(replies=(In.NEWS_BULLETINS,), cancel=Out.CANCEL_NEWS_BULLETINS,
                           key=None),
           api=Api("reqNewsBulletins", "allMsgs"))
@dataclass(slots=True)
class ReqNewsBulletins(Message):
    """REQ_NEWS_BULLETINS (12, v1): IB's news bulletins from now on (``all_msgs``: today's
    earlier ones too), until CANCEL_NEWS_BULLETINS."""

    all_msgs: bool | None = False


@to_server(Out.CANCEL_NEWS_BULLETINS, Version(1), Proto("CancelNewsBulletins", _NEWS),
           api=Api("cancelNewsBulletins"))
@dataclass(slots=True)
class CancelNewsBulletins(Message):
    """CANCEL_NEWS_BULLETINS (13, v1)."""


@to_server(Out.REQ_NEWS_PROVIDERS, not_before(Feature.REQ_NEWS_PROVIDERS, "REQ_NEWS_PROVIDERS"),
           Proto("NewsProvidersRequest", _NEWS),
           request=Request(replies=(In.NEWS_PROVIDERS,), key=None),
           api=Api("reqNewsProviders"))
@dataclass(slots=True)
class ReqNewsProviders(Message):
    """REQ_NEWS_PROVIDERS (85, no fields; from 115): the providers the account can read."""


@to_server(Out.REQ_NEWS_ARTICLE, not_before(Feature.REQ_NEWS_ARTICLE, "REQ_NEWS_ARTICLE"),
           F("req_id", INT), F("provider_code", STR), F("article_id", STR),
           F("news_article_options", TAGS, since=_ORIGINS),
           Proto("NewsArticleRequest", _NEWS), P(1, "req_id"), P(2, "provider_code"),
           P(3, "article_id"), P(4, "news_article_options"),
           request=Request(replies=(In.NEWS_ARTICLE,)),
           api=Api("reqNewsArticle", "reqId", "providerCode", "articleId", "newsArticleOptions"))
@dataclass(slots=True)
class ReqNewsArticle(Message):
    """REQ_NEWS_ARTICLE (84, no version field; from 116): one article by provider and id."""

    req_id: int | None = None
    provider_code: str | None = None
    article_id: str | None = None
    news_article_options: list[TagValue] = field(default_factory=list)


@to_server(Out.REQ_HISTORICAL_NEWS,
           not_before(Feature.REQ_HISTORICAL_NEWS, "REQ_HISTORICAL_NEWS"),
           F("req_id", INT), F("con_id", INT), F("provider_codes", STR),
           F("start_date_time", STR), F("end_date_time", STR), F("total_results", INT),
           F("historical_news_options", TAGS, since=_ORIGINS),
           Proto("HistoricalNewsRequest", _NEWS), P(1, "req_id"), P(2, "con_id"),
           P(3, "provider_codes"), P(4, "start_date_time"), P(5, "end_date_time"),
           P(6, "total_results"), P(7, "historical_news_options"),
           request=Request(replies=(In.HISTORICAL_NEWS,), end=In.HISTORICAL_NEWS_END),
           api=Api("reqHistoricalNews", "reqId", "conId", "providerCodes", "startDateTime",
                   "endDateTime", "totalResults", "historicalNewsOptions"))
@dataclass(slots=True)
class ReqHistoricalNews(Message):
    """REQ_HISTORICAL_NEWS (86, no version field; from 117): the newest headlines of a contract
    (``provider_codes`` joined with "+", e.g. "BRFG+DJNL") between two times
    (``"yyyy-MM-dd HH:mm:ss.0"``, UTC; empty for open ends), at most ``total_results`` (<= 300)."""

    req_id: int | None = None
    con_id: int | None = None
    provider_codes: str | None = None
    start_date_time: str | None = None
    end_date_time: str | None = None
    total_results: int | None = None
    historical_news_options: list[TagValue] = field(default_factory=list)


# --- TWS -> client -----------------------------------------------------------------------------

@to_client(In.NEWS_BULLETINS, Version(1), F("news_msg_id", INT), F("news_msg_type", INT),
           F("news_message", STR, until=Feature.ENCODE_MSG_ASCII7),
           Custom("news_message", _decode_long_name, encode_ascii7,
                  since=Feature.ENCODE_MSG_ASCII7),
           F("originating_exch", STR),
           Proto("NewsBulletin", _NEWS), P(1, "news_msg_id"), P(2, "news_msg_type"),
           P(3, "news_message", STR), P(4, "originating_exch"),
           callback=Callback("updateNewsBulletin", "msgId:news_msg_id", "msgType:news_msg_type",
                             "newsMessage:news_message", "originExch:originating_exch"))
@dataclass(slots=True)
class NewsBulletins(Message):
    """NEWS_BULLETINS (14, v1): one bulletin; ``news_msg_type`` 1 news, 2 exchange unavailable,
    3 exchange available again."""

    news_msg_id: int | None = None
    news_msg_type: int | None = None
    news_message: str | None = None
    originating_exch: str | None = None


@to_client(In.NEWS_PROVIDERS,
           Repeat("news_providers", NewsProvider, (F("code", STR), F("name", STR))),
           Proto("NewsProviders", _NEWS),
           P(1, "news_providers", sub=NEWS_PROVIDER, repeated=True),
           callback=Callback("newsProviders", "newsProviders"))
@dataclass(slots=True)
class NewsProviders(Message):
    """NEWS_PROVIDERS (85, no version field; from 115): every provider, in one message."""

    news_providers: list[NewsProvider] = field(default_factory=list)


@to_client(In.NEWS_ARTICLE, F("req_id", INT, unset=_INT_UNSET), F("article_type", INT),
           F("article_text", STR),
           Proto("NewsArticle", _NEWS), P(1, "req_id"), P(2, "article_type"),
           P(3, "article_text"),
           callback=Callback("newsArticle", "requestId:req_id", "articleType", "articleText"))
@dataclass(slots=True)
class NewsArticleMsg(Message):
    """NEWS_ARTICLE (83, no version field; from 116): ``article_type`` 0 text / HTML, 1 binary
    (base64 PDF)."""

    req_id: int | None = None
    article_type: int | None = None
    article_text: str | None = None


@to_client(In.HISTORICAL_NEWS, F("req_id", INT, unset=_INT_UNSET), F("time", STR),
           F("provider_code", STR), F("article_id", STR), F("headline", STR),
           Proto("HistoricalNews", _NEWS), P(1, "req_id"), P(2, "time"), P(3, "provider_code"),
           P(4, "article_id"), P(5, "headline"),
           callback=Callback("historicalNews", "requestId:req_id", "time", "providerCode",
                             "articleId", "headline"))
@dataclass(slots=True)
class HistoricalNews(Message):
    """HISTORICAL_NEWS (86, no version field; from 117): one headline, newest first;
    ``time`` is ``"yyyy-MM-dd HH:mm:ss.0"`` (UTC)."""

    req_id: int | None = None
    time: str | None = None
    provider_code: str | None = None
    article_id: str | None = None
    headline: str | None = None


@to_client(In.HISTORICAL_NEWS_END, F("req_id", INT, unset=_INT_UNSET),
           F("has_more", BOOL, unset="0"),
           Proto("HistoricalNewsEnd", _NEWS), P(1, "req_id"), P(2, "has_more"),
           callback=Callback("historicalNewsEnd", "requestId:req_id", "hasMore"))
@dataclass(slots=True)
class HistoricalNewsEnd(Message):
    """HISTORICAL_NEWS_END (87, no version field; from 117): the page is complete; ``has_more``
    says older headlines exist (ask again with an earlier end time)."""

    req_id: int | None = None
    has_more: bool | None = False


@to_client(In.TICK_NEWS, F("req_id", INT, unset=_INT_UNSET), F("timestamp", INT),
           F("provider_code", STR), F("article_id", STR), F("headline", STR),
           F("extra_data", STR),
           Proto("TickNews", Feature.PROTOBUF_MARKET_DATA), P(1, "req_id"),
           P(2, "timestamp", pt=PT.INT64), P(3, "provider_code"), P(4, "article_id"),
           P(5, "headline"), P(6, "extra_data"),
           callback=Callback("tickNews", "tickerId:req_id", "timeStamp:timestamp",
                             "providerCode", "articleId", "headline", "extraData"))
@dataclass(slots=True)
class TickNews(Message):
    """TICK_NEWS (84, no version field; from 113): a headline on a market-data subscription that
    asked for generic tick 292 (``timestamp`` in epoch milliseconds)."""

    req_id: int | None = None
    timestamp: int | None = None
    provider_code: str | None = None
    article_id: str | None = None
    headline: str | None = None
    extra_data: str | None = None

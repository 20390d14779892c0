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
from typing import Annotated

from ...models.news import NewsProvider
from ..codec import UNSET_INT, Kind, TagValue
from ..elements import PT, P, PbType, Proto, W
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

@to_server(Out.REQ_NEWS_BULLETINS, Version(1), "all_msgs", Proto("NewsBulletinsRequest", _NEWS),
           request=Request(replies=(In.NEWS_BULLETINS,), cancel=Out.CANCEL_NEWS_BULLETINS,
                           key=None),
           api=Api("reqNewsBulletins", "allMsgs"))
@dataclass(slots=True)
class ReqNewsBulletins(Message):
    """REQ_NEWS_BULLETINS (12, v1): IB's news bulletins from now on (``all_msgs``: today's
    earlier ones too), until CANCEL_NEWS_BULLETINS."""

    all_msgs: Annotated[bool | None, W(BOOL, pb=1, unset="0")] = False


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
           "req_id", "provider_code", "article_id", "news_article_options",
           Proto("NewsArticleRequest", _NEWS), request=Request(replies=(In.NEWS_ARTICLE,)),
           api=Api("reqNewsArticle", "reqId", "providerCode", "articleId", "newsArticleOptions"))
@dataclass(slots=True)
class ReqNewsArticle(Message):
    """REQ_NEWS_ARTICLE (84, no version field; from 116): one article by provider and id."""

    req_id: Annotated[int | None, W(INT, pb=1)] = None
    provider_code: Annotated[str | None, W(STR, pb=2)] = None
    article_id: Annotated[str | None, W(STR, pb=3)] = None
    news_article_options: Annotated[list[TagValue], W(TAGS, pb=4, since=_ORIGINS)] = field(default_factory=list)


@to_server(Out.REQ_HISTORICAL_NEWS, not_before(Feature.REQ_HISTORICAL_NEWS, "REQ_HISTORICAL_NEWS"),
           "req_id", "con_id", "provider_codes", "start_date_time", "end_date_time",
           "total_results", "historical_news_options", Proto("HistoricalNewsRequest", _NEWS),
           request=Request(replies=(In.HISTORICAL_NEWS,), end=In.HISTORICAL_NEWS_END),
           api=Api("reqHistoricalNews", "reqId", "conId", "providerCodes", "startDateTime",
                   "endDateTime", "totalResults", "historicalNewsOptions"))
@dataclass(slots=True)
class ReqHistoricalNews(Message):
    """REQ_HISTORICAL_NEWS (86, no version field; from 117): the newest headlines of a contract
    (``provider_codes`` joined with "+", e.g. "BRFG+DJNL") between two times
    (``"yyyy-MM-dd HH:mm:ss.0"``, UTC; empty for open ends), at most ``total_results`` (<= 300)."""

    req_id: Annotated[int | None, W(INT, pb=1)] = None
    con_id: Annotated[int | None, W(INT, pb=2)] = None
    provider_codes: Annotated[str | None, W(STR, pb=3)] = None
    start_date_time: Annotated[str | None, W(STR, pb=4)] = None
    end_date_time: Annotated[str | None, W(STR, pb=5)] = None
    total_results: Annotated[int | None, W(INT, pb=6)] = None
    historical_news_options: Annotated[list[TagValue], W(TAGS, pb=7, since=_ORIGINS)] = field(default_factory=list)


# --- TWS -> client -----------------------------------------------------------------------------

@to_client(In.NEWS_BULLETINS, Version(1), "news_msg_id", "news_msg_type", "news_message",
           Custom("news_message", _decode_long_name, encode_ascii7,
                  since=Feature.ENCODE_MSG_ASCII7),
           "originating_exch", Proto("NewsBulletin", _NEWS), P(3, "news_message", STR),
           callback=Callback("updateNewsBulletin", "msgId:news_msg_id", "msgType:news_msg_type",
                             "newsMessage:news_message", "originExch:originating_exch"))
@dataclass(slots=True)
class NewsBulletins(Message):
    """NEWS_BULLETINS (14, v1): one bulletin; ``news_msg_type`` 1 news, 2 exchange unavailable,
    3 exchange available again."""

    news_msg_id: Annotated[int | None, W(INT, pb=1)] = None
    news_msg_type: Annotated[int | None, W(INT, pb=2)] = None
    news_message: Annotated[str | None, W(STR, until=Feature.ENCODE_MSG_ASCII7)] = None
    originating_exch: Annotated[str | None, W(STR, pb=4)] = None


@to_client(In.NEWS_PROVIDERS,
           Repeat("news_providers", NewsProvider, (F("code", STR), F("name", STR))),
           Proto("NewsProviders", _NEWS),
           P(1, "news_providers", sub=NEWS_PROVIDER, repeated=True),
           callback=Callback("newsProviders", "newsProviders"))
@dataclass(slots=True)
class NewsProviders(Message):
    """NEWS_PROVIDERS (85, no version field; from 115): every provider, in one message."""

    news_providers: list[NewsProvider] = field(default_factory=list)


@to_client(In.NEWS_ARTICLE, "req_id", "article_type", "article_text", Proto("NewsArticle", _NEWS),
           callback=Callback("newsArticle", "requestId:req_id", "articleType", "articleText"))
@dataclass(slots=True)
class NewsArticleMsg(Message):
    """NEWS_ARTICLE (83, no version field; from 116): ``article_type`` 0 text / HTML, 1 binary
    (base64 PDF)."""

    req_id: Annotated[int | None, W(INT, pb=1, unset=_INT_UNSET)] = None
    article_type: Annotated[int | None, W(INT, pb=2)] = None
    article_text: Annotated[str | None, W(STR, pb=3)] = None


@to_client(In.HISTORICAL_NEWS, "req_id", "time", "provider_code", "article_id", "headline",
           Proto("HistoricalNews", _NEWS),
           callback=Callback("historicalNews", "requestId:req_id", "time", "providerCode",
                             "articleId", "headline"))
@dataclass(slots=True)
class HistoricalNews(Message):
    """HISTORICAL_NEWS (86, no version field; from 117): one headline, newest first;
    ``time`` is ``"yyyy-MM-dd HH:mm:ss.0"`` (UTC)."""

    req_id: Annotated[int | None, W(INT, pb=1, unset=_INT_UNSET)] = None
    time: Annotated[str | None, W(STR, pb=2)] = None
    provider_code: Annotated[str | None, W(STR, pb=3)] = None
    article_id: Annotated[str | None, W(STR, pb=4)] = None
    headline: Annotated[str | None, W(STR, pb=5)] = None


@to_client(In.HISTORICAL_NEWS_END, "req_id", "has_more", Proto("HistoricalNewsEnd", _NEWS),
           callback=Callback("historicalNewsEnd", "requestId:req_id", "hasMore"))
@dataclass(slots=True)
class HistoricalNewsEnd(Message):
    """HISTORICAL_NEWS_END (87, no version field; from 117): the page is complete; ``has_more``
    says older headlines exist (ask again with an earlier end time)."""

    req_id: Annotated[int | None, W(INT, pb=1, unset=_INT_UNSET)] = None
    has_more: Annotated[bool | None, W(BOOL, pb=2, unset="0")] = False


@to_client(In.TICK_NEWS, "req_id", "timestamp", "provider_code", "article_id", "headline",
           "extra_data", Proto("TickNews", Feature.PROTOBUF_MARKET_DATA),
           callback=Callback("tickNews", "tickerId:req_id", "timeStamp:timestamp",
                             "providerCode", "articleId", "headline", "extraData"))
@dataclass(slots=True)
class TickNews(Message):
    """TICK_NEWS (84, no version field; from 113): a headline on a market-data subscription that
    asked for generic tick 292 (``timestamp`` in epoch milliseconds)."""

    req_id: Annotated[int | None, W(INT, pb=1, unset=_INT_UNSET)] = None
    timestamp: Annotated[int | None, W(INT, pb=2, pbt=PT.INT64)] = None
    provider_code: Annotated[str | None, W(STR, pb=3)] = None
    article_id: Annotated[str | None, W(STR, pb=4)] = None
    headline: Annotated[str | None, W(STR, pb=5)] = None
    extra_data: Annotated[str | None, W(STR, pb=6)] = None

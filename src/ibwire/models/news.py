"""News: providers, headlines, articles and IB's news bulletins.

:class:`NewsProvider` is the official ``NewsProvider`` (``code``, ``name``). A headline
(HISTORICAL_NEWS, or TICK_NEWS on a market-data subscription with generic tick 292) is a
:class:`NewsHeadline`; an article (NEWS_ARTICLE) a :class:`NewsArticle`; a bulletin
(NEWS_BULLETINS) a :class:`NewsBulletin`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["NewsProvider", "NewsHeadline", "NewsPage", "NewsArticle", "NewsBulletin", "ARTICLE_TEXT",
           "ARTICLE_BINARY", "BULLETIN_NEWS", "BULLETIN_EXCHANGE_UNAVAILABLE",
           "BULLETIN_EXCHANGE_AVAILABLE"]

ARTICLE_TEXT = 0
"""NEWS_ARTICLE's articleType for plain text or HTML."""
ARTICLE_BINARY = 1
"""NEWS_ARTICLE's articleType for a binary (base64-encoded PDF) article."""

BULLETIN_NEWS = 1
"""A regular news bulletin."""
BULLETIN_EXCHANGE_UNAVAILABLE = 2
"""A bulletin saying an exchange is no longer available for trading."""
BULLETIN_EXCHANGE_AVAILABLE = 3
"""A bulletin saying an exchange is available for trading again."""


@dataclass(slots=True)
class NewsProvider:
    """A news source the account can read: ``code`` (BRFG, DJNL ...) and its ``name``."""

    code: str | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class NewsHeadline:
    """One headline: when, from which provider, the article id to fetch it with, the text.
    ``extra_data`` is what TICK_NEWS adds (e.g. ``"K:n/a"`` sentiment), None for historical news."""

    time: datetime
    provider_code: str
    article_id: str
    headline: str
    extra_data: str | None = None


class NewsPage(list[NewsHeadline]):
    """One page of historical news, newest first; ``has_more``: older headlines exist (ask again
    with ``end=page[-1].time``)."""

    def __init__(self, headlines: list[NewsHeadline] | tuple[NewsHeadline, ...] = (),
                 has_more: bool = False) -> None:
        super().__init__(headlines)
        self.has_more = has_more

    def __repr__(self) -> str:
        return f"NewsPage({list.__repr__(self)}, has_more={self.has_more})"


@dataclass(frozen=True, slots=True)
class NewsArticle:
    """An article: ``article_type`` 0 text / HTML, 1 binary (base64 PDF)."""

    provider_code: str
    article_id: str
    article_type: int
    text: str


@dataclass(frozen=True, slots=True)
class NewsBulletin:
    """An IB news bulletin: ``msg_type`` 1 news, 2 exchange unavailable, 3 exchange available."""

    msg_id: int
    msg_type: int
    message: str
    origin_exchange: str

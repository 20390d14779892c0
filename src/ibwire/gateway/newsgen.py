"""The paper gateway's news: providers, headlines per instrument over its calendar's history,
articles by id, and IB's bulletins. Pure functions of the seed, the instrument and the market.

Theory of operation: every headline is a pure function of (seed, con id, session date, provider,
index). For each session of the instrument's calendar a provider writes a hashed number of items
(:data:`PROVIDERS` says how many at most) at hashed seconds inside the session; their text reads
the market at that second (the move since the previous close, the price, the volume), so the news
agrees with the quotes and bars the same gateway serves. An article id encodes the provider, the
con id, the second and the index (``BRFG$<con id hex>-<second hex>-<index>``): an article is
found again from its id alone, and an id no headline has is refused. Nothing is stored.

Bulletins are a pure function of (seed, UTC date): one or two a day at hashed times, the first
before 06:00 UTC.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from ..models.news import BULLETIN_NEWS, NewsBulletin, NewsHeadline
from .calendar import Calendar
from .instruments import Instrument
from .market import Market
from .pricepath import mix

__all__ = ["PROVIDERS", "Provider", "NewsError", "headlines", "latest", "article",
           "bulletins", "parse_article_id", "HISTORY_DAYS", "format_time", "parse_time"]

HISTORY_DAYS = 366
"""How far back historical news goes."""


class NewsError(ValueError):
    """A news request this gateway refuses; the text says why."""


@dataclass(frozen=True, slots=True)
class Provider:
    code: str
    name: str
    per_session: int  # at most this many items per instrument and session
    salt: int


PROVIDERS: tuple[Provider, ...] = (
    Provider("BRFG", "Briefing.com General Market Columns", 2, 11),
    Provider("BRFUPDN", "Briefing.com Analyst Actions", 1, 23),
    Provider("DJNL", "Dow Jones Newsletters", 3, 37),
)
_BY_CODE = {p.code: p for p in PROVIDERS}

_BROKERS = ("Northbridge Securities", "Harbor Lane Capital", "Alder & Finch", "Keel Street Research",
            "Granite Point Partners")
_RATINGS = ("Buy", "Outperform", "Neutral", "Market Perform", "Underperform")
_ACTIONS = ("upgraded", "downgraded", "initiated", "reiterated")


def providers(codes: str) -> list[Provider]:
    """``"BRFG+DJNL"`` -> those providers; :class:`NewsError` naming the valid codes otherwise."""
    parts = [c.strip().upper() for c in re.split(r"[+,]", codes or "") if c.strip()]
    if not parts:
        raise NewsError(f"No news provider given (valid: {', '.join(_BY_CODE)})")
    bad = [c for c in parts if c not in _BY_CODE]
    if bad:
        raise NewsError(f"Invalid news source {', '.join(bad)} (valid: {', '.join(_BY_CODE)})")
    return [_BY_CODE[c] for c in dict.fromkeys(parts)]


def format_time(t: datetime) -> str:
    """HISTORICAL_NEWS' time text: ``yyyy-MM-dd HH:mm:ss.0`` (UTC)."""
    return t.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") + ".0"


def parse_time(text: str) -> datetime | None:
    """A REQ_HISTORICAL_NEWS bound: ``yyyy-MM-dd HH:mm:ss[.f]`` or ``yyyyMMdd HH:mm:ss`` (UTC), or
    empty (None); :class:`NewsError` otherwise."""
    s = (text or "").strip()
    if not s:
        return None
    s = re.sub(r"\.\d+$", "", s)
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y%m%d %H:%M:%S", "%Y%m%d-%H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(s, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise NewsError(f"Invalid date/time '{text}' (use yyyy-MM-dd HH:mm:ss.0)")


# --- headlines ----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Item:
    provider: Provider
    second: int
    index: int

    def article_id(self, con_id: int) -> str:
        return f"{self.provider.code}${con_id:x}-{self.second:x}-{self.index}"


def _session_items(seed: int, inst: Instrument, cal: Calendar, day: date) -> list[_Item]:
    session = cal.session(day)
    if session is None:
        return []
    span = max(session.close - session.open, 1)
    out = []
    for p in PROVIDERS:
        h = mix(seed, inst.con_id, day.toordinal(), p.salt)
        count = h % (p.per_session + 1)
        for k in range(count):
            offset = mix(h, k, 101) % span
            out.append(_Item(p, session.open + offset, k))
    out.sort(key=lambda it: (it.second, it.provider.code, it.index))
    return out


def _items_back(seed: int, inst: Instrument, wanted: Sequence[Provider], end: int,
                start: int | None) -> Iterator[_Item]:
    """The instrument's items at or before ``end`` (and at or after ``start``), newest first."""
    cal = Calendar.of(inst.hours)
    codes = {p.code for p in wanted}
    day = cal.trading_date_of(end) + timedelta(days=1)
    floor = day - timedelta(days=HISTORY_DAYS)
    if start is not None:
        floor = max(floor, cal.trading_date_of(start) - timedelta(days=1))
    while day >= floor:
        for it in reversed(_session_items(seed, inst, cal, day)):
            if it.provider.code in codes and it.second <= end:
                if start is not None and it.second < start:
                    return
                yield it
        day -= timedelta(days=1)


def _pct(a: float, b: float) -> float:
    return (a - b) / b * 100.0 if b else 0.0


def _headline(seed: int, market: Market, inst: Instrument, it: _Item) -> str:
    q = market.quote_at(inst.con_id, it.second)
    chg = _pct(q.last, q.close)
    up = chg >= 0
    h = mix(seed, inst.con_id, it.second, it.provider.salt + 7)
    name = inst.long_name.title() if inst.long_name.isupper() else inst.long_name
    code = it.provider.code
    if code == "BRFUPDN":
        action = _ACTIONS[h % len(_ACTIONS)]
        rating = _RATINGS[(h >> 4) % len(_RATINGS)]
        if action == "upgraded":
            rating = _RATINGS[(h >> 4) % 2]
        elif action == "downgraded":
            rating = _RATINGS[2 + (h >> 4) % 3]
        broker = _BROKERS[(h >> 8) % len(_BROKERS)]
        verb = f"{action} at" if action in ("initiated", "reiterated") else f"{action} to"
        return f"{inst.symbol} {verb} {rating} at {broker}"
    if code == "BRFG":
        word = ("gains", "rises", "moves higher")[h % 3] if up else \
            ("slips", "falls", "moves lower")[h % 3]
        return f"{name} ({inst.symbol}) {word} {abs(chg):.1f}% to {q.last:.{inst.price_decimals}f}"
    verb = "up" if up else "down"
    return (f"{name} shares {verb} {abs(chg):.1f}% on volume of {int(q.volume):,}; "
            f"day range {q.low:.{inst.price_decimals}f} - {q.high:.{inst.price_decimals}f}")


def _headline_of(seed: int, market: Market, inst: Instrument, it: _Item) -> NewsHeadline:
    return NewsHeadline(datetime.fromtimestamp(it.second, UTC), it.provider.code,
                        it.article_id(inst.con_id), _headline(seed, market, inst, it),
                        f"A:{inst.con_id}:L:en:K:n/a")


def headlines(seed: int, market: Market, inst: Instrument, wanted: Sequence[Provider],
              start: datetime | None, end: datetime | None, total: int
              ) -> tuple[list[NewsHeadline], bool]:
    """Up to ``total`` headlines of ``inst`` between ``start`` and ``end`` (None: open; never after
    market time now), newest first, and whether older ones exist in the range."""
    now = market.step_second
    end_s = now if end is None else min(now, int(end.timestamp()))
    start_s = None if start is None else int(start.timestamp())
    out: list[NewsHeadline] = []
    for it in _items_back(seed, inst, wanted, end_s, start_s):
        if len(out) == total:
            return out, True
        out.append(_headline_of(seed, market, inst, it))
    return out, False


def latest(seed: int, market: Market, inst: Instrument, wanted: Sequence[Provider], after: int,
           upto: int) -> list[NewsHeadline]:
    """The headlines of ``inst`` in (``after``, ``upto``], oldest first."""
    items = []
    for it in _items_back(seed, inst, wanted, upto, after + 1):
        items.append(it)
    return [_headline_of(seed, market, inst, it) for it in reversed(items)]


_ID = re.compile(r"^([A-Z]+)\$([0-9a-f]+)-([0-9a-f]+)-(\d+)$")


def parse_article_id(article_id: str) -> tuple[str, int, int, int]:
    """``(provider, con id, second, index)`` of an article id; :class:`NewsError` if malformed."""
    m = _ID.match((article_id or "").strip())
    if m is None:
        raise NewsError(f"Invalid article id '{article_id}'")
    return m.group(1), int(m.group(2), 16), int(m.group(3), 16), int(m.group(4))


def article(seed: int, market: Market, lookup: Callable[[int], Instrument | None],
            provider_code: str, article_id: str) -> str:
    """The HTML text of an article; :class:`NewsError` when no such article exists."""
    code, con_id, second, index = parse_article_id(article_id)
    provider = _BY_CODE.get((provider_code or "").strip().upper())
    if provider is None:
        raise NewsError(f"Invalid news source {provider_code} (valid: {', '.join(_BY_CODE)})")
    inst = lookup(con_id)
    if code != provider.code or inst is None or second > market.step_second:
        raise NewsError(f"Article {article_id} not found for provider {provider.code}")
    cal = Calendar.of(inst.hours)
    day = cal.trading_date_of(second)  # a session that opens the evening before: the next date
    day_items = [*_session_items(seed, inst, cal, day),
                 *_session_items(seed, inst, cal, day + timedelta(days=1))]
    it = _Item(provider, second, index)
    if it not in day_items:
        raise NewsError(f"Article {article_id} not found for provider {provider.code}")
    h = _headline_of(seed, market, inst, it)
    q = market.quote_at(con_id, second)
    d = inst.price_decimals
    when = h.time.strftime("%Y-%m-%d %H:%M:%S UTC")
    return (f"<html><head><title>{_esc(h.headline)}</title></head><body>"
            f"<h1>{_esc(h.headline)}</h1><p>{_esc(provider.name)} - {when}</p>"
            f"<p>{_esc(inst.long_name)} ({_esc(inst.symbol)}, {_esc(inst.exchange)}) last traded "
            f"at {q.last:.{d}f} {_esc(inst.currency)}, {_pct(q.last, q.close):+.2f}% from the "
            f"previous close of {q.close:.{d}f}. The session opened at {q.open:.{d}f}; the day's "
            f"range is {q.low:.{d}f} - {q.high:.{d}f} on volume of {int(q.volume):,}.</p>"
            "<p>Paper gateway news: generated from the simulated market.</p></body></html>")


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- bulletins ----------------------------------------------------------------------------------

_BULLETINS = (
    "Scheduled maintenance of the paper trading system this weekend; no impact on trading hours.",
    "Reminder: corporate action processing may delay position updates after the close.",
    "Market data for some exchanges may be briefly delayed around the open.",
    "New margin requirements apply to leveraged ETFs from the next session.",
)


def bulletins(seed: int, after: int, upto: int) -> list[NewsBulletin]:
    """IB's bulletins in (``after``, ``upto``] (epoch seconds), oldest first."""
    out: list[tuple[int, NewsBulletin]] = []
    day = datetime.fromtimestamp(after + 1, UTC).date()
    last = datetime.fromtimestamp(upto, UTC).date()
    while day <= last:
        base = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
        h = mix(seed, day.toordinal(), 4099)
        for k in range(1 + h % 2):
            # the day's first bulletin comes before 06:00 UTC (the start-of-day notice)
            second = base + mix(h, k, 0) % (6 * 3600 if k == 0 else 86400)
            if after < second <= upto:
                msg_id = (day.toordinal() % 100000) * 10 + k
                out.append((second, NewsBulletin(msg_id, BULLETIN_NEWS,
                                                 _BULLETINS[mix(h, k, 3) % len(_BULLETINS)],
                                                 "IB")))
        day += timedelta(days=1)
    out.sort(key=lambda x: x[0])
    return [b for _, b in out]

"""Market scanners: the scanner side of :class:`~ibwire.client.core.BrokerCore` (issue 15).

* ``scanner_parameters()`` -- TWS's scanner XML, parsed (:class:`~ibwire.models.scanner.ScannerParameters`:
  instrument types, locations, scan codes, filters, and the raw ``xml``); kept for the session.
* ``scan(scan_code, instrument, location, rows, filters)`` -- one result, as a list of
  :class:`~ibwire.models.scanner.ScanData` (best first); the subscription is cancelled after it.
* ``scan_subscription(...)`` -- a live :class:`~ibwire.client.feeds.ScanSubscription` whose rows
  TWS replaces at each refresh, until ``cancel_scan(sub)``.

The scan code, instrument, location and filter tags are checked against the parameters TWS
publishes (asked once per session) before anything is sent: a name TWS does not offer raises
ValueError naming the closest ones it does.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from ..errors import IbwireError, RequestTimeout, classify
from ..models.scanner import (
    ScanData,
    ScannerParameters,
    ScannerParametersError,
    ScannerSubscription,
    parse_scanner_parameters,
)
from ..protocol.codec import TagValue
from ..protocol.messages.scanner import (
    CancelScannerSubscription,
    ReqScannerParameters,
    ReqScannerSubscription,
    ScannerData,
)
from ..protocol.messages.scanner import ScannerParameters as ScannerParametersMsg
from .core import BrokerCore, Flow, Wait, request_error
from .feeds import ScanSubscription
from .flows import front_method
from .requests import Pending
from .router import singleton_key

__all__ = ["ScannerMixin", "Filters", "filter_options"]

_PARAMETERS = singleton_key(ReqScannerParameters)

Filters = Mapping[str, object] | Sequence[TagValue] | None
"""Scanner filters: ``{"priceAbove": 5, "volumeAbove": 100000}`` or TagValues."""


def filter_options(filters: Filters) -> list[TagValue]:
    """The filter options of a subscription (values as text, as TWS takes them)."""
    if filters is None:
        return []
    if isinstance(filters, Mapping):
        return [TagValue(str(k), _text(v)) for k, v in filters.items()]
    out = []
    for tv in filters:
        if not isinstance(tv, TagValue):
            raise TypeError(f"a filter is a TagValue or a mapping entry, not {tv!r}")
        out.append(tv)
    return out


def _text(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _check(kind: str, name: str, known: Iterable[str]) -> None:
    names = list(known)
    if name in names:
        return
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else \
        f" (it offers {', '.join(names[:12])}{' ...' if len(names) > 12 else ''})"
    raise ValueError(f"{kind} {name!r} is not in TWS's scanner parameters{hint}")


class ScannerMixin(BrokerCore):
    _HANDLERS: ClassVar[dict[type, str]] = {
        ScannerParametersMsg: "_on_scanner_parameters",
        ScannerData: "_on_scanner_data",
    }

    def _init_state(self) -> None:
        super()._init_state()
        self._scans: dict[int, ScanSubscription] = {}
        self._scanner_parameters: ScannerParameters | None = None

    # --- handlers -----------------------------------------------------------------------------

    def _on_scanner_parameters(self, msg: ScannerParametersMsg) -> None:
        p = self._registry.get(_PARAMETERS)
        if p is None:
            return
        try:
            p.finish(parse_scanner_parameters(msg.xml or ""))
        except ScannerParametersError as exc:
            p.fail(IbwireError(str(exc)))

    def _on_scanner_data(self, msg: ScannerData) -> None:
        req_id = msg.req_id
        if req_id is None:
            return
        p = self._registry.get(req_id)
        if p is not None:  # a one-shot scan
            p.finish(list(msg.rows))
            return
        sub = self._scans.get(req_id)
        if sub is not None:
            sub.rows = list(msg.rows)
            sub._notify()
            self._emit(sub)

    def _route_error(self, req_id: int, code: int, text: str, advanced: str | None) -> bool:
        sub = self._scans.get(req_id)
        if sub is None:
            return super()._route_error(req_id, code, text, advanced)
        if classify(code).is_error:
            sub.error = request_error(code, text, req_id, advanced)
            sub.active = False
            self._scans.pop(req_id, None)
            self._subs.drop(req_id)  # TWS ended it: nothing to cancel
            sub._notify()
            self._emit(sub)
        self._notice(code, text, req_id)
        return True

    # --- flows --------------------------------------------------------------------------------

    def flow_scanner_parameters(self, timeout: float | None = None) -> Flow[ScannerParameters]:
        """TWS's scanner parameters, parsed: instrument types, locations, scan codes, filters
        (and the raw ``xml``). Asked once per session; later calls return the same object."""
        if self._scanner_parameters is not None:
            return self._scanner_parameters
        result: ScannerParameters = yield from self._read_flow(
            "scanner parameters", _PARAMETERS,
            lambda: self._send(ReqScannerParameters()), timeout)
        self._scanner_parameters = result
        return result

    def _subscription(self, scan_code: str, instrument: str, location: str, rows: int | None,
                      filters: Filters, validate: bool, timeout: float | None,
                      legacy: dict[str, Any]) -> Flow[tuple[ScannerSubscription, list[TagValue]]]:
        options = filter_options(filters)
        if rows is not None and not 1 <= rows <= 50:
            raise ValueError(f"rows must be 1..50 (TWS's limit), not {rows}")
        sub = ScannerSubscription(number_of_rows=rows, instrument=instrument,
                                  location_code=location, scan_code=scan_code, **legacy)
        if validate:
            params = yield from self.flow_scanner_parameters(timeout)
            _check("scan code", scan_code, (s.code for s in params.scan_codes))
            _check("instrument", instrument, (i.type for i in params.instruments))
            _check("location", location, (loc.code for loc in params.locations))
            codes = params.filter_codes()
            for tv in options:
                _check("filter", tv.tag, codes)
        return sub, options

    def flow_scan(self, scan_code: str, instrument: str = "STK", location: str = "STK.US.MAJOR",
                  rows: int | None = None, filters: Filters = None, *,
                  above_price: float | None = None, below_price: float | None = None,
                  above_volume: int | None = None, stock_type_filter: str | None = None,
                  validate: bool = True, timeout: float | None = None) -> Flow[list[ScanData]]:
        """One scan result, best first: ``scan("TOP_PERC_GAIN", "STK", "STK.US.MAJOR", rows=10,
        filters={"priceAbove": 5})``. Raises ValueError for a name TWS's parameters do not offer
        (``validate=False`` skips that check) and RequestError when TWS refuses the scan."""
        legacy = {"above_price": above_price, "below_price": below_price,
                  "above_volume": above_volume, "stock_type_filter": stock_type_filter}
        sub, options = yield from self._subscription(scan_code, instrument, location, rows,
                                                     filters, validate, timeout, legacy)
        self._ensure_connected()
        total = self.timeout if timeout is None else timeout
        req_id = self._registry.next_id()
        p: Pending[Any] = Pending(f"scan {scan_code}", req_id)
        self._registry.add(p)
        try:
            self._send(ReqScannerSubscription(req_id, sub, [], options or None))
            if not (yield Wait(p, total)):
                raise RequestTimeout(f"scan {scan_code}", total)
            result: list[ScanData] = p.check()
        finally:
            self._registry.discard(p)
            if p.error is None and self._transport_connected():
                self._send(CancelScannerSubscription(req_id))
        return result

    def flow_scan_subscription(self, scan_code: str, instrument: str = "STK",
                               location: str = "STK.US.MAJOR", rows: int | None = None,
                               filters: Filters = None, *, above_price: float | None = None,
                               below_price: float | None = None, above_volume: int | None = None,
                               stock_type_filter: str | None = None, validate: bool = True,
                               timeout: float | None = None) -> Flow[ScanSubscription]:
        """A live scan: returns once the first result arrived; its ``rows`` are replaced at each
        refresh until ``cancel_scan(sub)``. Arguments as for ``scan``."""
        legacy = {"above_price": above_price, "below_price": below_price,
                  "above_volume": above_volume, "stock_type_filter": stock_type_filter}
        sub, options = yield from self._subscription(scan_code, instrument, location, rows,
                                                     filters, validate, timeout, legacy)
        self._ensure_connected()
        total = self.timeout if timeout is None else timeout
        req_id = self._registry.next_id()
        feed = ScanSubscription(req_id, subscription=sub, filter_options=options, _broker=self)
        self._scans[req_id] = feed
        first: Pending[Any] = Pending(f"scan {scan_code}", f"scan:{req_id}")
        feed._waiters.append(lambda: first.finish(feed))
        request = ReqScannerSubscription(req_id, sub, [], options or None)
        self._subs.add(request, functools.partial(self._scan_renewed, feed))
        self._send(request)
        if not (yield Wait(first, total)):
            self._cancel_scan(feed)
            raise RequestTimeout(f"scan {scan_code}", total)
        feed._waiters.clear()
        if feed.error is not None:
            raise feed.error
        return feed

    def cancel_scan(self, sub: ScanSubscription) -> None:
        """Stop a live scan made with ``scan_subscription``."""
        self._cancel_scan(sub)

    def _cancel_scan(self, sub: ScanSubscription) -> None:
        sub.active = False
        self._scans.pop(sub.req_id, None)
        cancel = self._subs.drop(sub.req_id)
        if cancel is not None and self._transport_connected():
            self._send(cancel)

    def _scan_renewed(self, sub: ScanSubscription, request: object) -> None:
        """A live scan asked for again (after 1101 or a reconnect) under a new request id."""
        self._scans.pop(sub.req_id, None)
        assert isinstance(request, ReqScannerSubscription) and request.req_id is not None
        sub.req_id = request.req_id
        self._scans[sub.req_id] = sub

    # --- front-end methods: blocking on the Broker, coroutines on the AsyncBroker ---

    scanner_parameters = front_method(flow_scanner_parameters)
    scan = front_method(flow_scan)
    scan_subscription = front_method(flow_scan_subscription)

"""The official API surface, derived from the declarations' :class:`~ibwire.protocol.api.Api` and
:class:`~ibwire.protocol.api.Callback` tables.

* :func:`api_specs` -- one :class:`ApiSpec` per official EClient method: the message it sends, how
  each argument becomes a message attribute (camelCase objects converted at the edge, ``""`` ->
  unset for text, flags to bool), the argument that names the request in error reports and the
  official error code when sending fails. :func:`make_method` turns one into a real method (its
  signature is the official one, so ``help(EClient.reqMktDepth)`` shows it).
* :func:`callback_specs` -- one :class:`CallbackSpec` per incoming message with a callback: the
  attribute paths passed in the official order and the kind of each value (``ibwire.compat``
  applies the official unset forms by kind).

Nothing here knows a message by name: adding a message with ``api=`` / ``callback=`` adds its
method and its callback.
"""

from __future__ import annotations

import dataclasses
import functools
import operator
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..models.camel import CAMEL_MODELS, to_model, unwrap_optional
from ..protocol import messages as _messages  # noqa: F401 - registers every declaration
from ..protocol.api import Callback, camel_name
from ..protocol.codec import TagValue
from ..protocol.ids import Out
from ..protocol.messages.config import ReqConfig, UpdateConfig
from ..protocol.protobuf import PbType
from ..protocol.schema import TO_CLIENT, TO_SERVER, Message

__all__ = [
    "OBJ", "DEC", "FLT", "INT", "STR", "ApiSpec", "CallbackSpec", "api_specs", "callback_specs",
    "make_method", "item_getter", "SEND_ERRORS", "send_error", "from_protobuf_object",
    "config_request",
]

# Value kinds of callback arguments (used by ibwire.compat to apply the official unset forms).
OBJ, DEC, FLT, INT, STR = "obj", "dec", "flt", "int", "str"

SEND_ERRORS: dict[int, str] = {
    509: "Request sending error", 510: "Request Market Data Sending Error",
    511: "Cancel Market Data Sending Error", 512: "Order Sending Error",
    513: "Account Update Request Sending Error", 514: "Request For Executions Sending Error",
    515: "Cancel Order Sending Error", 516: "Request Open Order Sending Error",
    518: "Request Contract Data Sending Error", 519: "Request Market Depth Sending Error",
    521: "Set Server Log Level Sending Error", 522: "FA Information Request Sending Error",
    523: "FA Information Replace Sending Error",
    524: "Request Scanner Subscription Sending Error",
    525: "Cancel Scanner Subscription Sending Error",
    526: "Request Scanner Parameter Sending Error", 527: "Request Historical Data Sending Error",
    528: "Request Historical Data Sending Error", 529: "Request Real-time Bar Data Sending Error",
    530: "Cancel Real-time Bar Data Sending Error", 531: "Request Current Time Sending Error",
    534: "Request Calculate Implied Volatility Sending Error",
    535: "Request Calculate Option Price Sending Error",
    536: "Cancel Calculate Implied Volatility Sending Error",
    537: "Cancel Calculate Option Price Sending Error",
    538: "Request Global Cancel Sending Error", 539: "Request Market Data Type Sending Error",
    540: "Request Positions Sending Error", 541: "Cancel Positions Sending Error",
    542: "Request Account Data Sending Error", 543: "Cancel Account Data Sending Error",
    544: "Verify Request Sending Error", 545: "Verify Message Sending Error",
    546: "Query Display Groups Sending Error", 547: "Subscribe To Group Events Sending Error",
    548: "Update Display Group Sending Error",
    549: "Unsubscribe From Group Events Sending Error", 550: "Start API Sending Error",
    551: "Verify And Auth Request Sending Error", 552: "Verify And Auth Message Sending Error",
    553: "Request Positions Multi Sending Error", 554: "Cancel Positions Multi Sending Error",
    555: "Request Account Updates Multi Sending Error",
    556: "Cancel Account Updates Multi Sending Error",
    557: "Request Security Definition Option Params Sending Error",
    558: "Request Soft Dollar Tiers Sending Error", 559: "Request Family Codes Sending Error",
    560: "Request Matching Symbols Sending Error",
    561: "Request Market Depth Exchanges Sending Error",
    562: "Request Smart Components Sending Error", 563: "Request News Providers Sending Error",
    564: "Request News Article Sending Error", 565: "Request Historical News Sending Error",
    566: "Request Head Time Stamp Sending Error", 567: "Request Histogram Data Sending Error",
    568: "Cancel Request Histogram Data Sending Error",
    569: "Cancel Head Time Stamp Sending Error", 570: "Request Market Rule Sending Error",
    571: "Request PnL Sending Error", 572: "Cancel PnL Sending Error",
    573: "Request PnL Single Error", 574: "Cancel PnL Single Sending Error",
    575: "Request Historical Ticks Error", 576: "Request Tick-By-Tick Data Sending Error",
    577: "Cancel Tick-By-Tick Data Sending Error", 578: "Request Completed Orders Sending Error",
    580: "Request WSH Meta Data Sending Error", 581: "Cancel WSH Meta Data Sending Error",
    582: "Request WSH Event Data Sending Error", 583: "Cancel WSH Event Data Sending Error",
    584: "Request User Info Sending Error",
    587: "Request Current Time In Millis Sending Error",
    589: "Cancel Market Depth Sending Error", 590: "Cancel Contract Data Sending Error",
    591: "Cancel Historical Ticks Sending Error", 592: "Request Config Sending Error",
    593: "Update Config Request Sending Error",
}
"""The official client's error code and text when a request cannot be sent (encoded), by code."""

_SEND_ERROR_OF: dict[Out, int] = {
    Out.START_API: 550, Out.REQ_CURRENT_TIME: 531, Out.SET_SERVER_LOGLEVEL: 521,
    Out.REQ_MKT_DATA: 510, Out.CANCEL_MKT_DATA: 511, Out.REQ_MARKET_DATA_TYPE: 539,
    Out.REQ_SMART_COMPONENTS: 562, Out.REQ_MARKET_RULE: 570, Out.REQ_TICK_BY_TICK_DATA: 576,
    Out.CANCEL_TICK_BY_TICK_DATA: 577, Out.REQ_CALC_IMPLIED_VOLAT: 534,
    Out.CANCEL_CALC_IMPLIED_VOLAT: 536, Out.REQ_CALC_OPTION_PRICE: 535,
    Out.CANCEL_CALC_OPTION_PRICE: 537, Out.EXERCISE_OPTIONS: 510, Out.PLACE_ORDER: 512,
    Out.CANCEL_ORDER: 515, Out.REQ_OPEN_ORDERS: 516, Out.REQ_AUTO_OPEN_ORDERS: 516,
    Out.REQ_ALL_OPEN_ORDERS: 516, Out.REQ_GLOBAL_CANCEL: 538, Out.REQ_IDS: 515,
    Out.REQ_ACCT_DATA: 513, Out.REQ_ACCOUNT_SUMMARY: 542, Out.CANCEL_ACCOUNT_SUMMARY: 543,
    Out.REQ_POSITIONS: 540, Out.CANCEL_POSITIONS: 541, Out.REQ_POSITIONS_MULTI: 553,
    Out.CANCEL_POSITIONS_MULTI: 554, Out.REQ_ACCOUNT_UPDATES_MULTI: 555,
    Out.CANCEL_ACCOUNT_UPDATES_MULTI: 556, Out.REQ_PNL: 571, Out.CANCEL_PNL: 572,
    Out.REQ_PNL_SINGLE: 573, Out.CANCEL_PNL_SINGLE: 574, Out.REQ_EXECUTIONS: 514,
    Out.REQ_CONTRACT_DATA: 518, Out.REQ_MKT_DEPTH_EXCHANGES: 561, Out.REQ_MKT_DEPTH: 519,
    Out.CANCEL_MKT_DEPTH: 589, Out.REQ_NEWS_BULLETINS: 515, Out.CANCEL_NEWS_BULLETINS: 515,
    Out.REQ_MANAGED_ACCTS: 516, Out.REQ_FA: 522, Out.REPLACE_FA: 523,
    Out.REQ_HISTORICAL_DATA: 527, Out.CANCEL_HISTORICAL_DATA: 528, Out.REQ_HEAD_TIMESTAMP: 566,
    Out.CANCEL_HEAD_TIMESTAMP: 569, Out.REQ_HISTOGRAM_DATA: 567, Out.CANCEL_HISTOGRAM_DATA: 568,
    Out.REQ_HISTORICAL_TICKS: 575, Out.REQ_SCANNER_PARAMETERS: 526,
    Out.REQ_SCANNER_SUBSCRIPTION: 524, Out.CANCEL_SCANNER_SUBSCRIPTION: 525,
    Out.REQ_REAL_TIME_BARS: 529, Out.CANCEL_REAL_TIME_BARS: 530, Out.REQ_NEWS_PROVIDERS: 563,
    Out.REQ_NEWS_ARTICLE: 564, Out.REQ_HISTORICAL_NEWS: 565, Out.QUERY_DISPLAY_GROUPS: 546,
    Out.SUBSCRIBE_TO_GROUP_EVENTS: 547, Out.UPDATE_DISPLAY_GROUP: 548,
    Out.UNSUBSCRIBE_FROM_GROUP_EVENTS: 549, Out.VERIFY_REQUEST: 544, Out.VERIFY_MESSAGE: 545,
    Out.VERIFY_AND_AUTH_REQUEST: 551, Out.VERIFY_AND_AUTH_MESSAGE: 552,
    Out.REQ_SEC_DEF_OPT_PARAMS: 557, Out.REQ_SOFT_DOLLAR_TIERS: 558, Out.REQ_FAMILY_CODES: 559,
    Out.REQ_MATCHING_SYMBOLS: 560, Out.REQ_COMPLETED_ORDERS: 578, Out.REQ_WSH_META_DATA: 580,
    Out.CANCEL_WSH_META_DATA: 581, Out.REQ_WSH_EVENT_DATA: 582, Out.CANCEL_WSH_EVENT_DATA: 583,
    Out.REQ_USER_INFO: 584, Out.REQ_CURRENT_TIME_IN_MILLIS: 587, Out.CANCEL_CONTRACT_DATA: 590,
    Out.CANCEL_HISTORICAL_TICKS: 591, Out.REQ_CONFIG: 592, Out.UPDATE_CONFIG: 593,
}


def send_error(msg_id: int) -> tuple[int, str]:
    """The official (code, text) reported when the request ``msg_id`` cannot be sent."""
    try:
        code = _SEND_ERROR_OF[Out(msg_id)]
    except (KeyError, ValueError):
        code = 509
    return code, SEND_ERRORS[code]


# --- types of message attributes ---------------------------------------------------------------

@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def attr_type(cls: type, path: str) -> Any:
    """The declared type of ``path`` (``"details.contract"``) on the dataclass ``cls``."""
    tp: Any = cls
    for part in path.split("."):
        if not dataclasses.is_dataclass(tp):
            raise TypeError(f"{cls.__name__}: {path!r} goes through a {tp!r}, not a model")
        hints = _hints(typing.cast(type, tp))
        if part not in hints:
            raise TypeError(f"{cls.__name__} has no attribute {path!r}")
        tp, _ = unwrap_optional(hints[part])
    return tp


def value_kind(tp: Any) -> str:
    if tp is Decimal:
        return DEC
    if tp is float:
        return FLT
    if tp in (int, bool):
        return INT
    if tp is str:
        return STR
    return OBJ


# --- callbacks ----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class CallbackSpec:
    """The official callback of one incoming message."""

    msg_cls: type[Message]
    name: str
    paths: tuple[str, ...]
    """Attribute paths in argument order; with :attr:`each`, ``"*"`` is the item and ``"*.x"``
    its attribute ``x``."""
    kinds: tuple[str, ...]
    each: str | None
    then: CallbackSpec | None = None
    """The callback made after this one (see :attr:`ibwire.protocol.api.Callback.then`)."""



def item_getter(path: str) -> Callable[[Any, Any], Any]:
    """``(message, item) -> value`` for an argument of a per-item (``each``) callback."""
    if path == "*":
        return lambda m, item: item
    if path.startswith("*."):
        get = operator.attrgetter(path[2:])
        return lambda m, item: get(item)
    get_m = operator.attrgetter(path)
    return lambda m, item: get_m(m)


def _callback_spec(cls: type[Message], cb: Callback | None) -> CallbackSpec | None:
    if cb is None:
        return None
    paths, kinds = [], []
    item_type: Any = None
    if cb.each is not None:
        seq = attr_type(cls, cb.each)
        (item_type,) = typing.get_args(seq) or (Any,)
    for arg in cb.args:
        path = arg.path
        if path is None:
            raise TypeError(f"{cls.__name__}: callback argument {arg.name} has no attribute")
        paths.append(path)
        if path == "*":
            kinds.append(value_kind(item_type))
        elif path.startswith("*."):
            kinds.append(value_kind(attr_type(item_type, path[2:])))
        else:
            kinds.append(value_kind(attr_type(cls, path)))
    return CallbackSpec(cls, cb.name, tuple(paths), tuple(kinds), cb.each,
                        _callback_spec(cls, cb.then))


@functools.cache
def callback_specs() -> dict[type, CallbackSpec]:
    """Every incoming message class with an official callback -> its :class:`CallbackSpec`."""
    out = {}
    for cls in TO_CLIENT.values():
        spec = _callback_spec(cls, cls.SCHEMA.callback)
        if spec is not None:
            out[cls] = spec
    return out


# --- requests -----------------------------------------------------------------------------------

def _tags(v: Any) -> list[TagValue]:
    if not v:
        return []
    return [t if isinstance(t, TagValue) else TagValue(str(t.tag), str(t.value)) for t in v]


def _converter(tp: Any) -> Callable[[Any], Any]:
    """How an official argument becomes the attribute of type ``tp``."""
    if tp is str:
        return lambda v: None if v is None or v == "" else str(v)
    if tp is bool:
        return lambda v: None if v is None else bool(v)
    if tp is int:
        return lambda v: v
    if tp is float:
        return lambda v: v
    if tp is Decimal:
        return lambda v: v if v is None or isinstance(v, Decimal) else Decimal(str(v))
    origin = typing.get_origin(tp)
    if origin is list:
        (item,) = typing.get_args(tp) or (Any,)
        if item is TagValue:
            return _tags
        if item in CAMEL_MODELS:
            return lambda v: [x if isinstance(x, item) else to_model(x, item) for x in v or ()]
        return lambda v: list(v or ())
    if isinstance(tp, type) and tp in CAMEL_MODELS:
        model: type = tp
        return lambda v: model() if v is None else v if isinstance(v, model) else to_model(v, model)
    return lambda v: v


@dataclass(frozen=True, slots=True)
class ApiSpec:
    """One official EClient method: what it sends and how its arguments map."""

    msg_cls: type[Message]
    name: str
    arg_names: tuple[str, ...]
    paths: tuple[str | None, ...]
    converters: tuple[Callable[[Any], Any], ...]
    id_index: int | None
    """The argument that names the request (request id or order id) in error reports."""
    code: int
    what: str

    def build(self, values: Sequence[Any]) -> Message:
        top: dict[str, Any] = {}
        nested: list[tuple[str, Any]] = []
        for path, conv, v in zip(self.paths, self.converters, values):
            if path is None:
                continue
            if "." in path:
                nested.append((path, conv(v)))
            else:
                top[path] = conv(v)
        msg = self.msg_cls(**top)
        for path, v in nested:
            head, _, last = path.rpartition(".")
            setattr(operator.attrgetter(head)(msg), last, v)
        return msg


def _api_spec(cls: type[Message]) -> ApiSpec | None:
    api = cls.SCHEMA.api
    if api is None:
        return None
    paths = tuple(a.path for a in api.args)
    converters = tuple((lambda v: v) if p is None else _converter(attr_type(cls, p))
                       for p in paths)
    id_index = next((i for i, p in enumerate(paths) if p in ("req_id", "order_id")), None)
    code, what = send_error(cls.MSG_ID)
    return ApiSpec(cls, api.name, tuple(a.name for a in api.args), paths, converters, id_index,
                   code, what)


@functools.cache
def api_specs() -> dict[str, ApiSpec]:
    """Every official EClient method declared -> its :class:`ApiSpec`."""
    out: dict[str, ApiSpec] = {}
    for cls in TO_SERVER.values():
        spec = _api_spec(cls)
        if spec is None:
            continue
        if spec.name in out:
            raise TypeError(f"{spec.name} declared by {out[spec.name].msg_cls.__name__} and "
                            f"{cls.__name__}")
        out[spec.name] = spec
    return out


def make_method(spec: ApiSpec) -> Callable[..., None]:
    """A real method with the official signature that sends ``spec``'s message."""
    params = ", ".join(spec.arg_names)
    src = (f"def {spec.name}(self{', ' if params else ''}{params}):\n"
           f"    self._send_api(_spec, ({params}{',' if len(spec.arg_names) == 1 else ''}))\n")
    scope: dict[str, Any] = {"_spec": spec}
    exec(compile(src, f"<ibwire api {spec.name}>", "exec"), scope)  # noqa: S102
    fn: Callable[..., None] = scope[spec.name]
    replies = ""
    req = spec.msg_cls.SCHEMA.request
    if req is not None and req.replies:
        specs = callback_specs()
        names = [specs[TO_CLIENT[int(r)]].name if TO_CLIENT.get(int(r)) in specs else r.name
                 for r in req.replies]
        if names:
            replies = f" Answers: {', '.join(names)}."
    fn.__doc__ = f"Send {spec.msg_cls.__name__} ({Out(spec.msg_cls.MSG_ID).name}).{replies}"
    fn.__qualname__ = f"EClient.{spec.name}"
    return fn


# --- official protobuf objects (10.51's reqConfigProtoBuf / updateConfigProtoBuf take them) ------

def _present(obj: Any, name: str) -> bool:
    has_field = getattr(obj, "HasField", None)
    if has_field is not None:  # a protobuf object: unset fields read as their defaults
        try:
            return bool(has_field(name))
        except ValueError:  # a repeated field (no presence)
            return True
    return getattr(obj, name, None) is not None


def from_protobuf_object(obj: Any, pb: PbType, into: Any = None) -> Any:
    """The model of ``pb``'s declaration from an object carrying the protobuf type's fields by
    their protobuf names (the official client's generated object, or any object with those
    attributes): what the EClient methods that take one (``reqConfigProtoBuf``) send."""
    model = into if into is not None else pb.cls()
    for f in pb.fields:
        name = f.name or camel_name(f.path.rsplit(".", 1)[-1])
        if not _present(obj, name):
            continue
        value = getattr(obj, name)
        if f.repeated:
            value = [from_protobuf_object(x, f.sub) if f.sub is not None else x
                     for x in value or ()]
            if not value:
                continue
        elif f.sub is not None:
            value = from_protobuf_object(value, f.sub)
        head, _, last = f.path.rpartition(".")
        setattr(operator.attrgetter(head)(model) if head else model, last, value)
    return model


def config_request(obj: Any, cls: type[ReqConfig] | type[UpdateConfig]) -> Message:
    """REQ_CONFIG / UPDATE_CONFIG from the official client's ConfigRequest / UpdateConfigRequest
    object (an ibwire message is taken as it is)."""
    if isinstance(obj, cls):
        return obj
    if obj is None:
        raise ValueError(f"{cls.__name__}: give the request object")
    pb = cls.SCHEMA.pb
    assert pb is not None
    msg: Message = from_protobuf_object(obj, pb)
    return msg

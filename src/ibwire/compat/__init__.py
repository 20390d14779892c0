"""Drop-in names for programs written against the official ``ibapi`` package.

Port a program by replacing ``ibapi.`` with ``ibwire.compat.`` in its imports::

    from ibwire.compat.client import EClient
    from ibwire.compat.wrapper import EWrapper
    from ibwire.compat.contract import Contract
    from ibwire.compat.order import Order

Modules mirror the official ones: ``client`` (EClient), ``wrapper`` (EWrapper), ``contract``
(Contract, ComboLeg, DeltaNeutralContract, ContractDetails), ``order`` (Order, OrderComboLeg),
``order_state`` (OrderState), ``execution`` (Execution, ExecutionFilter), ``commission_report``
(CommissionReport), ``common`` (BarData, TickAttrib, TickerId, OrderId, UNSET_INTEGER,
UNSET_DOUBLE, UNSET_LONG, UNSET_DECIMAL ...), ``tag_value`` (TagValue), ``softdollartier``,
``ticktype`` (TickTypeEnum), ``account_summary_tags`` (AccountSummaryTags) and ``utils``
(iswrapper, floatMaxString, decimalMaxString ...).

What a ported program sees (the decisions):

* The data classes are camelCase dataclasses with the official field names and defaults; the
  behaviour follows ibapi 10.x (the releases that speak server versions 157..178): quantities
  (``totalQuantity``, ``filled``, positions, sizes, bar volume) are ``Decimal``, unset ones are
  ``UNSET_DECIMAL``.
* Unset values look as they do in ibapi: inside objects a field TWS left unset keeps its class
  default -- ``UNSET_DOUBLE`` for order prices (``lmtPrice``, ``auxPrice`` ...) and for a commission
  report's ``realizedPNL`` / ``yield_``, ``UNSET_INTEGER`` for optional order integers, ``0`` /
  ``""`` / ``False`` for the rest; plain callback arguments that TWS left unset arrive as ``0``,
  ``0.0`` or ``""`` (what ibapi's decoder produces), quantities as ``UNSET_DECIMAL``.
* ``Execution.time`` is TWS's text (``"20231115 09:20:44 US/Eastern"``), as in ibapi.
* ``error`` is called with the arguments the program's override accepts: ``(reqId, errorCode,
  errorString)`` for 9.81-style programs, ``(..., advancedOrderRejectJson)`` for 10.x, and
  ``(reqId, errorTime, errorCode, errorString, advancedOrderRejectJson)`` when the override names
  its second parameter ``errorTime``.
* Requests accept compat objects, the official package's objects, or ibwire's typed models; they
  are converted to ibwire models at the edge (UNSET sentinels and ``""`` become ``None``).
* Unlike ibapi, the client reports undecodable or unknown messages through ``error`` (505 / 508)
  and keeps them in ``EClient.unhandled`` instead of dropping them, and ``connect()`` gives up
  after ``EClient.connect_timeout`` seconds (502).

The typed API (``from ibwire import EClient, EWrapper``) passes ibwire's snake_case models with
``None`` for unset values instead.
"""

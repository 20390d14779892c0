"""Oracle cases of the options domain (protocol/messages/options.py): chains, option
computations, the two calculations and their cancels, exercise (see cases.py)."""

from __future__ import annotations

from decimal import Decimal

from ibwire.models.contract import Contract, FuturesOption, Option
from ibwire.models.market import ContractDetails
from ibwire.protocol.messages import contracts, options
from ibwire.protocol.schema import Message
from ibwire.protocol.versions import Feature

SPY_C = Option("SPY", "20261218", 500, "C", multiplier="100")
SPY_P = Contract(con_id=1_234_567_890, symbol="SPY", sec_type="OPT",
                 last_trade_date_or_contract_month="20261218", strike=500.0, right="P",
                 multiplier="100", exchange="SMART", currency="USD",
                 local_symbol="SPY   261218P00500000", trading_class="SPY")
ES_FOP = FuturesOption("ES", "20261218", 6000, "P", "CME", multiplier="50", trading_class="ES")

REQUESTS: list[Message] = [
    options.ReqSecDefOptParams(41, "SPY", "", "STK", 756733),
    options.ReqSecDefOptParams(42, "ES", "CME", "FUT", 649180695),
    options.ReqSecDefOptParams(43, "SPX", "", "IND", 416904),
    options.ReqCalcImpliedVolat(44, SPY_C, 12.35, 501.25),
    options.ReqCalcImpliedVolat(45, ES_FOP, 85.5, 6010.0),
    options.ReqCalcOptionPrice(46, SPY_P, 0.185, 498.4),
    options.ReqCalcOptionPrice(47, ES_FOP, 0.2, 5990.25),
    options.CancelCalcImpliedVolat(44),
    options.CancelCalcOptionPrice(46),
    options.ExerciseOptions(48, SPY_P, 1, 2, "DU123456", False),
    options.ExerciseOptions(49, SPY_C, 2, 1, "DU123456", True),
    # refused by the official client (and ibwire) below the gates of the newer fields
    options.ExerciseOptions(50, SPY_P, 1, 1, "DU123456", False, "20261204-15:30:00"),
    options.ExerciseOptions(51, SPY_P, 1, 1, "DU123456", False, "", "CUST1", True),
]

_CHAIN = options.SecurityDefinitionOptionParameter(
    41, "SMART", 756733, "SPY", "100", ["20261211", "20261218", "20270115"],
    [490.0, 495.0, 497.5, 500.0, 502.5, 505.0])
_FOP_CHAIN = options.SecurityDefinitionOptionParameter(
    42, "CME", 649180695, "EW", "50", ["20261130"], [5950.0, 5975.0, 6000.0])

# option and futures-option CONTRACT_DATA (the last trade time and zone travel with the date)
_OPT_DETAILS = ContractDetails(
    contract=Contract(con_id=1141475377, symbol="SPY", sec_type="OPT",
                      last_trade_date_or_contract_month="20261218", strike=580.0, right="C",
                      multiplier="100", exchange="SMART", currency="USD",
                      local_symbol="SPY   261218C00580000", trading_class="SPY"),
    market_name="SPY", min_tick=0.01, order_types="LMT,MKT,STP", valid_exchanges="SMART,CBOE",
    price_magnifier=1, under_con_id=756733, long_name="SPY Dec18'26 580 Call",
    contract_month="202612", time_zone_id="US/Eastern", under_symbol="SPY", under_sec_type="STK",
    market_rule_ids="32,32", real_expiration_date="20261218", last_trade_time="16:00",
    min_size=Decimal(1), size_increment=Decimal(1), suggested_size_increment=Decimal(1))
_FOP_DETAILS = ContractDetails(
    contract=Contract(con_id=1051820196, symbol="ES", sec_type="FOP",
                      last_trade_date_or_contract_month="20261218", strike=6000.0, right="P",
                      multiplier="50", exchange="CME", currency="USD", local_symbol="ESZ6 P6000",
                      trading_class="ES"),
    market_name="ES", min_tick=0.25, under_con_id=649180695, contract_month="202612",
    time_zone_id="US/Central", under_symbol="ES", under_sec_type="FUT",
    real_expiration_date="20261218", last_trade_time="08:30")

INCOMING: list[tuple[Feature | None, Message]] = [
    (None, contracts.ContractData(61, _OPT_DETAILS)),
    (None, contracts.ContractData(62, _FOP_DETAILS)),
    (Feature.SEC_DEF_OPT_PARAMS_REQ, _CHAIN),
    (Feature.SEC_DEF_OPT_PARAMS_REQ, _FOP_CHAIN),
    (Feature.SEC_DEF_OPT_PARAMS_REQ, options.SecurityDefinitionOptionParameterEnd(41)),
    # the calculation answer captured from TWS at 200 (shared/vectors/captured.json)
    (None, options.TickOptionComputation(6, 53, 0, 0.3, 0.5579497967180902, 2.6596901785543805,
                                         None, 0.0700889483259586, 0.07475592510994344,
                                         -0.7568548883674484, 293.23)),
    (None, options.TickOptionComputation(1001, 10, 0, 0.1812, 0.52, 12.3, 0.0, 0.011, 0.83,
                                         -0.061, 500.12)),
    (None, options.TickOptionComputation(1001, 11, 1, 0.1834, 0.5213, 12.4, 0.0, 0.011, 0.83,
                                         -0.062, 500.12)),
    (None, options.TickOptionComputation(1001, 12, 0, None, None, 12.35, None, None, None, None,
                                         500.12)),
    (None, options.TickOptionComputation(1001, 13, 0, 0.1823, 0.5207, 12.349, 0.0, 0.0109,
                                         0.8312, -0.0615, 500.12)),
    (None, options.TickOptionComputation(1002, 83, 0, 0.21, -0.31, 45.5, 0.0, 0.0004, 9.2,
                                         -1.1, 6001.25)),
]

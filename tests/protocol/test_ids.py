"""Named message ids: the official client 10.51's incoming and outgoing ids, used by every
declaration and by the gateway's table of unserved requests."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import ibwire.protocol as protocol
from ibwire.protocol import TO_CLIENT, TO_SERVER, In, Out

MESSAGES = Path(protocol.__file__).parent / "messages"


def test_the_official_counts_and_a_few_fixed_points() -> None:
    assert (len(In), len(Out)) == (85, 83)
    assert (In.TICK_PRICE, Out.REQ_MKT_DATA) == (1, 1)
    assert (In.CONFIG_RESPONSE, In.UPDATE_CONFIG_RESPONSE) == (110, 111)
    assert (Out.START_API, Out.UPDATE_CONFIG) == (71, 109)
    assert In.COMMISSION_AND_FEES_REPORT == 59 and Out.CANCEL_REAL_TIME_BARS == 51
    # removed in 10.51 (fundamental data) and the ranges that were never used
    assert 51 not in {int(i) for i in In} and {52, 53} & {int(o) for o in Out} == set()
    assert not {int(i) for i in In} & set(range(22, 45))
    assert not {int(o) for o in Out} & set(range(26, 49))


def test_every_registered_message_has_a_named_id_matching_its_docstring() -> None:
    for registry, enum in ((TO_CLIENT, In), (TO_SERVER, Out)):
        for msg_id, cls in registry.items():
            name = enum(msg_id).name
            assert type(cls.MSG_ID) is int  # ids stay plain ints at run time (no behaviour change)
            doc = (cls.__doc__ or "").split()
            if doc and re.fullmatch(r"[A-Z_]+", doc[0]):
                assert doc[0] == name, (cls.__name__, name)


def test_declarations_name_their_ids() -> None:
    """No ``@to_client(5, ...)``: every decorator's first argument is ``In.X`` / ``Out.X``."""
    seen = 0
    for path in sorted(MESSAGES.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.ClassDef):
                continue
            for deco in node.decorator_list:
                if isinstance(deco, ast.Call) and isinstance(deco.func, ast.Name) \
                        and deco.func.id in ("to_client", "to_server"):
                    first = deco.args[0]
                    want = "In" if deco.func.id == "to_client" else "Out"
                    assert isinstance(first, ast.Attribute) and isinstance(first.value, ast.Name) \
                        and first.value.id == want, f"{path.name}: {node.name}"
                    seen += 1
    assert seen == len(TO_CLIENT) + len(TO_SERVER)

"""Every message id of the official client 10.51, in both directions, is declared in ibwire: with
its text layout where 10.51 has a text form, with its protobuf form where 10.51 has one, and with
no protobuf form where 10.51 has none.

The id lists come from the oracle itself (``{"op": "ids"}`` in driver.py: its IN / OUT enums, its
decoder's text and protobuf handler tables, the ids its EClient sends as text and as protobuf),
not from a list written here. A missing or incomplete declaration is reported by name and id, all
of them at once.
"""

from __future__ import annotations

from typing import Any

import pytest

from ibwire.errors import LocalProtocolError
from ibwire.protocol.ids import In, Out
from ibwire.protocol.schema import TO_CLIENT, TO_SERVER, Message
from ibwire.protocol.versions import Feature

from .harness import Oracle

LAST_TEXT_VERSION = int(Feature.PARAMETRIZED_DAYS_OF_EXECUTIONS)
"""Text layouts stop changing at 200 (PROTOCOL-V2.md section 1.2): every text form exists there."""


@pytest.fixture(scope="module")
def official(oracle: Oracle) -> dict[str, Any]:
    return oracle.run([{"op": "ids"}])[0]


def _text_form(cls: type[Message]) -> bool:
    """Whether ``cls`` has a text layout (its encoder at 200 writes a frame for a default
    instance; a request refused there, by version, does not count)."""
    try:
        cls.SCHEMA.encoder(LAST_TEXT_VERSION)(cls())
    except LocalProtocolError:
        return False
    return True


def _problems(direction: str, names: dict[str, int], text: set[int], protobuf: set[int],
              registry: dict[int, type[Message]]) -> list[str]:
    out = []
    for name, msg_id in sorted(names.items(), key=lambda kv: kv[1]):
        cls = registry.get(msg_id)
        label = f"{direction} {msg_id} {name}"
        if cls is None:
            out.append(f"{label}: not declared")
            continue
        if msg_id in text and not _text_form(cls):
            out.append(f"{label} ({cls.__name__}): no text layout (10.51 has one)")
        has_pb = cls.SCHEMA.pb is not None
        if msg_id in protobuf and not has_pb:
            out.append(f"{label} ({cls.__name__}): no protobuf form (10.51 has one)")
        if msg_id not in protobuf and has_pb:
            out.append(f"{label} ({cls.__name__}): a protobuf form 10.51 does not have")
    return out


def test_ibwire_names_every_official_id(official: dict[str, Any]) -> None:
    """ibwire's In / Out enums are 10.51's IN / OUT, name for name and number for number."""
    assert {m.name: int(m) for m in In} == official["in"]
    assert {m.name: int(m) for m in Out} == official["out"]
    assert len(official["in"]) == 85 and len(official["out"]) == 83


def test_every_official_message_is_declared_with_its_forms(official: dict[str, Any]) -> None:
    problems = (
        _problems("incoming", official["in"], set(official["in_text"]),
                  set(official["in_protobuf"]), TO_CLIENT)
        + _problems("outgoing", official["out"], set(official["out_text"]),
                    set(official["out_protobuf"]), TO_SERVER))
    declared_in = sum(1 for i in official["in"].values() if i in TO_CLIENT)
    declared_out = sum(1 for i in official["out"].values() if i in TO_SERVER)
    if problems:
        pytest.fail(f"{len(problems)} problems; declared {declared_in} of {len(official['in'])} "
                    f"incoming and {declared_out} of {len(official['out'])} outgoing ids of the "
                    "official client 10.51:\n" + "\n".join(problems), pytrace=False)

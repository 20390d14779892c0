"""Seeds and mutators for the fuzz tests.

Seeds are real frames (``shared/vectors``, read in place) plus one encoded default message of every
registered schema at every tested version; mutators make the hostile variants an attacker or a
broken peer could send: truncated and extra fields, wrong types, non-ASCII and random bytes,
absurd length prefixes, frames split at any byte.
"""

from __future__ import annotations

import json
import os
import random
import struct
from collections.abc import Callable, Iterator
from pathlib import Path

from ibwire.errors import LocalProtocolError
from ibwire.protocol.framing import encode_fields
from ibwire.protocol.schema import TO_CLIENT, TO_SERVER
from ibwire.protocol.versions import TESTED_VERSIONS

VECTORS = Path(__file__).resolve().parents[2] / ".." / "shared" / "vectors"

DEFAULT_EXAMPLES = 200
"""The CI budget (examples per target, scaled per test); ``IBWIRE_FUZZ_EXAMPLES`` raises it."""

DERANDOMIZE = "IBWIRE_FUZZ_EXAMPLES" not in os.environ
"""CI runs the same examples every time; a long run explores new ones."""


def budget(default: int = DEFAULT_EXAMPLES) -> int:
    """How many examples each fuzz target runs (``IBWIRE_FUZZ_EXAMPLES`` overrides)."""
    value = os.environ.get("IBWIRE_FUZZ_EXAMPLES")
    return max(1, int(value)) if value else default


def captured_frames(direction: str = "server->client") -> list[list[str]]:
    """Text frames captured from real TWS sessions (empty when shared/vectors is absent)."""
    frames: list[list[str]] = []
    path = VECTORS / "captured.json"
    if path.exists():
        for m in json.loads(path.read_text()):
            if m.get("direction") == direction and m.get("msg_id") is not None \
                    and not m.get("msg_id_encoding") and m.get("fields"):
                frames.append([str(f) for f in m["fields"]])
    samples = VECTORS / "sv178_incoming_samples.json"
    if direction == "server->client" and samples.exists():
        data = json.loads(samples.read_text())
        items = data.values() if isinstance(data, dict) else data
        frames += [[str(f) for f in v] for v in items if isinstance(v, list)]
    return frames


def encoded_defaults(direction: str) -> list[list[str]]:
    """Every registered message of ``direction`` with default values, at every tested version."""
    registry = TO_CLIENT if direction == "server->client" else TO_SERVER
    out = []
    for cls in registry.values():
        for version in TESTED_VERSIONS:
            try:
                out.append(cls.SCHEMA.encoder(version)(cls()))
            except LocalProtocolError:  # a request that does not exist at this version yet
                continue
    return out


def seeds(direction: str) -> list[list[str]]:
    return captured_frames(direction) + encoded_defaults(direction)


# --- mutators ---------------------------------------------------------------------------------------

WEIRD = ["", "-1", "0", "2147483647", "9223372036854775807", "-9223372036854775808",
         "1.7976931348623157E308", "Infinity", "-Infinity", "NaN", "1e999", "0x10", "None", "?",
         "9" * 5000, "1" * 7, "abc", " ", "\t", "1.5", "-0", "+7", "100001", "99999999999999999999"]

Mutator = Callable[[random.Random, list[str]], bytes]


def _frame(fields: list[str]) -> bytes:
    return encode_fields(fields)


def truncate(rng: random.Random, fields: list[str]) -> bytes:
    return _frame(fields[:rng.randrange(1, max(2, len(fields)))])


def extend(rng: random.Random, fields: list[str]) -> bytes:
    return _frame(fields + [rng.choice(WEIRD) for _ in range(rng.randrange(1, 20))])


def retype(rng: random.Random, fields: list[str]) -> bytes:
    out = list(fields)
    for _ in range(rng.randrange(1, 4)):
        i = rng.randrange(1, len(out)) if len(out) > 1 else 0
        out[i] = rng.choice(WEIRD)
    return _frame(out)


def drop_field(rng: random.Random, fields: list[str]) -> bytes:
    out = list(fields)
    if len(out) > 1:
        del out[rng.randrange(1, len(out))]
    return _frame(out)


def duplicate_field(rng: random.Random, fields: list[str]) -> bytes:
    out = list(fields)
    i = rng.randrange(len(out))
    out.insert(i, out[i])
    return _frame(out)


def non_ascii(rng: random.Random, fields: list[str]) -> bytes:
    payload = bytearray(("\0".join(fields) + "\0").encode("ascii"))
    for _ in range(rng.randrange(1, 4)):
        payload[rng.randrange(len(payload))] = rng.randrange(128, 256)
    return struct.pack(">I", len(payload)) + bytes(payload)


def flip_bytes(rng: random.Random, fields: list[str]) -> bytes:
    payload = bytearray(("\0".join(fields) + "\0").encode("ascii"))
    for _ in range(rng.randrange(1, 6)):
        payload[rng.randrange(len(payload))] = rng.randrange(256)
    return struct.pack(">I", len(payload)) + bytes(payload)


def random_payload(rng: random.Random, fields: list[str]) -> bytes:
    payload = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 200)))
    return struct.pack(">I", len(payload)) + payload


def no_terminator(rng: random.Random, fields: list[str]) -> bytes:
    payload = "\0".join(fields).encode("ascii")
    return struct.pack(">I", len(payload)) + payload


FRAME_MUTATORS: list[Mutator] = [truncate, extend, retype, drop_field, duplicate_field, non_ascii,
                                 flip_bytes, random_payload, no_terminator]

HUGE_PREFIXES = [0x01000000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF]
"""Length prefixes over the 16 MiB frame limit (up to 4 GiB): rejected before any allocation."""


def mutations(direction: str, count: int, seed: int = 0) -> Iterator[tuple[str, bytes]]:
    """``count`` (name, frame bytes) pairs: seeded mutations of every seed frame in turn."""
    rng = random.Random(seed)
    pool = seeds(direction)
    for n in range(count):
        fields = pool[n % len(pool)]
        mutate = rng.choice(FRAME_MUTATORS)
        yield f"{mutate.__name__}({fields[0]})", mutate(rng, fields)

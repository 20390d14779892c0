import pytest

from ibwire.errors import LocalProtocolError, RemoteProtocolError
from ibwire.protocol.framing import (
    MAX_FRAME_LENGTH,
    FrameBuffer,
    encode_fields,
    encode_frame,
    split_fields,
)


def frames(n: int) -> tuple[bytes, list[bytes]]:
    payloads = [f"1\x006\x00{i}\x001\x00{i}.25\x00100\x000\x00".encode() for i in range(n)]
    return b"".join(encode_frame(p) for p in payloads), payloads


def test_frame_is_length_prefixed_nul_terminated_fields() -> None:
    assert encode_fields(["71", "2", "5", ""]) == b"\x00\x00\x00\x0871\x002\x005\x00\x00"
    assert split_fields(b"71\x002\x005\x00\x00") == ["71", "2", "5", ""]


def test_one_byte_at_a_time() -> None:
    data, payloads = frames(20)
    buf = FrameBuffer()
    out: list[bytes] = []
    for i in range(len(data)):
        out += buf.feed(data[i:i + 1])
    assert out == payloads
    assert len(buf) == 0


def test_ten_thousand_frames_in_one_chunk() -> None:
    data, payloads = frames(10_000)
    buf = FrameBuffer()
    assert buf.feed(data) == payloads
    assert len(buf) == 0


def test_partial_frame_is_kept_until_complete() -> None:
    data, payloads = frames(3)
    buf = FrameBuffer()
    cut = len(data) - 5
    assert buf.feed(data[:cut]) == payloads[:2]
    assert buf.feed(data[cut:]) == payloads[2:]


def test_oversize_length_is_an_error_before_any_allocation() -> None:
    buf = FrameBuffer()
    with pytest.raises(RemoteProtocolError, match="exceeds"):
        buf.feed((2**31).to_bytes(4, "big") + b"x")
    with pytest.raises(RemoteProtocolError):
        FrameBuffer().feed((MAX_FRAME_LENGTH + 1).to_bytes(4, "big"))


def test_largest_legal_frame_is_accepted() -> None:
    payload = b"x" * MAX_FRAME_LENGTH
    assert FrameBuffer().feed(encode_frame(payload)) == [payload]


def test_sending_an_oversize_frame_is_refused() -> None:
    with pytest.raises(LocalProtocolError):
        encode_frame(b"x" * (MAX_FRAME_LENGTH + 1))


def test_non_ascii_outgoing_and_incoming() -> None:
    with pytest.raises(LocalProtocolError):
        encode_fields(["1", "caf\u00e9"])
    with pytest.raises(RemoteProtocolError) as info:
        split_fields("4\x002\x00caf\u00e9\x00".encode("latin-1"))
    assert info.value.msg_id == 4

"""A client that writes its hello, START_API and a request in one write gets its answers without
writing again: the gateway does not hold frames pipelined after the hello."""

from __future__ import annotations

import socket

from ibwire.protocol.connection import Connection, HandshakeComplete, Role, encode_message
from ibwire.protocol.messages.system import CurrentTime, ReqCurrentTime, StartApi


def test_pipelined_start_api_and_request_are_answered(gateway) -> None:
    client = Connection(Role.CLIENT, min_version=100, max_version=178)
    wire = (client.initiate() + encode_message(StartApi(12), 178)
            + encode_message(ReqCurrentTime(), 178))
    got: list[object] = []
    with socket.create_connection(("127.0.0.1", gateway.port), timeout=10) as sock:
        sock.sendall(wire)  # and nothing more: the answers must come anyway
        while not any(isinstance(e, CurrentTime) for e in got):
            data = sock.recv(65536)
            assert data, f"gateway closed the connection; got {got!r}"
            got += client.receive_data(data)
    assert isinstance(got[0], HandshakeComplete) and got[0].server_version == 178
    assert client.accounts == ["DU1234567"] and client.next_valid_id is not None

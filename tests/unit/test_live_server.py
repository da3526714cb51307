"""The tests' live server (tests/live.py) closes what it serves, whoever hangs up."""

import gc
import socket
import struct
import warnings
from urllib.parse import urlsplit

from tests.live import serving


def _fetch_and_reset(base: str, path: str) -> None:
    """Ask for `path`, read the first bytes, then reset the connection (RST)."""
    address = urlsplit(base)
    with socket.create_connection((address.hostname, address.port)) as client:
        client.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        assert client.recv(12).startswith(b"HTTP/1.1 200")
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def test_a_static_file_is_closed_when_the_browser_resets_the_connection(app):
    # Werkzeug drains the socket before it closes the answer; a reset makes that
    # read raise, and without our wrapper the open file was left to the collector.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        with serving(app) as base:
            for _ in range(10):
                _fetch_and_reset(base, "/static/img/logo.svg")
        gc.collect()
    unclosed = [str(warning.message) for warning in caught
                if issubclass(warning.category, ResourceWarning)]
    assert unclosed == []

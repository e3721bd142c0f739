"""Start the explorer on a local port, say where it is, and open the browser once it answers."""

from __future__ import annotations

import socket
import threading
import webbrowser
from collections.abc import Callable
from typing import Any

import uvicorn

HOST = "127.0.0.1"  # the page edits files in the save folder: never listen beyond this machine


def free_port() -> int:
    """A port nothing listens on now, for tests and for --port 0."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
        return True


def serve(app: Any, port: int, *, open_browser: bool, say: Callable[[str], None]) -> None:
    """Run until interrupted; `say` gets the address as soon as the server accepts connections."""
    server = uvicorn.Server(uvicorn.Config(app, host=HOST, port=port, log_level="warning", lifespan="off"))
    address = f"http://{HOST}:{port}/"

    def announce() -> None:
        while not server.started and not server.should_exit:
            threading.Event().wait(0.05)
        if server.started:
            say(f"tariffsim explorer at {address} (Ctrl+C to stop)")
            if open_browser:
                webbrowser.open(address)

    threading.Thread(target=announce, daemon=True).start()
    server.run()

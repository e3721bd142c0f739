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


def guarded(app: Any, port: int) -> Any:
    """`app` answering only this machine's own page: any other Host or Origin gets 403.

    Listening on 127.0.0.1 is not enough: a page from any site, open in the same browser, can send
    requests and open WebSockets to it (and DNS rebinding can give it our address under its own
    name). Browsers always send Origin with a WebSocket and with a cross-site request, and the Host
    they name is what they think they talk to; so both must be this server's own address.
    """
    hosts = {f"{HOST}:{port}", f"localhost:{port}"}
    origins = {f"http://{host}" for host in hosts}

    async def guard(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket"):
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
            origin = headers.get("origin")
            allowed = headers.get("host") in hosts and (
                origin in origins if origin is not None else scope["type"] == "http"
            )
            if not allowed:
                await refuse(scope, receive, send)
                return
        await app(scope, receive, send)

    return guard


async def refuse(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "websocket":
        await receive()  # websocket.connect; closing before accepting answers the handshake with 403
        await send({"type": "websocket.close", "code": 1008})
        return
    body = b"Forbidden: this explorer answers only its own page at its own address.\n"
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


def serve(app: Any, port: int, *, open_browser: bool, say: Callable[[str], None]) -> None:
    """Run until interrupted; `say` gets the address as soon as the server accepts connections."""
    config = uvicorn.Config(guarded(app, port), host=HOST, port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
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

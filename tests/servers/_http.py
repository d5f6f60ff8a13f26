"""A minimal HTTP/1.1 server on asyncio streams, run in a thread, that stops itself.

Plain streams instead of a framework so a handler can do what real servers sometimes do: drop the
connection without a word, answer too late, or send a body that is not JSON.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

DROP = object()
"""Returned by a handler: close the connection without answering."""

REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


@dataclass
class Reply:
    status: int
    body: bytes | dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)

    def encode(self) -> bytes:
        body = self.body if isinstance(self.body, bytes) else json.dumps(self.body).encode()
        head = [
            f"HTTP/1.1 {self.status} {REASONS.get(self.status, 'Status')}",
            "Content-Type: application/json",
            f"Content-Length: {len(body)}",
            "Connection: keep-alive",
        ]
        head += [f"{k}: {v}" for k, v in self.headers.items()]
        return ("\r\n".join(head) + "\r\n\r\n").encode() + body


Handler = Callable[[str, str, dict[str, str], bytes], Awaitable["Reply | object"]]


class ThreadedServer:
    """Serves `handler` on 127.0.0.1:port (0 = free) in a daemon thread until `stop()`, `max_requests`
    or `max_seconds`, whichever comes first. Use as a context manager."""

    def __init__(
        self, handler: Handler, port: int = 0, max_requests: int = 100_000, max_seconds: float = 300.0
    ) -> None:
        self.handler = handler
        self.port = port
        self.max_requests = max_requests
        self.max_seconds = max_seconds
        self.requests = 0
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="fake-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ThreadedServer:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("fake server did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    def __enter__(self) -> ThreadedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        server = await asyncio.start_server(self._serve, "127.0.0.1", self.port, backlog=1024)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            await asyncio.wait_for(self._stop.wait(), self.max_seconds)
        except TimeoutError:
            pass
        finally:
            server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                method, path, _ = line.decode("latin-1").split(" ", 2)
                headers: dict[str, str] = {}
                while (h := await reader.readline()) not in (b"\r\n", b"\n", b""):
                    k, _, v = h.decode("latin-1").partition(":")
                    headers[k.strip().lower()] = v.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                self.requests += 1
                if self.requests >= self.max_requests and self._stop is not None:
                    self._stop.set()
                reply = await self.handler(method, path, headers, body)
                if reply is DROP:
                    writer.transport.abort()
                    return
                assert isinstance(reply, Reply)
                writer.write(reply.encode())
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, ValueError, asyncio.CancelledError):
            return  # the client went away, or the server is stopping
        finally:
            writer.close()


def wait_port(server: ThreadedServer, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while server.port == 0 and time.monotonic() < deadline:
        time.sleep(0.01)

"""Name a transport failure (DNS, refused, reset, closed, timed out) from an SDK exception's causes.

SDKs wrap every transport problem alike ('Connection error.', or 'Request timed out.' even for a
connection the server dropped); the exception they wrap says what really happened.
"""

from __future__ import annotations

_CONNECTION_NAMES = (  # (exception class names in the cause chain, what to call the failure)
    ({"gaierror", "ClientConnectorDNSError"}, "DNS lookup failed"),
    ({"ConnectionRefusedError"}, "connection refused"),
    ({"ConnectionResetError", "ServerDisconnectedError", "RemoteProtocolError", "ClientOSError"}, "connection reset"),
    ({"ConnectionAbortedError", "BrokenPipeError", "ClientPayloadError"}, "connection closed by the server"),
    ({"ReadTimeout", "ConnectTimeout", "ServerTimeoutError", "TimeoutError", "APITimeoutError"}, "request timed out"),
)


def _causes(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in seen and len(seen) < 10:
        seen.append(cur)
        cur = cur.__cause__ or cur.__context__
    return seen


def connection_failure(exc: BaseException) -> tuple[str, BaseException] | None:
    """What a transport failure was (DNS, refused, reset, closed, timed out) and the exception that
    says so, read from `exc` and its causes (SDKs wrap a dropped connection as 'Request timed out.')."""
    chain = _causes(exc)
    for names, what in _CONNECTION_NAMES:
        for e in chain:
            if {k.__name__ for k in type(e).__mro__} & names:
                return what, e
    for e in chain:  # aiohttp puts the OS error only in the message of its connector errors
        text = str(e).lower()
        if "name or service not known" in text or "nodename nor servname" in text or "name resolution" in text:
            return "DNS lookup failed", e
        if "connection refused" in text or "connect call failed" in text:
            return "connection refused", e
        if "connection reset" in text or "server disconnected" in text:
            return "connection reset", e
    return None

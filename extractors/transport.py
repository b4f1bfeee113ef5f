"""How the pipeline speaks HTTP: one retry policy, one deadline per request, URLs never leaked.

Both the document client (`extractors.http.HttpClient`) and the alert webhook (`flows.alerts`)
send through `Transport.request`, so what is retried, how often and how long to wait is stated
once, in `retry_policy` — urllib3's `Retry`, the library requests itself builds on:

- a connection that cannot be made (refused, DNS, connect timeout) is tried once more, then the
  request fails fast: a name that does not resolve will not resolve in a minute either;
- a broken or timed-out read, and an answer the policy lists (429, 500, 502, 503, 504), are
  retried up to the attempt budget, waiting the server's Retry-After (capped) or else an
  exponential backoff with jitter;
- anything else (an undecodable body, a malformed URL) is not retried.

urllib3 runs the policy inside its own request loop only up to the response headers, so errors
in the body (a reset mid-body, a truncated body), the size cap and the caller's own verdict on an
answer (a challenge page) would escape it. `Transport.request` therefore drives the same `Retry`
object over whole exchanges: `Retry.increment` decides whether another try is allowed,
`Retry.get_retry_after`/`get_backoff_time` how long to wait. No counting or waiting is done here.

Timeouts in sockets bound each read, not a request: a server dripping one byte every few seconds
never trips them. Each attempt therefore runs under a deadline (`_Deadline`): when it passes, a
timer shuts the request's socket down, which ends the blocked read at once.

Error texts are built here from the error's kind, never from urllib3's message (which carries the
URL), and `redact_url`/`scrub` keep secrets in URLs (tokens in webhook paths or query strings)
out of every log line and stored row.
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import (
    ConnectTimeoutError,
    DecodeError,
    HTTPError,
    InvalidHeader,
    LocationValueError,
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)
from urllib3.util.retry import Retry

DEFAULT_USER_AGENT = (
    "bulletin-metrics/0.1 (data pipeline reading public defence bulletins; "
    "+https://github.com/bulletin-metrics/bulletin-metrics)"
)
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
# The headers that carry credentials: never sent to another host than the one they were given for.
CREDENTIAL_HEADERS = frozenset(name.lower() for name in Retry.DEFAULT_REMOVE_HEADERS_ON_REDIRECT)
READ_CHUNK = 64 * 1024


def retry_policy(
    max_attempts: int, *, backoff_factor: float = 0.5, backoff_max: float = 30.0, retry_after_max: int = 120
) -> Retry:
    """The one retry policy of every HTTP request the pipeline makes (documents and alerts)."""
    if max_attempts < 1:
        raise ValueError(f"max_attempts must be at least 1, not {max_attempts}")
    return Retry(
        total=max_attempts - 1,  # retries after the first try
        connect=1,  # refused, DNS, connect timeout: one more try, then fail fast
        other=0,  # undecodable body, malformed URL, TLS failure...: not transient
        allowed_methods=None,  # GET and the webhook's POST alike
        status_forcelist=RETRYABLE_STATUSES,
        backoff_factor=backoff_factor,  # 0, 2f, 4f, ... seconds: urllib3 retries the first failure at once
        backoff_jitter=backoff_factor * 2,
        backoff_max=backoff_max,
        respect_retry_after_header=True,
        retry_after_max=retry_after_max,
        raise_on_status=False,
    )


@dataclass
class Answer:
    """One HTTP exchange: a response (status, headers, body), or `error` when none usable came.

    `error` is one line without the URL; `cause` the urllib3 exception the retry policy judges.
    """

    url: str
    started_at: datetime
    elapsed_ms: float = 0.0
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    error: str | None = None
    cause: Exception | None = None
    too_large: str | None = None
    retry_after_s: float | None = None
    response: urllib3.BaseHTTPResponse | None = field(default=None, repr=False)


@dataclass
class Outcome:
    """Every exchange of one request, the retries included; `last` is what the caller acts on."""

    answers: list[Answer]

    @property
    def last(self) -> Answer:
        return self.answers[-1]

    def problem(self, what: str) -> str:
        """`what` went wrong with the last answer, said with the number of attempts it took."""
        count = len(self.answers)
        return f"gave up after {count} attempts, last: {what}" if count > 1 else what


class Transport:
    """A urllib3 pool whose every request runs under a deadline and the given retry policy."""

    def __init__(
        self,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        deadline: float = 60.0,
        user_agent: str = DEFAULT_USER_AGENT,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if deadline <= 0:
            raise ValueError(f"deadline must be positive, not {deadline}")
        self.deadline = deadline
        self._sleep = sleep
        self._headers = urllib3.make_headers(accept_encoding=True, user_agent=user_agent)
        self._pools = urllib3.PoolManager(
            num_pools=4, maxsize=8, retries=False,
            timeout=urllib3.Timeout(connect=connect_timeout, read=read_timeout),
        )
        # Connections that register their sockets with the deadline of the request using them.
        self._pools.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._pools.clear()

    def request(
        self,
        method: str,
        url: str,
        *,
        policy: Retry,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        max_bytes: int = 20 * 1024 * 1024,
        retry_answer: Callable[[Answer], bool] = lambda answer: False,
    ) -> Outcome:
        """Send until an answer is final or `policy` allows no more tries.

        An answer is retried when the policy lists its status or `retry_answer` says so (a
        challenge page); a transport error is retried as the policy classifies it.
        """
        retry = policy.new()
        answers: list[Answer] = []
        while True:
            answer = self._exchange(method, url, headers or {}, body, max_bytes)
            answer.retry_after_s = _retry_after(retry, answer.response)
            answers.append(answer)
            if answer.too_large:
                return Outcome(answers)
            if answer.error is None:
                assert answer.status is not None
                listed = retry.is_retry(method, answer.status, "retry-after" in answer.headers)
                if not (listed or retry_answer(answer)):
                    return Outcome(answers)
            try:
                retry = retry.increment(
                    method, url, response=answer.response if answer.error is None else None, error=answer.cause
                )
            except MaxRetryError:
                return Outcome(answers)
            self._sleep(answer.retry_after_s or retry.get_backoff_time())

    def _exchange(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None, max_bytes: int
    ) -> Answer:
        """One request and its body, within the deadline. Transport errors come back in the answer."""
        answer = Answer(url=url, started_at=datetime.now(UTC))
        started = time.monotonic()
        response: urllib3.BaseHTTPResponse | None = None
        read_to_the_end = False
        with _Deadline(self.deadline) as deadline:
            try:
                response = self._pools.request(
                    method, url, headers={**self._headers, **headers}, body=body,
                    redirect=False, preload_content=False, decode_content=True,
                )
                answer.status = response.status
                answer.headers = {name.lower(): value for name, value in response.headers.items()}
                answer.response = response
                answer.too_large = _oversize(answer.headers.get("content-length"), max_bytes)
                if answer.too_large is None and not 300 <= response.status < 400:
                    answer.body, answer.too_large = _read_capped(response, max_bytes)
                    read_to_the_end = answer.too_large is None
            except (HTTPError, OSError) as error:
                answer.cause = error
        # A socket shut by the deadline may read as a clean end (headers cut short, a body without
        # Content-Length ending early): whatever was read then is not the answer. Retried as a
        # read timeout.
        if deadline.expired:
            answer.cause = ReadTimeoutError(None, url, f"no complete answer within {self.deadline:g} s")  # type: ignore[arg-type]
        if answer.cause is not None:
            answer.status, answer.body, answer.too_large, read_to_the_end = None, b"", None, False
            answer.error = scrub(describe(answer.cause), url)
        answer.elapsed_ms = (time.monotonic() - started) * 1000.0
        if response is not None:
            if read_to_the_end:
                response.release_conn()  # the connection can serve the next request
            else:
                response.close()  # unread, broken or shut by the deadline: never reused
        return answer


# -- the deadline --------------------------------------------------------------------------------

_active = threading.local()


class _Deadline:
    """Shuts the sockets of one exchange down when `seconds` have passed (a timer thread), so no
    server can hold a request longer: a read blocked on a dripping server returns at once."""

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._done = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        _active.deadline = self
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        with self._lock:
            self._done = True
        self._timer.cancel()
        _active.deadline = None

    def watch(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            if self.expired:
                _shut(sock)
            else:
                self._sockets.append(sock)

    def _expire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.expired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    # The plain socket's shutdown, also for a TLS socket: it ends the blocked read in the other
    # thread without touching the TLS state that thread is using. Already closed: nothing to end.
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _watch_current(sock: socket.socket | None) -> None:
    deadline: _Deadline | None = getattr(_active, "deadline", None)
    if deadline is not None:
        deadline.watch(sock)


class _WatchedHTTPConnection(HTTPConnection):
    def connect(self) -> None:
        super().connect()
        _watch_current(self.sock)

    def request(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        _watch_current(self.sock)  # a kept-alive connection serving another request
        super().request(*args, **kwargs)


class _WatchedHTTPSConnection(HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        _watch_current(self.sock)

    def request(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        _watch_current(self.sock)
        super().request(*args, **kwargs)


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


# -- reading -------------------------------------------------------------------------------------

def _oversize(content_length: str | None, max_bytes: int) -> str | None:
    if content_length and content_length.strip().isdigit() and int(content_length) > max_bytes:
        return f"Content-Length {int(content_length)} exceeds the {max_bytes}-byte cap"
    return None


def _read_capped(response: urllib3.BaseHTTPResponse, max_bytes: int) -> tuple[bytes, str | None]:
    """Read the (decompressed) body, stopping as soon as it passes the cap."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.stream(READ_CHUNK, decode_content=True):
        size += len(chunk)
        if size > max_bytes:
            return b"", f"body exceeds the {max_bytes}-byte cap"
        chunks.append(chunk)
    return b"".join(chunks), None


def _retry_after(policy: Retry, response: urllib3.BaseHTTPResponse | None) -> float | None:
    """The server's Retry-After in seconds, capped by the policy; None if absent or unreadable."""
    if response is None or not policy.respect_retry_after_header:
        return None
    try:
        return policy.get_retry_after(response)
    except InvalidHeader:
        return None


# -- saying what went wrong, without secrets -----------------------------------------------------

def describe(error: BaseException) -> str:
    """One line naming what failed, built from the error's kind (urllib3's own text names the URL)."""
    if isinstance(error, NameResolutionError):
        return f"connection error: cannot resolve host {error._host!r} ({error._reason})"
    if isinstance(error, NewConnectionError):
        return f"connection error: {error._message}"
    if isinstance(error, ConnectTimeoutError):
        return f"timeout: {_after_pool(error)}"
    if isinstance(error, ReadTimeoutError):
        return f"timeout: {_after_pool(error)}"
    if isinstance(error, ProtocolError):
        return "connection error: " + " ".join(str(part) for part in error.args if str(part))
    if isinstance(error, SSLError):
        return f"TLS error: {error}"
    if isinstance(error, DecodeError):
        return f"undecodable body: {error.args[0] if error.args else error}"
    if isinstance(error, LocationValueError):
        return "malformed URL"
    return f"{type(error).__name__}: {error}"


def _after_pool(error: BaseException) -> str:
    """urllib3 prefixes some messages with the pool (`HTTPConnectionPool(host=..., port=...): `)."""
    text = str(error)
    if text.startswith("None: "):  # a deadline's timeout, made without a pool
        return text.removeprefix("None: ")
    return text.split("): ", 1)[1] if "Pool(host=" in text and "): " in text else text


SECRET_NAMES = re.compile(r"token|key|secret|sig|pass|auth|credential|session|code", re.IGNORECASE)


def redact_url(url: str) -> str:
    """The URL as it may be logged or stored: no user or password, no value of a query parameter
    whose name suggests a secret (`?token=…`). A public document's address stays readable."""
    try:
        parts = urlsplit(url)
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<unreadable URL>"
    netloc = f"…@{parts.hostname or ''}{port}" if "@" in parts.netloc else parts.netloc
    pairs = []
    for pair in parts.query.split("&") if parts.query else []:
        name, equals, value = pair.partition("=")
        pairs.append(f"{name}=…" if equals and value and SECRET_NAMES.search(name) else pair)
    query = f"?{'&'.join(pairs)}" if pairs else ""
    return f"{parts.scheme}://{netloc}{parts.path}{query}"


def scrub(text: str, url: str) -> str:
    """`text` without the secret parts of `url` (credentials, path, query), however they were
    written: as given, percent-encoded (as sent on the wire) or decoded."""
    parts = urlsplit(url)
    secrets = {parts.path if len(parts.path) > 1 else "", parts.query, parts.netloc.rpartition("@")[0]}
    if parts.scheme.lower() not in ("http", "https"):
        secrets.add(parts.netloc)  # Apprise URLs may hold a token where the host would be
    forms = {url}
    for secret in filter(None, secrets):
        forms |= {secret, quote(secret, safe="/:@&=?+,;%"), quote(secret, safe="/"), unquote(secret)}
    for form in sorted(filter(None, forms), key=len, reverse=True):
        text = text.replace(form, "…")
    return text


def same_origin(first: str, second: str) -> bool:
    """Whether two URLs name the same scheme, host and port (credentials may go from one to the other)."""
    a, b = urlsplit(first), urlsplit(second)
    return (a.scheme.lower(), (a.hostname or "").lower().rstrip("."), _port(a)) == (
        b.scheme.lower(), (b.hostname or "").lower().rstrip("."), _port(b)
    )


def _port(parts: Any) -> int | None:
    try:
        return parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    except ValueError:
        return None


__all__ = [
    "CREDENTIAL_HEADERS",
    "DEFAULT_USER_AGENT",
    "RETRYABLE_STATUSES",
    "Answer",
    "Outcome",
    "Transport",
    "describe",
    "redact_url",
    "retry_policy",
    "same_origin",
    "scrub",
]

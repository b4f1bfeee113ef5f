"""The one HTTP client every source fetches through (DESIGN.md §2, fetch).

A `requests.Session` wrapped with what polite, reliable scraping needs: connect/read timeouts,
retries with exponential backoff and full jitter on 429/5xx/connection errors honouring
Retry-After, conditional GET, a body size cap, an honest User-Agent, a host allow-list checked on
every redirect hop, and challenge pages ("Just a moment...") treated as failed fetches.

Every HTTP exchange is recorded as a `FetchAttempt`, on success (`FetchResult.attempts`) and on
failure (`FetchError.attempts`), so the warehouse can keep the fetch history.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter

DEFAULT_USER_AGENT = (
    "bulletin-metrics/0.1 (data pipeline reading public defence bulletins; "
    "+https://github.com/bulletin-metrics/bulletin-metrics)"
)

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
NOT_FOUND_STATUSES = frozenset({404, 410})
MAX_REDIRECTS = 5

# Markers of edge challenge pages (Cloudflare and alike). They sit in the <head> or near the top,
# so only the first bytes are searched: a long report that merely mentions a phrase deep in its
# text is not a challenge. "challenge-platform" is deliberately absent: Cloudflare injects a
# script of that name into ordinary pages too.
CHALLENGE_MARKERS: tuple[bytes, ...] = (
    b"<title>just a moment...</title>",
    b"<title>attention required! | cloudflare</title>",
    b"cf-chl",
    b"_cf_chl_opt",
    b"checking your browser",
    b"enable javascript and cookies to continue",
)
CHALLENGE_SCAN_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class FetchAttempt:
    """One HTTP exchange (a retry or a redirect hop is an attempt of its own)."""

    url: str
    attempted_at: datetime
    status: int | None
    error: str | None
    elapsed_ms: float
    retry_after_s: float | None = None


@dataclass(frozen=True, slots=True)
class FetchResult:
    """A fetched document, or the news that it has not changed (`not_modified`, `body` None).

    `headers` keys are lower-case (`result.headers["etag"]`).
    """

    url: str
    final_url: str
    status: int
    body: bytes | None
    headers: dict[str, str]
    fetched_at: datetime
    not_modified: bool
    attempts: list[FetchAttempt] = field(default_factory=list)

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")


class FetchError(Exception):
    """A fetch that produced no document. The message is one line naming the URL and the cause."""

    def __init__(
        self, url: str, reason: str, attempts: Iterable[FetchAttempt] = (), status: int | None = None
    ) -> None:
        self.url = url
        self.reason = " ".join(reason.split())  # one line, whatever the server sent
        self.attempts = list(attempts)
        self.status = status
        super().__init__(f"fetch of {url} failed: {self.reason}")

    def __reduce__(self) -> tuple[Any, ...]:
        # Keeps the exception picklable (Prefect may serialise task failures).
        return (type(self), (self.url, self.reason, self.attempts, self.status))


class NotFound(FetchError):
    """404/410: the document is not there; discovery may fall back to another route."""


class HostNotAllowed(FetchError):
    """The URL, or a redirect hop, leaves the source's allow-listed hosts."""


class ChallengePage(FetchError):
    """The server answered with a bot challenge or edge error page instead of the document."""


class ResponseTooLarge(FetchError):
    """The body exceeds the client's size cap."""


@dataclass(slots=True)
class _Exchange:
    """What one request returned: a response, or `error` when no usable response came."""

    url: str
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    error: str | None = None
    retry_after_s: float | None = None


class HttpClient:
    """Fetches documents from an allow-list of hosts; share one per flow run, close it after."""

    def __init__(
        self,
        allowed_hosts: Iterable[str],
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        max_attempts: int = 5,
        challenge_attempts: int = 3,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        max_retry_after: float = 120.0,
        max_bytes: int = 20 * 1024 * 1024,
        user_agent: str = DEFAULT_USER_AGENT,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        if max_attempts < 1 or challenge_attempts < 1:
            raise ValueError("max_attempts and challenge_attempts must be at least 1")
        self.allowed_hosts = frozenset(_normalise_host(h) for h in allowed_hosts if h)
        if not self.allowed_hosts:
            raise ValueError("allowed_hosts is empty: the client could fetch nothing")
        self.timeout = (connect_timeout, read_timeout)
        self.max_attempts = max_attempts
        self.challenge_attempts = challenge_attempts
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.max_retry_after = max_retry_after
        self.max_bytes = max_bytes
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._session = requests.Session()
        # Retries are ours (with Retry-After and attempt records), so urllib3 must not retry too.
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=8, max_retries=0)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._session.headers["User-Agent"] = user_agent

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._session.close()

    def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> FetchResult:
        """GET `url`, following up to 5 redirects within the allow-list, retrying what is transient.

        With `etag`/`last_modified` the request is conditional; a 304 gives `not_modified=True`.
        Raises `FetchError` (or a subclass) when no document could be had.
        """
        headers = dict(headers or {})  # e.g. Authorization for an API source
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        if accept:
            headers["Accept"] = accept

        attempts: list[FetchAttempt] = []
        current = url
        redirects = failures = challenges = 0
        self._check_url(current, url, attempts)
        while True:
            exchange = self._exchange(current, headers, attempts)
            status = exchange.status

            if status in REDIRECT_STATUSES:
                location = exchange.headers.get("location")
                if not location:
                    raise FetchError(url, f"HTTP {status} redirect without Location", attempts, status)
                redirects += 1
                if redirects > MAX_REDIRECTS:
                    raise FetchError(url, f"more than {MAX_REDIRECTS} redirects", attempts, status)
                current = urljoin(current, location)
                self._check_url(current, url, attempts)
                continue

            challenged = exchange.error is None and _is_challenge(exchange)
            if challenged:
                challenges += 1
                problem = f"challenge page instead of the document (HTTP {status})"
            elif exchange.error is not None:
                problem = exchange.error
            elif status in RETRYABLE_STATUSES:
                problem = f"HTTP {status}"
            else:
                return self._finish(url, current, exchange, attempts)

            failures += 1
            if challenged and (challenges >= self.challenge_attempts or failures >= self.max_attempts):
                raise ChallengePage(url, f"{problem} after {failures} attempts", attempts, status)
            if failures >= self.max_attempts:
                raise FetchError(url, f"gave up after {failures} attempts, last: {problem}", attempts, status)
            self._sleep(self._delay(failures, exchange.retry_after_s))

    def _finish(
        self, url: str, final_url: str, exchange: _Exchange, attempts: list[FetchAttempt]
    ) -> FetchResult:
        """Turn a final, non-retryable answer into a result or the matching error."""
        status = exchange.status
        assert status is not None
        if status == 304 or 200 <= status < 300:
            return FetchResult(
                url=url,
                final_url=final_url,
                status=status,
                body=None if status == 304 else exchange.body,
                headers=exchange.headers,
                fetched_at=attempts[-1].attempted_at,
                not_modified=status == 304,
                attempts=attempts,
            )
        if status in NOT_FOUND_STATUSES:
            raise NotFound(url, f"HTTP {status} not found", attempts, status)
        raise FetchError(url, f"HTTP {status}", attempts, status)

    def _check_url(self, target: str, requested: str, attempts: list[FetchAttempt]) -> None:
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https"):
            raise FetchError(requested, f"unsupported URL scheme in {target!r}", attempts)
        host = _normalise_host(parts.hostname or "")
        if host not in self.allowed_hosts:
            via = "" if target == requested else f" (redirected to {target})"
            raise HostNotAllowed(requested, f"host {host or '?'!r} is not allowed{via}", attempts)

    def _exchange(self, url: str, headers: dict[str, str], attempts: list[FetchAttempt]) -> _Exchange:
        """One request; records the attempt. Transport failures come back as `error`, not raised."""
        attempted_at = datetime.now(UTC)
        started = time.monotonic()
        exchange = _Exchange(url=url)
        too_large: str | None = None
        try:
            with self._session.get(
                url, headers=headers, timeout=self.timeout, stream=True, allow_redirects=False
            ) as response:
                exchange.status = response.status_code
                exchange.headers = {k.lower(): v for k, v in response.headers.items()}
                exchange.retry_after_s = parse_retry_after(exchange.headers.get("retry-after"))
                too_large = self._oversize(exchange.headers.get("content-length"))
                if too_large is None and response.status_code not in REDIRECT_STATUSES:
                    exchange.body, too_large = self._read_capped(response)
        except requests.exceptions.Timeout as error:
            exchange.status, exchange.error = None, f"timeout: {_short(error)}"
        except (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError) as error:
            exchange.status, exchange.error = None, f"connection error: {_short(error)}"
        except requests.exceptions.RequestException as error:
            # Malformed URL, undecodable gzip, ...: not transient, retrying will not help.
            attempts.append(self._attempt(exchange, attempted_at, started, _short(error)))
            raise FetchError(url, f"{type(error).__name__}: {_short(error)}", attempts) from error

        attempts.append(self._attempt(exchange, attempted_at, started, too_large or exchange.error))
        if too_large:
            raise ResponseTooLarge(url, too_large, attempts, exchange.status)
        return exchange

    def _attempt(
        self, exchange: _Exchange, attempted_at: datetime, started: float, error: str | None
    ) -> FetchAttempt:
        return FetchAttempt(
            url=exchange.url,
            attempted_at=attempted_at,
            status=exchange.status,
            error=error,
            elapsed_ms=(time.monotonic() - started) * 1000.0,
            retry_after_s=exchange.retry_after_s,
        )

    def _oversize(self, content_length: str | None) -> str | None:
        if content_length and content_length.strip().isdigit() and int(content_length) > self.max_bytes:
            return f"Content-Length {int(content_length)} exceeds the {self.max_bytes}-byte cap"
        return None

    def _read_capped(self, response: requests.Response) -> tuple[bytes, str | None]:
        """Read the (decompressed) body, stopping as soon as it passes the cap."""
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(chunk_size=64 * 1024):
            size += len(chunk)
            if size > self.max_bytes:
                return b"", f"body exceeds the {self.max_bytes}-byte cap"
            chunks.append(chunk)
        return b"".join(chunks), None

    def _delay(self, failures: int, retry_after_s: float | None) -> float:
        """Seconds to wait before the next try: the server's Retry-After, else full-jitter backoff."""
        if retry_after_s is not None:
            return min(retry_after_s, self.max_retry_after)
        ceiling = min(self.backoff_max, self.backoff_base * 2 ** (failures - 1))
        return self._rng.uniform(0.0, ceiling)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delay-seconds or an HTTP-date); None if absent/bad."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return seconds if seconds >= 0 else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # HTTP-dates are GMT by definition
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


def _is_challenge(exchange: _Exchange) -> bool:
    if exchange.headers.get("cf-mitigated", "").lower() == "challenge":
        return True
    head = exchange.body[:CHALLENGE_SCAN_BYTES].lower()
    return any(marker in head for marker in CHALLENGE_MARKERS)


def _normalise_host(host: str) -> str:
    return host.strip().lower().rstrip(".")


def _short(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text if len(text) <= 300 else text[:297] + "..."


__all__ = [
    "DEFAULT_USER_AGENT",
    "ChallengePage",
    "FetchAttempt",
    "FetchError",
    "FetchResult",
    "HostNotAllowed",
    "HttpClient",
    "NotFound",
    "ResponseTooLarge",
    "parse_retry_after",
]

"""The one HTTP client every source fetches through (DESIGN.md §2, fetch).

What polite, reliable scraping needs, on the shared transport (`extractors.transport`: urllib3,
the one retry policy, a deadline per request): connect/read timeouts and an overall deadline per
attempt, retries with backoff and jitter on 429/5xx/broken reads honouring Retry-After (capped),
conditional GET, a body size cap, gzip, an honest User-Agent, a host allow-list checked on every
redirect hop, credentials (an `Authorization` header) sent only to the host they were given for,
and challenge pages ("Just a moment...") treated as failed fetches.

Every HTTP exchange is recorded as a `FetchAttempt`, on success (`FetchResult.attempts`) and on
failure (`FetchError.attempts`), so the warehouse can keep the fetch history. URLs in attempts
and error messages are redacted (`redact_url`): a token in a query string is never logged.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from extractors.transport import (
    CREDENTIAL_HEADERS,
    DEFAULT_USER_AGENT,
    RETRYABLE_STATUSES,
    Answer,
    Transport,
    redact_url,
    retry_policy,
    same_origin,
)

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
        super().__init__(f"fetch of {redact_url(url)} failed: {self.reason}")

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


class HttpClient:
    """Fetches documents from an allow-list of hosts; share one per flow run, close it after."""

    def __init__(
        self,
        allowed_hosts: Iterable[str],
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        deadline: float = 60.0,
        max_attempts: int = 5,
        backoff_factor: float = 0.5,
        max_retry_after: int = 120,
        max_bytes: int = 20 * 1024 * 1024,
        user_agent: str = DEFAULT_USER_AGENT,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.allowed_hosts = frozenset(_normalise_host(h) for h in allowed_hosts if h)
        if not self.allowed_hosts:
            raise ValueError("allowed_hosts is empty: the client could fetch nothing")
        self.policy = retry_policy(max_attempts, backoff_factor=backoff_factor, retry_after_max=max_retry_after)
        self.max_bytes = max_bytes
        self._transport = Transport(connect_timeout=connect_timeout, read_timeout=read_timeout,
                                    deadline=deadline, user_agent=user_agent, sleep=sleep)

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._transport.close()

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
        `headers` may carry credentials (Authorization): they go to `url`'s own host only, never
        to a redirect target on another host. Raises `FetchError` (or a subclass) when no
        document could be had.
        """
        headers = dict(headers or {})
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        if accept:
            headers["Accept"] = accept

        attempts: list[FetchAttempt] = []
        current = url
        self._check_url(current, url, attempts)
        for _hop in range(MAX_REDIRECTS + 1):
            outcome = self._transport.request("GET", current, policy=self.policy, headers=headers,
                                              max_bytes=self.max_bytes, retry_answer=_is_challenge)
            attempts += [_attempt(answer) for answer in outcome.answers]
            last = outcome.last
            if last.too_large:
                raise ResponseTooLarge(url, last.too_large, attempts, last.status)
            if last.error is not None:
                raise FetchError(url, outcome.problem(last.error), attempts)
            if last.status in REDIRECT_STATUSES:
                location = last.headers.get("location")
                if not location:
                    raise FetchError(url, f"HTTP {last.status} redirect without Location", attempts, last.status)
                target = urljoin(current, location)
                self._check_url(target, url, attempts)
                if not same_origin(target, url):
                    headers = _without_credentials(headers)
                current = target
                continue
            if _is_challenge(last):
                problem = f"challenge page instead of the document (HTTP {last.status})"
                raise ChallengePage(url, outcome.problem(problem), attempts, last.status)
            if last.status in RETRYABLE_STATUSES:
                raise FetchError(url, outcome.problem(f"HTTP {last.status}"), attempts, last.status)
            return self._finish(url, current, last, attempts)
        raise FetchError(url, f"more than {MAX_REDIRECTS} redirects", attempts, attempts[-1].status)

    def _finish(self, url: str, final_url: str, answer: Answer, attempts: list[FetchAttempt]) -> FetchResult:
        """Turn a final, non-retryable answer into a result or the matching error."""
        status = answer.status
        assert status is not None
        if status == 304 or 200 <= status < 300:
            return FetchResult(
                url=url,
                final_url=final_url,
                status=status,
                body=None if status == 304 else answer.body,
                headers=answer.headers,
                fetched_at=answer.started_at,
                not_modified=status == 304,
                attempts=attempts,
            )
        if status in NOT_FOUND_STATUSES:
            raise NotFound(url, f"HTTP {status} not found", attempts, status)
        raise FetchError(url, f"HTTP {status}", attempts, status)

    def _check_url(self, target: str, requested: str, attempts: list[FetchAttempt]) -> None:
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https"):
            raise FetchError(requested, f"unsupported URL scheme in {redact_url(target)!r}", attempts)
        host = _normalise_host(parts.hostname or "")
        if host not in self.allowed_hosts:
            via = "" if target == requested else f" (redirected to {redact_url(target)})"
            raise HostNotAllowed(requested, f"host {host or '?'!r} is not allowed{via}", attempts)


def _attempt(answer: Answer) -> FetchAttempt:
    return FetchAttempt(
        url=redact_url(answer.url),
        attempted_at=answer.started_at,
        status=answer.status,
        error=answer.too_large or answer.error,
        elapsed_ms=answer.elapsed_ms,
        retry_after_s=answer.retry_after_s,
    )


def _without_credentials(headers: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in headers.items() if name.lower() not in CREDENTIAL_HEADERS}


def _is_challenge(answer: Answer) -> bool:
    if answer.headers.get("cf-mitigated", "").lower() == "challenge":
        return True
    head = answer.body[:CHALLENGE_SCAN_BYTES].lower()
    return any(marker in head for marker in CHALLENGE_MARKERS)


def _normalise_host(host: str) -> str:
    return host.strip().lower().rstrip(".")


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
]

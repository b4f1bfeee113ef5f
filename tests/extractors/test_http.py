"""The shared HTTP client against a real HTTP server on 127.0.0.1.

Only `sleep` is replaced: it records the requested delays instead of waiting, so retries are
checked without slowing the suite (and without timing anything).
"""

from __future__ import annotations

import gzip
import pickle
import random
import socket
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from extractors.http import (
    DEFAULT_USER_AGENT,
    ChallengePage,
    FetchError,
    HostNotAllowed,
    HttpClient,
    NotFound,
    ResponseTooLarge,
    parse_retry_after,
)
from tests.loopback import LoopbackServer, RecordedRequest, Reply

CHALLENGE_HTML = (
    b"<!DOCTYPE html><html lang='en-US'><head><title>Just a moment...</title>"
    b"<meta http-equiv='refresh' content='390'></head><body><div class='main-wrapper'>"
    b"<noscript>Enable JavaScript and cookies to continue</noscript>"
    b"<script>window._cf_chl_opt={cType:'managed'};</script></div></body></html>"
)
REPORT_HTML = (
    b"<html><head><title>Russian Offensive Campaign Assessment, March 31, 2025</title></head>"
    b"<body><p>Russian forces gained 203 square kilometers in March 2025.</p></body></html>"
)


class SleepRecorder:
    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as running:
        yield running


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def client(sleeps: SleepRecorder) -> Iterator[HttpClient]:
    with HttpClient(["127.0.0.1"], sleep=sleeps, rng=random.Random(7), read_timeout=5.0) as http:
        yield http


def test_503_then_429_with_retry_after_then_200(
    server: LoopbackServer, client: HttpClient, sleeps: SleepRecorder
) -> None:
    server.script(
        "/report",
        Reply(503, b"busy"),
        Reply(429, b"slow down", {"Retry-After": "1"}),
        Reply(200, REPORT_HTML, {"Content-Type": "text/html", "ETag": '"v1"'}),
    )

    result = client.get(server.url("/report"))

    assert result.status == 200
    assert result.body == REPORT_HTML
    assert result.etag == '"v1"'
    assert not result.not_modified
    assert [a.status for a in result.attempts] == [503, 429, 200]
    assert result.attempts[1].retry_after_s == 1.0
    assert len(sleeps.delays) == 2
    # First retry: full jitter within backoff_base; second: exactly the server's Retry-After.
    assert 0.0 <= sleeps.delays[0] <= 0.5
    assert sleeps.delays[1] == 1.0
    assert len(server.requests_for("/report")) == 3
    assert result.fetched_at.tzinfo is UTC


def test_retry_after_is_capped_and_backoff_grows_within_its_ceiling(server: LoopbackServer) -> None:
    sleeps = SleepRecorder()
    server.script("/busy", Reply(503, headers={"Retry-After": "3600"}), default=Reply(500))
    with (
        HttpClient(["127.0.0.1"], sleep=sleeps, max_attempts=5, max_retry_after=120.0) as http,
        pytest.raises(FetchError) as failure,
    ):
        http.get(server.url("/busy"))

    assert len(failure.value.attempts) == 5
    assert sleeps.delays[0] == 120.0
    # Later delays are drawn from [0, 0.5 * 2**(n-1)]: 1.0, 2.0, 4.0 for failures 2..4.
    for delay, ceiling in zip(sleeps.delays[1:], [1.0, 2.0, 4.0], strict=True):
        assert 0.0 <= delay <= ceiling
    assert "gave up after 5 attempts" in str(failure.value)
    assert "HTTP 500" in str(failure.value)


def test_connection_refused_is_retried_then_fails(sleeps: SleepRecorder) -> None:
    with socket.socket() as probe:  # a port nobody listens on once the probe closes
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/report"
    with (
        HttpClient(["127.0.0.1"], sleep=sleeps, max_attempts=3, connect_timeout=2.0) as http,
        pytest.raises(FetchError) as failure,
    ):
        http.get(url)

    error = failure.value
    assert type(error) is FetchError
    assert error.url == url
    assert len(error.attempts) == 3
    assert all(a.status is None and "connection error" in (a.error or "") for a in error.attempts)
    assert len(sleeps.delays) == 2
    assert url in str(error) and "\n" not in str(error)


def test_dropped_connection_is_retried(server: LoopbackServer, client: HttpClient) -> None:
    server.script("/flaky", Reply(disconnect=True), Reply(200, b"second time lucky"))

    result = client.get(server.url("/flaky"))

    assert result.body == b"second time lucky"
    assert [a.status for a in result.attempts] == [None, 200]


def test_conditional_refetch_answered_304(server: LoopbackServer, client: HttpClient) -> None:
    etag, modified = '"abc123"', "Mon, 31 Mar 2025 22:15:00 GMT"

    def report(request: RecordedRequest) -> Reply:
        if request.header("If-None-Match") == etag:
            return Reply(304, headers={"ETag": etag})
        return Reply(200, REPORT_HTML, {"ETag": etag, "Last-Modified": modified})

    server.route("/report", report)

    first = client.get(server.url("/report"))
    again = client.get(server.url("/report"), etag=first.etag, last_modified=first.last_modified)

    assert first.body == REPORT_HTML and not first.not_modified
    assert again.not_modified
    assert again.status == 304
    assert again.body is None
    first_request, second_request = server.requests_for("/report")
    assert first_request.header("If-None-Match") is None
    assert second_request.header("If-None-Match") == etag
    assert second_request.header("If-Modified-Since") == modified


def test_challenge_page_with_403_fails_after_a_few_tries(
    server: LoopbackServer, client: HttpClient, sleeps: SleepRecorder
) -> None:
    server.route("/report", Reply(403, CHALLENGE_HTML, {"Content-Type": "text/html"}))

    with pytest.raises(ChallengePage) as failure:
        client.get(server.url("/report"))

    assert len(failure.value.attempts) == client.challenge_attempts == 3
    assert failure.value.status == 403
    assert "challenge page" in str(failure.value)


def test_challenge_body_with_200_is_not_a_document(server: LoopbackServer, client: HttpClient) -> None:
    server.route("/report", Reply(200, CHALLENGE_HTML, {"Content-Type": "text/html"}))

    with pytest.raises(ChallengePage):
        client.get(server.url("/report"))


def test_intermittent_challenge_then_the_document(server: LoopbackServer, client: HttpClient) -> None:
    server.script("/report", Reply(403, CHALLENGE_HTML), Reply(200, REPORT_HTML))

    result = client.get(server.url("/report"))

    assert result.body == REPORT_HTML
    assert [a.status for a in result.attempts] == [403, 200]


def test_plain_403_fails_at_once_and_is_not_a_challenge(server: LoopbackServer, client: HttpClient) -> None:
    server.route("/private", Reply(403, b"<html><body>Forbidden</body></html>"))

    with pytest.raises(FetchError) as failure:
        client.get(server.url("/private"))

    assert type(failure.value) is FetchError
    assert failure.value.status == 403
    assert len(failure.value.attempts) == 1


def test_a_report_mentioning_a_phrase_deep_in_its_text_is_not_a_challenge(
    server: LoopbackServer, client: HttpClient
) -> None:
    long_report = REPORT_HTML + b"<p>" + b"x" * 70_000 + b" checking your browser history </p>"
    server.route("/report", Reply(200, long_report))

    assert client.get(server.url("/report")).body == long_report


def test_content_length_over_the_cap(server: LoopbackServer, sleeps: SleepRecorder) -> None:
    server.route("/big", Reply(200, b"a" * 2048))
    with (
        HttpClient(["127.0.0.1"], max_bytes=1024, sleep=sleeps) as http,
        pytest.raises(ResponseTooLarge) as failure,
    ):
        http.get(server.url("/big"))
    assert "Content-Length 2048" in str(failure.value)
    assert len(failure.value.attempts) == 1


def test_streamed_body_over_the_cap(server: LoopbackServer, sleeps: SleepRecorder) -> None:
    server.route("/big", Reply(200, b"a" * 200_000, with_length=False))
    with (
        HttpClient(["127.0.0.1"], max_bytes=100_000, sleep=sleeps) as http,
        pytest.raises(ResponseTooLarge) as failure,
    ):
        http.get(server.url("/big"))
    assert "body exceeds the 100000-byte cap" in str(failure.value)


def test_gzip_is_decoded_and_the_cap_applies_to_the_decoded_size(
    server: LoopbackServer, sleeps: SleepRecorder
) -> None:
    server.route("/small.gz", Reply(200, gzip.compress(REPORT_HTML), {"Content-Encoding": "gzip"}))
    bomb = gzip.compress(b"\0" * 1_000_000)  # ~1 KB on the wire
    server.route("/bomb.gz", Reply(200, bomb, {"Content-Encoding": "gzip"}))

    with HttpClient(["127.0.0.1"], max_bytes=100_000, sleep=sleeps) as http:
        assert http.get(server.url("/small.gz")).body == REPORT_HTML
        with pytest.raises(ResponseTooLarge):
            http.get(server.url("/bomb.gz"))
    assert "gzip" in (server.requests_for("/small.gz")[0].header("Accept-Encoding") or "")


def test_host_not_allowed_is_refused_before_any_request(
    server: LoopbackServer, sleeps: SleepRecorder
) -> None:
    with HttpClient(["understandingwar.org"], sleep=sleeps) as http, pytest.raises(HostNotAllowed) as failure:
        http.get(server.url("/report"))
    assert failure.value.attempts == []
    assert server.requests == []
    assert "'127.0.0.1' is not allowed" in str(failure.value)


def test_redirect_leaving_the_allow_list_is_refused(server: LoopbackServer, client: HttpClient) -> None:
    server.route("/moved", Reply(302, headers={"Location": "http://evil.example/report"}))

    with pytest.raises(HostNotAllowed) as failure:
        client.get(server.url("/moved"))

    assert "redirected to http://evil.example/report" in str(failure.value)
    assert [a.status for a in failure.value.attempts] == [302]


def test_redirect_within_the_allow_list_is_followed(server: LoopbackServer, client: HttpClient) -> None:
    server.route("/old-slug", Reply(301, headers={"Location": "/research/new-slug/"}))
    server.route("/research/new-slug/", Reply(200, REPORT_HTML))

    result = client.get(server.url("/old-slug"))

    assert result.final_url == server.url("/research/new-slug/")
    assert result.url == server.url("/old-slug")
    assert [a.status for a in result.attempts] == [301, 200]


def test_redirect_loop_stops(server: LoopbackServer, client: HttpClient) -> None:
    server.route("/loop", Reply(302, headers={"Location": "/loop"}))

    with pytest.raises(FetchError, match="more than 5 redirects"):
        client.get(server.url("/loop"))
    assert len(server.requests_for("/loop")) == 6


def test_404_is_not_found_without_retries(
    server: LoopbackServer, client: HttpClient, sleeps: SleepRecorder
) -> None:
    with pytest.raises(NotFound) as failure:
        client.get(server.url("/missing"))

    assert failure.value.status == 404
    assert len(failure.value.attempts) == 1
    assert sleeps.delays == []
    assert len(server.requests) == 1


def test_user_agent_and_accept_are_sent(server: LoopbackServer, client: HttpClient) -> None:
    server.route("/sitemap_index.xml", Reply(200, b"<sitemapindex/>"))

    client.get(server.url("/sitemap_index.xml"), accept="application/xml")

    (request,) = server.requests
    assert request.header("User-Agent") == DEFAULT_USER_AGENT
    assert "bulletin-metrics" in DEFAULT_USER_AGENT
    assert request.header("Accept") == "application/xml"


def test_fetch_error_survives_pickling(server: LoopbackServer, client: HttpClient) -> None:
    with pytest.raises(NotFound) as failure:
        client.get(server.url("/missing"))

    copy = pickle.loads(pickle.dumps(failure.value))

    assert type(copy) is NotFound
    assert str(copy) == str(failure.value)
    assert copy.attempts == failure.value.attempts


def test_parse_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2025, 4, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("7", now) == 7.0
    assert parse_retry_after("Tue, 01 Apr 2025 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("Tue, 01 Apr 2025 11:00:00 GMT", now) == 0.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after("-5", now) is None
    assert parse_retry_after(None, now) is None


def test_client_refuses_an_empty_allow_list() -> None:
    with pytest.raises(ValueError, match="allowed_hosts is empty"):
        HttpClient([])

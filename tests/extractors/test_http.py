"""The shared HTTP client against a real HTTP server on 127.0.0.1.

Only `sleep` is replaced: it records the delays the retry policy asks for instead of waiting, so
retries are checked without slowing the suite (and without timing anything).
"""

from __future__ import annotations

import gzip
import pickle
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from extractors.http import (
    DEFAULT_USER_AGENT,
    ChallengePage,
    FetchError,
    HostNotAllowed,
    HttpClient,
    NotFound,
    ResponseTooLarge,
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
    with HttpClient(["127.0.0.1"], sleep=sleeps, read_timeout=5.0) as http:
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
    # urllib3's policy retries a first failure at once; the second waits the server's Retry-After.
    assert sleeps.delays == [0.0, 1.0]
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
    assert failure.value.attempts[0].retry_after_s == 120.0
    assert sleeps.delays[0] == 120.0
    # Then exponential backoff, 0.5 * 2**(n-1) s for consecutive failure n, plus up to 1 s of jitter.
    for delay, floor in zip(sleeps.delays[1:], [1.0, 2.0, 4.0], strict=True):
        assert floor <= delay <= floor + 1.0
    assert "gave up after 5 attempts" in str(failure.value)
    assert "HTTP 500" in str(failure.value)


def test_a_refused_connection_is_tried_once_more_then_fails_fast(sleeps: SleepRecorder) -> None:
    with socket.socket() as probe:  # a port nobody listens on once the probe closes
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/report"
    with (
        HttpClient(["127.0.0.1"], sleep=sleeps, max_attempts=5, connect_timeout=2.0) as http,
        pytest.raises(FetchError) as failure,
    ):
        http.get(url)

    error = failure.value
    assert type(error) is FetchError
    assert error.url == url
    assert len(error.attempts) == 2  # not the 5 a broken read or a 503 gets
    assert all(a.status is None and "connection refused" in (a.error or "").lower() for a in error.attempts)
    assert sleeps.delays == [0.0]
    assert url in str(error) and "\n" not in str(error)


# Run in a network namespace of its own (`unshare --net`): no interface but a loopback that is
# down, so name resolution fails at once and nothing can leave the machine.
NO_NETWORK = """
import time
from extractors.http import FetchError, HttpClient
started = time.monotonic()
with HttpClient(["understandingwar.org"]) as http:
    try:
        http.get("https://understandingwar.org/sitemap_index.xml")
    except FetchError as error:
        print(len(error.attempts), round(time.monotonic() - started, 1), error, sep="\\t")
"""


def _unshare_net() -> list[str]:
    for prefix in (["unshare", "--net"], ["unshare", "--user", "--map-root-user", "--net"]):
        try:
            probe = subprocess.run([*prefix, "true"], capture_output=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if probe.returncode == 0:
            return prefix
    pytest.skip("cannot make a network namespace here (unshare --net needs root or user namespaces)")


def test_without_a_network_a_fetch_fails_fast_with_one_line() -> None:
    """Issue 13: no network used to cost 15 attempts over 38 s; a DNS failure is tried twice."""
    done = subprocess.run([*_unshare_net(), sys.executable, "-c", NO_NETWORK], capture_output=True,
                          text=True, timeout=120, cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0 and done.stderr == "", done.stderr
    attempts, seconds, message = done.stdout.rstrip("\n").split("\t")
    assert int(attempts) == 2
    assert float(seconds) < 10  # two lookups that fail at once, and no backoff before the second
    assert message.startswith("fetch of https://understandingwar.org/sitemap_index.xml failed: gave up after 2")
    assert "cannot resolve host 'understandingwar.org'" in message and "\n" not in message


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

    assert len(failure.value.attempts) == 5  # retried like a 503, within the same attempt budget
    assert failure.value.status == 403
    assert "challenge page" in str(failure.value) and "gave up after 5 attempts" in str(failure.value)


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


def test_retry_after_as_an_http_date_and_an_unreadable_one(server: LoopbackServer, sleeps: SleepRecorder) -> None:
    soon = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    server.script("/busy", Reply(429, headers={"Retry-After": soon}), Reply(503, headers={"Retry-After": "soon"}),
                  Reply(200, REPORT_HTML))
    with HttpClient(["127.0.0.1"], sleep=sleeps) as http:
        result = http.get(server.url("/busy"))
    assert [a.status for a in result.attempts] == [429, 503, 200]
    assert 27.0 <= sleeps.delays[0] <= 30.0
    assert result.attempts[1].retry_after_s is None  # "soon": the policy's backoff instead
    assert 1.0 <= sleeps.delays[1] <= 2.0


def test_client_refuses_an_empty_allow_list() -> None:
    with pytest.raises(ValueError, match="allowed_hosts is empty"):
        HttpClient([])


# -- faults the socket timeouts alone do not bound ------------------------------------------------

def test_a_dripping_server_cannot_hold_an_attempt_past_the_deadline(
    server: LoopbackServer, sleeps: SleepRecorder
) -> None:
    """Issue 11 item 5: one byte every 0.25 s never trips a 5 s read timeout; the deadline ends it."""
    server.route("/drip", Reply(200, REPORT_HTML, drip=0.25))  # ~60 s to send it all
    with (
        HttpClient(["127.0.0.1"], sleep=sleeps, read_timeout=5.0, deadline=1.0, max_attempts=2) as http,
        pytest.raises(FetchError) as failure,
    ):
        http.get(server.url("/drip"))
    attempts = failure.value.attempts
    assert [a.error for a in attempts] == ["timeout: no complete answer within 1 s"] * 2
    assert all(a.elapsed_ms < 3000 for a in attempts), [a.elapsed_ms for a in attempts]
    assert "gave up after 2 attempts, last: timeout: no complete answer within 1 s" in str(failure.value)


def test_an_answer_cut_by_the_deadline_is_never_taken_for_a_short_document(
    server: LoopbackServer, sleeps: SleepRecorder
) -> None:
    """Cut inside the headers, a response can parse as "200, no Content-Length, empty body"."""
    server.route("/drip", Reply(200, REPORT_HTML, {"X-Padding": "p" * 200}, drip=0.01))
    with (
        HttpClient(["127.0.0.1"], sleep=sleeps, deadline=1.0, max_attempts=1) as http,
        pytest.raises(FetchError, match="no complete answer within 1 s") as failure,
    ):
        http.get(server.url("/drip"))
    assert [a.status for a in failure.value.attempts] == [None]


def test_a_server_silent_past_the_read_timeout_is_retried(server: LoopbackServer, sleeps: SleepRecorder) -> None:
    server.script("/slow", Reply(200, REPORT_HTML, delay=3.0), Reply(200, REPORT_HTML))
    with HttpClient(["127.0.0.1"], sleep=sleeps, read_timeout=0.5) as http:
        result = http.get(server.url("/slow"))
    assert result.body == REPORT_HTML
    assert [a.status for a in result.attempts] == [None, 200]
    assert (result.attempts[0].error or "").startswith("timeout: Read timed out")


def test_a_reset_mid_body_and_a_truncated_body_are_retried(server: LoopbackServer, client: HttpClient) -> None:
    server.script("/reset", Reply(200, REPORT_HTML, reset_after=40), Reply(200, REPORT_HTML))
    server.script("/short", Reply(200, REPORT_HTML[:50], {"Content-Length": str(len(REPORT_HTML)),
                                                          "Connection": "close"}), Reply(200, REPORT_HTML))
    reset = client.get(server.url("/reset"))
    short = client.get(server.url("/short"))
    assert reset.body == short.body == REPORT_HTML
    assert "connection error" in (reset.attempts[0].error or "")
    assert "IncompleteRead" in (short.attempts[0].error or "")


def test_a_body_that_keeps_breaking_fails_with_one_line_naming_the_cause(
    server: LoopbackServer, client: HttpClient
) -> None:
    server.route("/reset", Reply(200, REPORT_HTML, reset_after=40))
    with pytest.raises(FetchError) as failure:
        client.get(server.url("/reset"))
    assert len(failure.value.attempts) == 5
    assert "gave up after 5 attempts, last: connection error" in str(failure.value)
    assert "\n" not in str(failure.value)


# -- credentials and secrets ------------------------------------------------------------------------

def test_credentials_go_only_to_the_host_they_were_given_for(server: LoopbackServer, client: HttpClient) -> None:
    """Issue 11 item 7: a redirect to another host, even an allow-listed one, gets no bearer token."""
    with LoopbackServer() as other:
        other.route("/2/users/by/username/DefenceHQ", Reply(200, b'{"data": {"id": "1"}}'))
        server.route("/same-host", Reply(302, headers={"Location": "/moved"}))
        server.route("/moved", Reply(302, headers={"Location": other.url("/2/users/by/username/DefenceHQ")
                                                   .replace("127.0.0.1", "localhost")}))
        with HttpClient(["127.0.0.1", "localhost"], sleep=lambda _: None) as http:
            result = http.get(server.url("/same-host"), headers={"Authorization": "Bearer SECRET-TOKEN"})

    assert result.body == b'{"data": {"id": "1"}}'
    assert [r.header("Authorization") for r in server.requests] == ["Bearer SECRET-TOKEN"] * 2
    (elsewhere,) = other.requests
    assert elsewhere.header("Authorization") is None
    assert elsewhere.header("User-Agent") == DEFAULT_USER_AGENT  # the other headers still go


def test_a_token_in_a_query_string_is_redacted_in_errors_and_attempts(
    server: LoopbackServer, client: HttpClient
) -> None:
    url = server.url("/feed.rss?format=rss&api_key=K3Y-SECRET&token=T0K3N")
    with pytest.raises(NotFound) as failure:
        client.get(url)
    message = str(failure.value)
    assert "K3Y-SECRET" not in message and "T0K3N" not in message
    assert "/feed.rss?format=rss&api_key=…&token=…" in message
    assert all("T0K3N" not in a.url for a in failure.value.attempts)
    assert failure.value.url == url  # the caller still knows which document it was

"""ISW discovery against a real HTTP server on 127.0.0.1 serving small fixture sites."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from extractors.http import ChallengePage, HttpClient
from extractors.isw import discover, parse_sitemap, report_date_from_url
from extractors.isw_discover import SitemapError, UnsafeXmlError

FIXTURES = Path(__file__).parent / "fixtures" / "isw"


class FixtureSite:
    """A loopback server over a fixture directory; `overrides` replace paths with (status, body)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.overrides: dict[str, tuple[int, bytes]] = {}
        self.requested: list[str] = []
        site = self

        class Handler(SimpleHTTPRequestHandler):
            def do_GET(self) -> None:
                site.requested.append(self.path)
                if self.path in site.overrides:
                    status, body = site.overrides[self.path]
                    self.send_response(status)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                super().do_GET()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(root)))
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FixtureSite:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def client() -> Iterator[HttpClient]:
    with HttpClient(allowed_hosts=["127.0.0.1"], sleep=lambda _seconds: None, max_attempts=2) as http:
        yield http


@pytest.fixture
def site() -> Iterator[FixtureSite]:
    with FixtureSite(FIXTURES / "site") as served:
        yield served


@pytest.fixture
def listing_site() -> Iterator[FixtureSite]:
    with FixtureSite(FIXTURES / "listing_site") as served:
        yield served


def paths(refs: list) -> list[str]:
    return [ref.url.split("127.0.0.1", 1)[1].split("/", 1)[1] for ref in refs]


def test_discover_follows_post_sitemaps_and_keeps_only_campaign_assessments(site, client):
    refs = discover(client, site.base_url)

    assert paths(refs) == [
        "backgrounder/russian-offensive-campaign-assessment-special-edition-kursk",  # undated: first
        "backgrounder/russian-campaign-assessment-march-5",
        "backgrounder/russian-offensive-campaign-assessment-december-31-0",
        "backgrounder/russian-offensive-campaign-assessment-august-12-2023",
        "backgrounder/russian-offensive-campaign-assessment-january-3-2025",
        "research/russia-ukraine/russian-offensive-campaign-assessment-march-31-2025/",
        "research/russia-ukraine/russian-offensive-campaign-assessment-june-2-2025/",
    ]
    # The sitemaps name the public host; every URL is moved onto the server we were pointed at.
    assert all(ref.url.startswith(site.base_url + "/") for ref in refs)
    assert [ref.published for ref in refs][1:3] == [date(2022, 3, 5), date(2022, 12, 31)]
    assert refs[-1].lastmod == datetime(2025, 6, 3, 13, 10, tzinfo=UTC)
    assert refs[2].lastmod == datetime(2023, 1, 2, tzinfo=UTC)  # date-only lastmod, read as UTC midnight
    assert all(ref.source == "isw" for ref in refs)
    assert "/page-sitemap.xml" not in site.requested  # not a post sitemap
    assert "/category-sitemap.xml" not in site.requested


def test_since_keeps_entries_modified_after_it_and_skips_stale_child_sitemaps(site, client):
    refs = discover(client, site.base_url, since=datetime(2025, 5, 1, tzinfo=UTC))

    assert paths(refs) == [
        "backgrounder/russian-offensive-campaign-assessment-january-3-2025",  # revised after `since`
        "research/russia-ukraine/russian-offensive-campaign-assessment-june-2-2025/",
    ]
    assert "/post-sitemap2.xml" not in site.requested  # its lastmod says nothing changed there


def test_naive_since_is_read_as_utc(site, client):
    refs = discover(client, site.base_url, since=datetime(2025, 6, 3, 13, 10))
    assert refs == []  # lastmod equal to `since` is not newer


def test_date_range_filters_by_the_report_date_in_the_slug(site, client):
    refs = discover(client, site.base_url, date_from=date(2022, 12, 1), date_to=date(2025, 3, 31))

    assert [ref.published for ref in refs] == [
        date(2022, 12, 31),
        date(2023, 8, 12),
        date(2025, 1, 3),
        date(2025, 3, 31),
    ]


def test_missing_sitemap_index_falls_back_to_the_listing_and_its_next_pages(listing_site, client):
    refs = discover(client, listing_site.base_url)

    assert paths(refs) == [
        "backgrounder/russian-offensive-campaign-assessment-december-31-0",
        "backgrounder/russian-offensive-campaign-assessment-march-31-2025",
        "research/russia-ukraine/russian-offensive-campaign-assessment-june-1-2025/",
        "research/russia-ukraine/russian-offensive-campaign-assessment-june-2-2025/",
    ]
    assert all(ref.lastmod is None for ref in refs)
    # Page 2's "Next" points back to page 1: each page is read once, then paging stops.
    assert listing_site.requested.count("/research/russia-ukraine/") == 1
    assert listing_site.requested.count("/research/russia-ukraine/page/2/") == 1


def test_listing_fallback_compares_since_with_the_report_date(listing_site, client):
    refs = discover(client, listing_site.base_url, since=datetime(2025, 6, 2, tzinfo=UTC))
    assert [ref.published for ref in refs] == [date(2025, 6, 2)]


def test_unparsable_sitemap_index_falls_back_to_the_listing(listing_site, client):
    listing_site.overrides["/sitemap_index.xml"] = (200, b"<html><body>Not a sitemap <p>at all</body>")
    refs = discover(client, listing_site.base_url)
    assert len(refs) == 4


def test_sitemap_with_entities_is_refused_not_expanded(listing_site, client):
    listing_site.overrides["/sitemap_index.xml"] = (200, (FIXTURES / "sitemap_entity_bomb.xml").read_bytes())
    with pytest.raises(UnsafeXmlError, match="DTD or entity"):
        discover(client, listing_site.base_url)
    assert "/research/russia-ukraine/" not in listing_site.requested  # a hostile sitemap is no "missing" one


def test_challenge_page_on_the_sitemap_index_fails_discovery(site, client):
    site.overrides["/sitemap_index.xml"] = (403, b"<html><head><title>Just a moment...</title></head></html>")
    with pytest.raises(ChallengePage):
        discover(client, site.base_url)


def test_parse_sitemap_reads_an_index_and_a_urlset():
    index = parse_sitemap((FIXTURES / "site" / "sitemap_index.xml").read_bytes())
    assert index[0] == ("https://understandingwar.org/post-sitemap.xml", datetime(2025, 6, 3, 13, 10, tzinfo=UTC))
    assert len(index) == 4
    urls = parse_sitemap((FIXTURES / "site" / "post-sitemap.xml").read_bytes())
    assert urls[2] == (
        "https://understandingwar.org/backgrounder/russian-offensive-campaign-assessment-january-3-2025",
        datetime(2025, 5, 20, 10, 0, tzinfo=UTC),
    )


def test_parse_sitemap_refuses_entities_and_rejects_non_sitemaps():
    with pytest.raises(UnsafeXmlError):
        parse_sitemap((FIXTURES / "sitemap_entity_bomb.xml").read_bytes())
    with pytest.raises(SitemapError, match="not well-formed"):
        parse_sitemap(b"<urlset><url>")
    with pytest.raises(SitemapError, match="neither"):
        parse_sitemap(b"<rss><channel/></rss>")


def test_parse_sitemap_keeps_entries_with_a_bad_or_missing_lastmod():
    body = (
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc>https://x.org/a</loc><lastmod>yesterday</lastmod></url>"
        b"<url><loc>https://x.org/b</loc></url><url><lastmod>2025-01-01</lastmod></url></urlset>"
    )
    assert parse_sitemap(body) == [("https://x.org/a", None), ("https://x.org/b", None)]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://understandingwar.org/backgrounder/russian-offensive-campaign-assessment-march-5", date(2022, 3, 5)),
        ("https://understandingwar.org/backgrounder/russian-offensive-campaign-assessment-december-31-0",
         date(2022, 12, 31)),
        ("https://understandingwar.org/backgrounder/russian-campaign-assessment-march-5", date(2022, 3, 5)),
        ("https://understandingwar.org/backgrounder/russian-offensive-campaign-assessment-sept-30", date(2022, 9, 30)),
        ("https://understandingwar.org/backgrounder/russian-offensive-campaign-assessment-august-12-2023",
         date(2023, 8, 12)),
        ("https://understandingwar.org/backgrounder/russian-offensive-campaign-assessment-august-12-2024-0",
         date(2024, 8, 12)),
        ("https://understandingwar.org/research/russia-ukraine/russian-offensive-campaign-assessment-march-31-2025/",
         date(2025, 3, 31)),
        ("https://www.criticalthreats.org/analysis/Russian-Offensive-Campaign-Assessment-April-3-2025",
         date(2025, 4, 3)),
        ("https://understandingwar.org/backgrounder/russian-offensive-campaign-assessment-special-edition-kursk", None),
        ("https://understandingwar.org/backgrounder/russian-offensive-campaign-assessment-february-30-2024", None),
        ("https://understandingwar.org/research/russia-ukraine/iran-update-june-2-2025/", None),
    ],
)
def test_report_date_from_url(url: str, expected: date | None):
    assert report_date_from_url(url) == expected


def test_parse_sitemap_reads_a_gzipped_sitemap():
    body = gzip.compress((FIXTURES / "site" / "post-sitemap2.xml").read_bytes())
    assert [loc.rsplit("/", 1)[-1] for loc, _ in parse_sitemap(body)] == [
        "russian-campaign-assessment-march-5",
        "russian-offensive-campaign-assessment-august-12-2023",
        "russian-offensive-campaign-assessment-special-edition-kursk",
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'<?xml version="1.0" encoding="x-no-such-encoding"?><urlset/>', "unreadable XML encoding"),
        (b'<?xml version="1.0" encoding="utf-32"?><urlset/>', "unreadable XML encoding"),
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03truncated", "corrupt gzip"),
    ],
)
def test_a_sitemap_that_cannot_be_decoded_is_a_sitemap_error_not_a_crash(body: bytes, message: str):
    # Before: LookupError, ValueError and EOFError escaped discovery and ended the run in a traceback.
    with pytest.raises(SitemapError, match=message):
        parse_sitemap(body)

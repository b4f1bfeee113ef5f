"""The X API v2 timeline and the RSS bridge feed, each served on a real loopback server."""

from __future__ import annotations

import json
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest

from extractors.http import FetchError
from extractors.ukmod import discover, image_refs, latest_post_id, parse
from extractors.ukmod.channels import read_rss_feed, read_timeline_page
from tests.extractors.ukmod.conftest import ARCHIVE_DIR, TOKEN, ArchiveServer, make_client

NEWEST_ID = "1978377805624246272"  # 15 October 2025
NOT_UPDATE_ID = "1919708720133046272"  # 06 May 2025, the Defence Secretary's post
IMAGE_ONLY = {
    "1843192032261046272": date(2024, 10, 7),
    "1896835502699446272": date(2025, 3, 4),
    "1908421848069046272": date(2025, 4, 5),
}


def timeline_requests(server: ArchiveServer) -> list[dict[str, list[str]]]:
    return [parse_qs(urlsplit(path).query) for path in server.requests if "/tweets" in path]


def test_timeline_pages_follow_next_token_and_image_only_updates_become_image_refs(
    archive_server: ArchiveServer,
) -> None:
    with make_client() as client:
        refs = discover(client, archive_server.base_url, bearer_token=TOKEN)

    pages = [r for r in refs if r.meta["kind"] == "timeline_page"]
    # 16 posts served 5 to a page: four pages, each after the first asked for with the previous next_token.
    assert len(pages) == 4
    assert [q.get("pagination_token") for q in timeline_requests(archive_server)] == [
        None, ["page-5"], ["page-10"], ["page-15"]]
    first = timeline_requests(archive_server)[0]
    assert first["expansions"] == ["attachments.media_keys"]
    assert first["media.fields"] == ["alt_text,url,type"]
    assert all(page.body and json.loads(page.body)["data"] for page in pages)

    images = [r for r in refs if r.meta["kind"] == "image"]
    assert {r.meta["post_id"]: r.published for r in images} == IMAGE_ONLY
    assert all(r.url.startswith(f"{archive_server.base_url}/media/") for r in images)
    assert latest_post_id(refs) == NEWEST_ID


def test_since_id_asks_only_for_newer_posts(archive_server: ArchiveServer) -> None:
    with make_client() as client:
        refs = discover(client, archive_server.base_url, bearer_token=TOKEN, since_id=NOT_UPDATE_ID)
        assert [q["since_id"] for q in timeline_requests(archive_server)] == [[NOT_UPDATE_ID]]
        [page] = refs  # five newer posts on one page; none of them is an image-only update
        observations = parse(page.body or b"")
        assert sorted({o.published_at for o in observations}) == [
            date(2025, 6, 3), date(2025, 7, 11), date(2025, 8, 5), date(2025, 10, 15)]
        # A daily run right after: nothing new, nothing to store.
        assert discover(client, archive_server.base_url, bearer_token=TOKEN, since_id=NEWEST_ID) == []


def test_backfill_dates_become_start_and_end_times(archive_server: ArchiveServer) -> None:
    with make_client() as client:
        refs = discover(
            client,
            archive_server.base_url,
            bearer_token=TOKEN,
            date_from=date(2024, 10, 1),
            date_to=date(2024, 12, 31),
        )
    [query] = timeline_requests(archive_server)
    assert (query["start_time"], query["end_time"]) == (["2024-10-01T00:00:00Z"], ["2024-12-31T23:59:59Z"])
    assert sorted(r.published for r in refs if r.meta["kind"] == "image") == [date(2024, 10, 7)]


def test_429_with_retry_after_is_waited_out_then_the_page_is_read(archive_server: ArchiveServer) -> None:
    archive_server.throttle["tweets_429"] = 1
    sleeps: list[float] = []
    with make_client(sleeps) as client:
        refs = discover(client, archive_server.base_url, bearer_token=TOKEN, since_id=NOT_UPDATE_ID)
    assert sleeps == [2.0]  # the server's Retry-After, not a guess
    assert len(refs) == 1
    assert len(timeline_requests(archive_server)) == 2


def test_the_bearer_token_is_sent_and_a_wrong_one_fails(archive_server: ArchiveServer) -> None:
    with make_client() as client, pytest.raises(FetchError, match="401"):
        discover(client, archive_server.base_url, bearer_token="not-the-token")


def test_discover_needs_a_channel() -> None:
    with pytest.raises(ValueError, match="BULLETINS_UKMOD_X_BEARER_TOKEN"):
        discover(object(), "http://127.0.0.1:9")  # type: ignore[arg-type]


def test_rss_feed_is_a_document_and_its_image_only_update_an_image_ref(archive_server: ArchiveServer) -> None:
    feed_url = f"{archive_server.base_url}/rss/DefenceHQ.xml"
    with make_client() as client:
        refs = discover(client, archive_server.base_url, rss_url=feed_url)
        feed, image = refs
        assert (feed.meta["kind"], feed.url, feed.meta["newest_id"]) == ("rss_feed", feed_url, NEWEST_ID)
        assert (image.meta["kind"], image.meta["channel"], image.published) == ("image", "rss", date(2025, 4, 5))
        assert image.url == f"{archive_server.base_url}/media/2025-04-05.png"
        fetched = client.get(image.url)
        assert fetched.body[:4] == b"\x89PNG"
        newer = discover(client, archive_server.base_url, rss_url=feed_url, since_id="1920018259768246272")
    assert [r.meta["kind"] for r in newer] == ["rss_feed"]  # the image-only post is older than since_id


def test_wrapper_only_and_other_posts_yield_nothing() -> None:
    page = json.loads((ARCHIVE_DIR / "timeline" / "posts.json").read_text(encoding="utf-8"))
    keep = {"1920380647633846272", NOT_UPDATE_ID}  # 08 May 2025 wrapper only; a non-update post
    page["data"] = [p for p in page["data"] if p["id"] in keep]
    body = json.dumps(page).encode()
    assert len(read_timeline_page(body).posts) == 2
    assert parse(body) == []
    assert image_refs(read_timeline_page(body).posts, "http://127.0.0.1", channel="x_api") == []


def test_image_only_post_yields_nothing_from_its_page() -> None:
    page = json.loads((ARCHIVE_DIR / "timeline" / "posts.json").read_text(encoding="utf-8"))
    page["data"] = [p for p in page["data"] if p["id"] in IMAGE_ONLY]
    assert parse(json.dumps(page).encode()) == []


def test_error_page_is_not_an_empty_timeline() -> None:
    with pytest.raises(ValueError, match="not an X API timeline page"):
        parse(b'{"title": "Unauthorized", "status": 401}')
    assert parse(b'{"meta": {"result_count": 0}}') == []


def test_rss_is_parsed_safely() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
        b'<rss version="2.0"><channel><item><title>&b;</title></item></channel></rss>'
    )
    with pytest.raises(ValueError, match="safe XML"):
        read_rss_feed(bomb)
    posts = read_rss_feed((ARCHIVE_DIR / "rss" / "DefenceHQ.xml").read_bytes(), "http://127.0.0.1:8/rss/x.xml")
    assert posts[0].post_id == NEWEST_ID
    assert posts[-1].media[0].url == "http://127.0.0.1:8/media/2025-04-05.png"


ATOM_FEED = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>DefenceHQ / X</title>
  <id>https://bridge.example/DefenceHQ</id>
  <entry>
    <title>Latest Defence Intelligence update on the situation in Ukraine - 03 May 2025</title>
    <link href="https://x.com/DefenceHQ/status/1918600000000000000"/>
    <id>https://x.com/DefenceHQ/status/1918600000000000000</id>
    <published>2025-05-03T10:02:00Z</published>
    <content type="html">Latest Defence Intelligence update on the situation in Ukraine - 03 May 2025&lt;br&gt;
      Since the start of the full-scale invasion, Russia has likely suffered approximately 950,000 casualties
      (killed and wounded).&lt;br&gt;&lt;img src="/media/update-0503.jpg" alt="Map of Ukraine"&gt;</content>
  </entry>
  <entry>
    <title>Bridge notice: rate limited</title>
    <link href="https://bridge.example/notice"/>
    <id>notice-1</id>
    <updated>2025-05-03T11:00:00Z</updated>
    <content type="html">try again later</content>
  </entry>
</feed>"""


def test_an_atom_bridge_feed_is_read_like_an_rss_one() -> None:
    [post] = read_rss_feed(ATOM_FEED, "https://bridge.example/DefenceHQ.atom")
    assert (post.post_id, post.created_at.isoformat()) == ("1918600000000000000", "2025-05-03T10:02:00+00:00")
    assert [m.url for m in post.media] == ["https://bridge.example/media/update-0503.jpg"]
    [observation] = parse(ATOM_FEED, url="https://bridge.example/DefenceHQ.atom")
    assert (observation.metric, observation.value, observation.period_end.isoformat()) == (
        "casualties_cumulative", 950000.0, "2025-05-03")


def test_post_text_escaped_by_the_api_is_read_unescaped() -> None:
    body = json.dumps({"data": [{"id": "9", "text": (
        "Latest Defence Intelligence update on the situation in Ukraine &#8211; 07 October 2024. In September "
        "2024 Russian casualties (killed &amp; wounded) averaged 1,271 per day &lt;a record&gt;.")}]}).encode()
    [observation] = parse(body)
    assert (observation.metric, observation.value) == ("casualties_daily_avg", 1271.0)
    assert "killed & wounded" in observation.quote and "&amp;" not in observation.quote

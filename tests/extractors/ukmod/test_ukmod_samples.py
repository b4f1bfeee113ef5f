"""Every post of the demo archive yields exactly the figures samples/ukmod/expected.json lists."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

import pytest

from extractors.observation import Observation
from extractors.ukmod import PARSER_VERSION, SOURCE, document_kind, parse
from extractors.ukmod.ocr import tesseract_available
from samples.ukmod.render import render_update_png
from tests.extractors.ukmod.conftest import ARCHIVE_DIR

EXPECTED = json.loads((ARCHIVE_DIR / "expected.json").read_text(encoding="utf-8"))["posts"]
IMAGE_POSTS = [post for post in EXPECTED if post["update_in"] == "image"]
FIELDS = ("metric", "period_start", "period_end", "value", "value_low", "value_high", "unit", "qualifier", "confidence")


def as_expected(observation: Observation) -> dict[str, Any]:
    row = {name: getattr(observation, name) for name in FIELDS}
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in row.items()}


def by_post(observations: list[Observation]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for observation in observations:
        post_id = (observation.url or "").rsplit("/", 1)[-1]
        grouped.setdefault(post_id, []).append(as_expected(observation))
    return grouped


def test_the_archive_has_the_mix_the_demo_needs(expected_posts: dict[str, dict[str, Any]]) -> None:
    kinds = [post["update_in"] for post in expected_posts.values()]
    assert sum(kind in ("text", "alt_text", "image") for kind in kinds) >= 10
    assert all(kinds.count(k) >= 3 for k in ("text", "alt_text", "image"))
    assert "none" in kinds and "not_update" in kinds


def test_timeline_page_yields_the_text_and_alt_text_figures(expected_posts: dict[str, dict[str, Any]]) -> None:
    body = (ARCHIVE_DIR / "timeline" / "posts.json").read_bytes()
    digest = hashlib.sha256(body).hexdigest()
    observations = parse(body, sha256=digest)
    assert {(o.source, o.parser_version, o.document_sha256, o.subject) for o in observations} == {
        (SOURCE, PARSER_VERSION, digest, "RU")
    }
    wanted = {
        post_id: post["observations"]
        for post_id, post in expected_posts.items()
        if post["update_in"] in ("text", "alt_text") and post["observations"]
    }
    assert by_post(observations) == wanted
    for observation in observations:
        assert observation.published_at.isoformat() == expected_posts[observation.url.rsplit("/", 1)[-1]]["published"]


def test_rss_feed_yields_the_same_figures_for_its_posts(expected_posts: dict[str, dict[str, Any]]) -> None:
    observations = parse((ARCHIVE_DIR / "rss" / "DefenceHQ.xml").read_bytes(), url="http://127.0.0.1/rss")
    wanted = {
        post_id: post["observations"]
        for post_id, post in expected_posts.items()
        if post["in_rss"] and post["update_in"] in ("text", "alt_text") and post["observations"]
    }
    assert by_post(observations) == wanted


@pytest.mark.skipif(not tesseract_available(), reason="tesseract is not installed (apt-get install -y tesseract-ocr)")
@pytest.mark.parametrize("post", IMAGE_POSTS, ids=[post["published"] for post in IMAGE_POSTS])
def test_image_only_updates_yield_their_figures_by_ocr(post: dict[str, Any]) -> None:
    image = (ARCHIVE_DIR / post["image"]).read_bytes()
    published = date.fromisoformat(post["published"])
    observations = parse(image, url=f"http://127.0.0.1/{post['image']}", published=published)
    assert [as_expected(o) for o in observations] == post["observations"]
    assert {o.published_at for o in observations} == {published}


@pytest.mark.parametrize("post", IMAGE_POSTS, ids=[post["published"] for post in IMAGE_POSTS])
def test_image_text_read_as_a_txt_document_yields_the_same(post: dict[str, Any]) -> None:
    source = (ARCHIVE_DIR / post["image"]).with_suffix(".txt").read_bytes()
    assert document_kind(source) == "text"
    assert [as_expected(o) for o in parse(source)] == post["observations"]


@pytest.mark.parametrize("image", sorted((ARCHIVE_DIR / "images").glob("*.png")), ids=lambda p: p.name)
def test_committed_images_are_what_render_py_makes_of_their_text(image: Any) -> None:
    source = image.with_suffix(".txt").read_text(encoding="utf-8")
    assert render_update_png(source) == image.read_bytes(), f"re-run samples/ukmod/render.py for {image.name}"


def single_post_lookup(timeline: dict[str, Any], post_id: str, *, long_text: bool = False) -> bytes:
    """The X API's answer to GET /2/tweets/:id for one post of the timeline: `data` is one object,
    with only that post's media in `includes`; a long post carries its text in `note_tweet`."""
    [tweet] = [dict(t) for t in timeline["data"] if t["id"] == post_id]
    keys = tweet.get("attachments", {}).get("media_keys", [])
    if long_text:
        tweet["note_tweet"] = {"text": tweet["text"]}
        tweet["text"] = tweet["text"][:40] + "…"  # the post text a long post shows in `text`: truncated
    media = [m for m in timeline.get("includes", {}).get("media", []) if m["media_key"] in keys]
    answer: dict[str, Any] = {"data": tweet, "includes": {"media": media}}
    answer["errors"] = [{"title": "Authorization Error", "detail": "a quoted post is not visible"}]
    return json.dumps(answer).encode()


@pytest.mark.parametrize("long_text", [False, True], ids=["text", "note_tweet"])
def test_a_single_post_lookup_gives_the_same_observations_as_the_timeline_page(long_text: bool) -> None:
    timeline_body = (ARCHIVE_DIR / "timeline" / "posts.json").read_bytes()
    timeline = json.loads(timeline_body)
    from_timeline = by_post(parse(timeline_body))
    assert len(from_timeline) >= 5
    for post_id, wanted in from_timeline.items():
        assert by_post(parse(single_post_lookup(timeline, post_id, long_text=long_text))) == {post_id: wanted}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"errors": [{"title": "Not Found Error", "detail": "Could not find tweet"}]}', "Not Found Error"),
        (b'{"data": {"id": "1", "text": "x", "created_at": {"date": "2024-05-04"}}}', "created_at"),
        (b'[' * 5000 + b']' * 5000, "nested too deeply"),
        (b'<html><body>Something went wrong</body></html>', "not an RSS 2.0 feed"),
    ],
)
def test_x_api_answers_that_are_not_posts_are_refused_with_a_reason(body: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse(body)


def test_includes_given_as_an_empty_list_is_a_post_without_media() -> None:
    body = json.dumps({
        "data": [{"id": "7", "text": "Latest Defence Intelligence update on the situation in Ukraine - 04 May 2024. "
                                     "Russia has likely suffered over 465,000 casualties since February 2022."}],
        "includes": [],
    }).encode()
    assert [(o.metric, o.value) for o in parse(body)] == [("casualties_cumulative", 465000.0)]

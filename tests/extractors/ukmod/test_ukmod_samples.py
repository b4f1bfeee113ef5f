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

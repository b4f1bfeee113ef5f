"""UK MoD Defence Intelligence updates (@DefenceHQ): discover posts, read their update text, parse it.

Documents of this source, all handled by `parse`:
- a timeline page of the X API v2 (JSON): each update post yields the figures of its post text, else
  of its images' alt text; posts whose update is only in an image yield nothing here;
- an RSS 2.0 bridge feed (XML): the same rule per item (text, else the <img> alt text);
- an update image (PNG/JPEG): OCR with Tesseract, repairs, then the update text; its date comes from
  the `published` argument (the flow takes it from the DocumentRef), else from a wrapper line
  printed in the image;
- a plain update text (.txt): its date from `published`, else from a wrapper line in it.

How an image's date reaches its observations: `discover` returns, for every update post whose text
and alt text hold no update, one DocumentRef per image with `published` (the post's wrapper date)
and `meta={"kind": "image", "post_id", "media_key", "channel", "post_url"}`. The flow fetches the
image like any document and stores the bytes.

Reading an image is two steps, so its text can be kept: `recognise(body)` is the OCR (a
RecognisedText: repaired text, repairs, engine and settings; `to_json()` is what the flow stores
beside the image as `<image>.ocr.json`, `read_recognised` reads it back), and
`parse_recognised(recognised, published=...)` the parse. The pipeline (extractors.sources.read_document) reuses a
stored reading while `recognised_is_current` says the installed Tesseract and the OCR settings
would make it the same way, so a parser upgrade re-reads images without OCR and without the
network. `parse` does both steps at once (the `bulletins parse` command).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from urllib.parse import urljoin

from extractors.observation import DocumentRef, Observation, Reading
from extractors.source import Cursor, OcrStep, Option, Source, SourceSettings
from extractors.ukmod.channels import (
    Client,
    Post,
    day_end,
    day_start,
    fetch_rss,
    fetch_timeline,
    read_rss_feed,
    read_timeline_page,
    update_text_of,
)
from extractors.ukmod.ocr import ImageNotRead, RecognisedText, is_current, ocr_image, read_recognised
from extractors.ukmod.text import read_update_text
from extractors.ukmod.wrapper import strip_wrapper, update_date

SOURCE = "ukmod"
PARSER_VERSION = "ukmod-2"

# The name of the reading stored beside an image in the raw store: "<image path>.ocr.json".
RECOGNISED_TEXT_NAME = "ocr.json"

_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"




def document_kind(body: bytes) -> str:
    """The kind of a document, "image", "json", "rss" or "text", from its bytes (names can lie)."""
    if body.startswith(_PNG) or body.startswith(_JPEG):
        return "image"
    head = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head in (b"{", b"["):
        return "json"
    if head == b"<":
        return "rss"
    return "text"


def is_image(body: bytes) -> bool:
    """True for an update image (PNG/JPEG by its bytes): its text must be recognised before parsing."""
    return document_kind(body) == "image"


def recognise(body: bytes) -> RecognisedText:
    """The repaired OCR text of an update image. Raises ImageNotRead when Tesseract is missing or
    fails, ValueError when `body` is not a PNG/JPEG image.
    """
    if not is_image(body):
        raise ValueError(f"ukmod recognise wants a PNG or JPEG image, not a {document_kind(body)} document")
    return ocr_image(body)


def recognised_is_current(recognised: RecognisedText) -> bool:
    """True when a stored reading may be reused: the installed Tesseract and the current OCR settings
    made it (or no Tesseract is installed, so it is the only reading there can be).
    """
    return is_current(recognised)


def parse_recognised(
    recognised: RecognisedText, *, url: str | None = None, published: date | None = None, sha256: str | None = None
) -> list[Observation]:
    """Observations of an image's recognised text, dated `published`, else by the wrapper printed in it."""
    return read_text(recognised.text, url=url, published=published, sha256=sha256).observations


def parse(
    body: bytes,
    *,
    url: str | None = None,
    published: date | None = None,
    sha256: str | None = None,
) -> list[Observation]:
    """Observations in one ukmod document (see the module docstring for the document kinds).

    Raises ValueError naming what is wrong for unreadable input or an undatable update text, and
    ImageNotRead when an image cannot be OCR'd.
    """
    return read(body, url=url, published=published, sha256=sha256).observations


def read(
    body: bytes, *, url: str | None = None, published: date | None = None, sha256: str | None = None
) -> Reading:
    """`parse`, with the sentences that look like figures but could not be read (`Reading.unread`)."""
    kind = document_kind(body)
    if kind == "image":
        return read_text(recognise(body).text, url=url, published=published, sha256=sha256)
    if kind == "json":
        return read_posts(read_timeline_page(body).posts, sha256=sha256)
    if kind == "rss":
        return read_posts(read_rss_feed(body, url), sha256=sha256)
    return read_text(_decode(body), url=url, published=published, sha256=sha256)


def parse_text(
    text: str, *, url: str | None = None, published: date | None = None, sha256: str | None = None
) -> list[Observation]:
    """Observations of an update text dated `published`, else by the wrapper line in the text."""
    return read_text(text, url=url, published=published, sha256=sha256).observations


def read_text(
    text: str, *, url: str | None = None, published: date | None = None, sha256: str | None = None
) -> Reading:
    """`parse_text` with the unread candidates."""
    when = published or update_date(text)
    text = strip_wrapper(text)
    if when is None:
        raise ValueError(
            "ukmod update text has no date: pass published (--published) or keep its wrapper line "
            "('... situation in Ukraine - 04 May 2024')"
        )
    return read_update_text(text, published=when, parser_version=PARSER_VERSION, url=url, sha256=sha256)


def parse_posts(posts: list[Post], *, sha256: str | None = None) -> list[Observation]:
    """Observations of the update posts whose post text or alt text holds the update."""
    return read_posts(posts, sha256=sha256).observations


def read_posts(posts: list[Post], *, sha256: str | None = None) -> Reading:
    """`parse_posts` with the unread candidates."""
    observations: list[Observation] = []
    unread = []
    for post in posts:
        chosen = update_text_of(post) if post.is_update else None
        if chosen is None or post.published is None:
            continue
        reading = read_update_text(
            chosen[1], published=post.published, parser_version=PARSER_VERSION, url=post.url, sha256=sha256
        )
        observations += reading.observations
        unread += reading.unread
    return Reading(observations, unread)


def discover(
    client: Client,
    base_url: str,
    *,
    since: datetime | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    since_id: str | None = None,
    bearer_token: str | None = None,
    rss_url: str | None = None,
) -> list[DocumentRef]:
    """Timeline pages (X API, body prefetched) and/or the RSS feed, plus one ref per update image
    that must be OCR'd. `base_url` is the X API base; `since_id` asks only for newer posts.
    """
    if not bearer_token and not rss_url:
        raise ValueError(
            "ukmod discover needs an X API bearer token (BULLETINS_UKMOD_X_BEARER_TOKEN) "
            "or an RSS bridge feed URL (BULLETINS_UKMOD_RSS_URL)"
        )
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)  # naive times are taken as UTC, the time zone X and RSS use
    refs: list[DocumentRef] = []
    if bearer_token:
        starts = [t for t in (since, day_start(date_from) if date_from else None) if t is not None]
        pages = fetch_timeline(
            client,
            base_url,
            bearer_token=bearer_token,
            since_id=since_id,
            start_time=max(starts) if starts else None,
            end_time=day_end(date_to) if date_to else None,
        )
        for fetched in pages:
            if not fetched.page.posts:
                continue
            meta = {"kind": "timeline_page", "channel": "x_api", "result_count": str(len(fetched.page.posts))}
            meta["newest_id"] = str(max(int(p.post_id) for p in fetched.page.posts))
            refs.append(DocumentRef(SOURCE, fetched.url, body=fetched.body, headers=fetched.headers, meta=meta))
            posts = _wanted(fetched.page.posts, None, None, date_from, date_to)
            refs += image_refs(posts, base_url, channel="x_api")
    if rss_url:
        body, headers, posts = fetch_rss(client, rss_url)
        posts = _wanted(posts, since, since_id, date_from, date_to)
        if posts:
            meta = {"kind": "rss_feed", "channel": "rss", "newest_id": str(max(int(p.post_id) for p in posts))}
            refs.append(DocumentRef(SOURCE, rss_url, body=body, headers=headers, meta=meta))
            refs += image_refs(posts, rss_url, channel="rss")
    return refs


def image_refs(posts: list[Post], base_url: str, *, channel: str) -> list[DocumentRef]:
    """One DocumentRef per image of each update post whose update is only in its images."""
    refs = []
    for post in posts:
        if not post.is_update or update_text_of(post) is not None:
            continue
        for media in post.media:
            if media.url and media.kind == "photo":
                meta = {
                    "kind": "image",
                    "post_id": post.post_id,
                    "media_key": media.key,
                    "channel": channel,
                    "post_url": post.url,
                }
                image_url = urljoin(base_url.rstrip("/") + "/", media.url)
                refs.append(
                    DocumentRef(SOURCE, image_url, lastmod=post.created_at, published=post.published, meta=meta)
                )
    return refs


def next_cursor(stored: list[DocumentRef], failed: list[DocumentRef] | None = None) -> str | None:
    """The `since_id` the next incremental run starts from: the newest post among the stored
    documents, but never past a post whose image failed to be fetched (the next run asks the
    timeline for it again)."""
    newest = latest_post_id(stored)
    held_back = [int(ref.meta["post_id"]) - 1 for ref in failed or [] if ref.meta.get("post_id", "").isdigit()]
    if not held_back:
        return newest
    return str(min([*held_back, *([int(newest)] if newest else [])]))


def latest_post_id(refs: list[DocumentRef]) -> str | None:
    """The newest post id among discovered documents: the `since_id` of the next run."""
    ids = [int(value) for ref in refs for key, value in ref.meta.items() if key in ("newest_id", "post_id")]
    return str(max(ids)) if ids else None


def _wanted(
    posts: list[Post],
    since: datetime | None,
    since_id: str | None,
    date_from: date | None,
    date_to: date | None,
) -> list[Post]:
    def keep(post: Post) -> bool:
        if since_id and int(post.post_id) <= int(since_id):
            return False
        if since and post.created_at and post.created_at <= since:
            return False
        day = post.published
        return day is None or not ((date_from and day < date_from) or (date_to and day > date_to))

    return [post for post in posts if keep(post)]


def _decode(body: bytes) -> str:
    if b"\x00" in body[:4096]:
        raise ValueError("ukmod document is binary but not PNG/JPEG: expected text, X API JSON, RSS or an image")
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(f"ukmod update text is not UTF-8: {error}") from None


__all__ = [
    "PARSER_VERSION",
    "RECOGNISED_TEXT_NAME",
    "SOURCE",
    "ImageNotRead",
    "RecognisedText",
    "discover",
    "document_kind",
    "image_refs",
    "is_image",
    "latest_post_id",
    "parse",
    "parse_posts",
    "parse_recognised",
    "parse_text",
    "read",
    "read_posts",
    "read_recognised",
    "read_text",
    "recognise",
    "recognised_is_current",
]


def _read_text_document(
    body: bytes, *, url: str | None = None, published: date | None = None, sha256: str | None = None
) -> Reading:
    """`read` without OCR: an image's text is recognised by the OCR step first (DECLARATION.ocr)."""
    if is_image(body):
        raise ValueError("ukmod: an update image: its text must be recognised (OCR) before it is read")
    return read(body, url=url, published=published, sha256=sha256)


def _read_recognised_text(
    recognised: RecognisedText, *, url: str | None = None, published: date | None = None, sha256: str | None = None
) -> Reading:
    """An image's recognised text, read as an update text (its unread sentences kept)."""
    return read_text(recognised.text, url=url, published=published, sha256=sha256)


# What this source is, for the pipeline and the command line (extractors/source.py): declared once, here.
DECLARATION = Source(
    name=SOURCE,
    title="UK MoD Defence Intelligence updates (@DefenceHQ)",
    parser_version=PARSER_VERSION,
    suite="ukmod",
    discover=discover,
    read=_read_text_document,
    settings=SourceSettings(
        base_url_env="BULLETINS_UKMOD_X_API_URL",
        base_url="https://api.x.com",
        public_hosts=frozenset({"api.x.com", "api.twitter.com", "pbs.twimg.com"}),
        stale_after_hours=36.0,
        options=(
            Option("BULLETINS_UKMOD_X_BEARER_TOKEN", "bearer_token", "an X API v2 bearer token", secret=True),
            Option("BULLETINS_UKMOD_RSS_URL", "rss_url", "an RSS bridge feed of @DefenceHQ", is_url=True),
        ),
        needs_one_of=("bearer_token", "rss_url"),
    ),
    ocr=OcrStep(
        is_image=is_image,
        recognise=recognise,
        stored_name=RECOGNISED_TEXT_NAME,
        dump=RecognisedText.to_json,
        load=read_recognised,
        is_current=recognised_is_current,
        read=_read_recognised_text,
    ),
    # No Tesseract, or it failed: the image stays raw and a later run reads it.
    not_read_errors=(ImageNotRead,),
    # An incremental run asks the timeline only for posts newer than the last stored one.
    cursor=Cursor(argument="since_id", advance=next_cursor),
)

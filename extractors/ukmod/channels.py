"""Where MoD update posts come from: the X API v2 user timeline, or an RSS 2.0 bridge feed.

Both are read into the same `Post` shape (id, time, text, media with alt text and URL), so choosing
an update's text — the post text, else the alt text, else the image — is one rule for both.
Reading a page or a feed is pure; the `fetch_*` functions are the only ones doing HTTP, through the
shared `HttpClient`.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from typing import Any, Protocol
from urllib.parse import quote, urlencode, urljoin

from defusedxml import ElementTree as SafeElementTree

from extractors.ukmod.wrapper import holds_update, strip_wrapper, update_date

X_USERNAME = "DefenceHQ"
TIMELINE_FIELDS: dict[str, str] = {
    "max_results": "100",
    "expansions": "attachments.media_keys",
    "media.fields": "alt_text,url,type",
    "tweet.fields": "created_at",
}
# The timeline gives at most 3,200 posts: 32 full pages, with room for short pages.
MAX_TIMELINE_PAGES = 50


class Client(Protocol):
    """What the channels need of extractors.http.HttpClient."""

    def get(self, url: str, **kwargs: Any) -> Any: ...


@dataclass(frozen=True, slots=True)
class Media:
    key: str
    kind: str
    url: str | None
    alt_text: str | None


@dataclass(frozen=True, slots=True)
class Post:
    post_id: str
    text: str
    created_at: datetime | None
    media: tuple[Media, ...]
    url: str

    @property
    def is_update(self) -> bool:
        return update_date(self.text) is not None

    @property
    def published(self) -> date | None:
        """The update's date: the wrapper's date, else the posting date (UTC)."""
        wrapped = update_date(self.text)
        if wrapped is not None:
            return wrapped
        return self.created_at.date() if self.created_at else None


@dataclass(frozen=True, slots=True)
class TimelinePage:
    posts: list[Post]
    result_count: int
    newest_id: str | None
    oldest_id: str | None
    next_token: str | None


def update_text_of(post: Post) -> tuple[str, str] | None:
    """Where the post's update is written and the text: ("text", ...), ("alt_text", ...) or None.

    None means the update is only in the image(s), or the post is a bare wrapper.
    """
    if holds_update(post.text):
        return "text", strip_wrapper(post.text)
    alt_texts = [m.alt_text for m in post.media if m.alt_text and holds_update(m.alt_text)]
    if alt_texts:
        return "alt_text", "\n\n".join(strip_wrapper(alt) for alt in alt_texts)
    return None


def post_url(post_id: str) -> str:
    return f"https://x.com/{X_USERNAME}/status/{post_id}"


# --- X API v2 ---------------------------------------------------------------------------------


def read_timeline_page(body: bytes) -> TimelinePage:
    """An X API v2 response as posts: a timeline page (`data` a list) or a single-post lookup
    (`data` one object), with `includes.media` (alt text, URLs) and, for long posts, the full text
    in `note_tweet.text`. `errors` beside `data` (a partial response) are ignored; `errors` alone
    are the reason the page is refused.

    Raises ValueError naming the problem when the body is not such a response.
    """
    try:
        page = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"X API page is not JSON: {error}") from None
    except RecursionError:
        raise ValueError("X API page is nested too deeply to be an API response") from None
    if not isinstance(page, dict) or not ("data" in page or "meta" in page):
        errors = (page.get("errors") or page.get("title")) if isinstance(page, dict) else None
        raise ValueError(f"not an X API timeline page (no data/meta){f': {_short(errors)}' if errors else ''}")
    includes = page.get("includes") if isinstance(page.get("includes"), dict) else {}
    media_list = includes.get("media") if isinstance(includes.get("media"), list) else []
    media_by_key = {
        str(item["media_key"]): Media(
            key=str(item["media_key"]),
            kind=_text_or(item.get("type"), "photo"),
            url=_text_or(item.get("url"), None),
            alt_text=_unescaped(item.get("alt_text")),
        )
        for item in media_list
        if isinstance(item, dict) and "media_key" in item
    }
    data = page.get("data")
    tweets = [data] if isinstance(data, dict) else data if isinstance(data, list) else []
    posts = [_post(tweet, media_by_key) for tweet in tweets]
    meta = page.get("meta") if isinstance(page.get("meta"), dict) else {}
    return TimelinePage(
        posts=posts,
        result_count=_count(meta.get("result_count"), len(posts)),
        newest_id=_text_or(meta.get("newest_id"), None),
        oldest_id=_text_or(meta.get("oldest_id"), None),
        next_token=_text_or(meta.get("next_token"), None),
    )


def _post(tweet: object, media_by_key: dict[str, Media]) -> Post:
    if not isinstance(tweet, dict) or "id" not in tweet or not isinstance(tweet.get("text"), str):
        raise ValueError(f"X API post without id/text: {_short(tweet)}")
    note = tweet.get("note_tweet")
    text = note["text"] if isinstance(note, dict) and isinstance(note.get("text"), str) else tweet["text"]
    text = html.unescape(text)  # the API escapes &, < and > in post text ("killed &amp; wounded")
    attachments = tweet.get("attachments") if isinstance(tweet.get("attachments"), dict) else {}
    keys = attachments.get("media_keys") if isinstance(attachments.get("media_keys"), list) else []
    created = tweet.get("created_at")
    if created is not None and not isinstance(created, str):
        raise ValueError(f"X API created_at is not an ISO time: {_short(created)}")
    return Post(
        post_id=str(tweet["id"]),
        text=text,
        created_at=_iso_datetime(created),
        media=tuple(media_by_key[str(k)] for k in keys if str(k) in media_by_key),
        url=post_url(str(tweet["id"])),
    )


def _unescaped(value: object) -> str | None:
    return html.unescape(value) if isinstance(value, str) else None


def _text_or(value: object, default: str | None) -> str | None:
    return value if isinstance(value, str) else default


def _count(value: object, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _short(value: object) -> str:
    return str(value)[:120]


def user_lookup_url(base_url: str, username: str = X_USERNAME) -> str:
    return f"{base_url.rstrip('/')}/2/users/by/username/{quote(username)}"


def timeline_url(
    base_url: str,
    user_id: str,
    *,
    since_id: str | None = None,
    start_time: datetime | None = None,
    end_time: datetime | None = None,
    pagination_token: str | None = None,
) -> str:
    params = dict(TIMELINE_FIELDS)
    if since_id:
        params["since_id"] = since_id
    if start_time:
        params["start_time"] = _x_time(start_time)
    if end_time:
        params["end_time"] = _x_time(end_time)
    if pagination_token:
        params["pagination_token"] = pagination_token
    return f"{base_url.rstrip('/')}/2/users/{quote(user_id)}/tweets?{urlencode(params)}"


def fetch_user_id(client: Client, base_url: str, bearer_token: str, username: str = X_USERNAME) -> str:
    result = client.get(user_lookup_url(base_url, username), headers=_auth(bearer_token))
    try:
        return str(json.loads(result.body)["data"]["id"])
    except (TypeError, KeyError, ValueError) as error:
        raise ValueError(f"X API user lookup for @{username} gave no data.id ({error!r})") from None


@dataclass(frozen=True, slots=True)
class FetchedPage:
    url: str
    body: bytes
    headers: dict[str, str]
    page: TimelinePage


def fetch_timeline(
    client: Client,
    base_url: str,
    *,
    bearer_token: str,
    since_id: str | None = None,
    start_time: datetime | None = None,
    end_time: datetime | None = None,
) -> list[FetchedPage]:
    """Every timeline page newer than `since_id` (and within the times), following meta.next_token."""
    user_id = fetch_user_id(client, base_url, bearer_token)
    pages: list[FetchedPage] = []
    token: str | None = None
    for _ in range(MAX_TIMELINE_PAGES):
        url = timeline_url(
            base_url, user_id, since_id=since_id, start_time=start_time, end_time=end_time, pagination_token=token
        )
        result = client.get(url, headers=_auth(bearer_token))
        page = read_timeline_page(result.body)
        pages.append(FetchedPage(url=url, body=result.body, headers=dict(result.headers), page=page))
        token = page.next_token
        if not token:
            return pages
    raise ValueError(f"X API timeline still paging after {MAX_TIMELINE_PAGES} pages: stopping")


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def day_end(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


def _auth(bearer_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {bearer_token}"}


def _x_time(moment: datetime) -> str:
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _iso_datetime(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"X API created_at is not an ISO time: {value!r}") from None


# --- RSS 2.0 bridge ---------------------------------------------------------------------------


class _DescriptionReader(HTMLParser):
    """Text and <img> (src, alt) of an item description's HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.images: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "img" and attributes.get("src"):
            self.images.append((attributes["src"] or "", attributes.get("alt")))
        elif tag in ("br", "p", "div", "li"):
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


_ATOM = "{http://www.w3.org/2005/Atom}"


def read_rss_feed(body: bytes, feed_url: str | None = None) -> list[Post]:
    """The posts of a bridge feed of the account, RSS 2.0 or Atom; image URLs made absolute
    against `feed_url`.

    Parsed with defusedxml (no entity expansion, no external entities). Raises ValueError naming
    the problem when the body is not such a feed.
    """
    try:
        root = SafeElementTree.fromstring(body)
    except Exception as error:  # defusedxml raises ParseError and its own DefusedXmlException family
        raise ValueError(f"RSS feed is not well-formed, safe XML: {error}") from None
    channel = root.find("channel")
    if root.tag == f"{_ATOM}feed":
        entries = [_atom_entry(entry) for entry in root.findall(f"{_ATOM}entry")]
    elif root.tag == "rss" and channel is not None:
        entries = [
            ((item.findtext("link") or item.findtext("guid") or "").strip(), item.findtext("title") or "",
             item.findtext("description") or "", item.findtext("pubDate"))
            for item in channel.findall("item")
        ]
    else:
        tag = root.tag.replace(_ATOM, "")
        raise ValueError(f"not an RSS 2.0 feed: root element is <{tag}>")
    posts = []
    for link, title_text, description_html, published_text in entries:
        found = re.search(r"/status(?:es)?/(\d+)", link)
        if not found:
            continue  # a bridge's notice item, not a post
        reader = _DescriptionReader()
        reader.feed(description_html)
        reader.close()
        description = re.sub(r"[ \t]+", " ", "".join(reader.parts)).strip()
        title = title_text.strip()
        text = description if len(description) >= len(title) else title
        post_id = found.group(1)
        media = tuple(
            Media(
                key=f"{post_id}-{index}",
                kind="photo",
                url=urljoin(feed_url, src) if feed_url else src,
                alt_text=alt or None,
            )
            for index, (src, alt) in enumerate(reader.images, start=1)
        )
        posts.append(
            Post(
                post_id=post_id,
                text=text,
                created_at=_feed_datetime(published_text),
                media=media,
                url=post_url(post_id),
            )
        )
    return posts


def fetch_rss(client: Client, rss_url: str) -> tuple[bytes, dict[str, str], list[Post]]:
    result = client.get(rss_url)
    return result.body, dict(result.headers), read_rss_feed(result.body, rss_url)


def _atom_entry(entry: Any) -> tuple[str, str, str, str | None]:
    """(link, title, content HTML, published time) of an Atom entry."""
    links = [link.get("href", "") for link in entry.findall(f"{_ATOM}link")]
    link = next((href for href in links if "/status" in href), links[0] if links else "")
    content = entry.findtext(f"{_ATOM}content") or entry.findtext(f"{_ATOM}summary") or ""
    published = entry.findtext(f"{_ATOM}published") or entry.findtext(f"{_ATOM}updated")
    return link or (entry.findtext(f"{_ATOM}id") or ""), entry.findtext(f"{_ATOM}title") or "", content, published


def _feed_datetime(value: str | None) -> datetime | None:
    """An RSS pubDate (RFC 822) or an Atom time (ISO 8601)."""
    if not value or not value.strip():
        return None
    text = value.strip()
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"feed date is neither an RFC 822 nor an ISO 8601 time: {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


__all__ = [
    "MAX_TIMELINE_PAGES",
    "TIMELINE_FIELDS",
    "X_USERNAME",
    "FetchedPage",
    "Media",
    "Post",
    "TimelinePage",
    "day_end",
    "day_start",
    "fetch_rss",
    "fetch_timeline",
    "fetch_user_id",
    "post_url",
    "read_rss_feed",
    "read_timeline_page",
    "timeline_url",
    "update_text_of",
    "user_lookup_url",
]

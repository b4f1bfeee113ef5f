"""The HTML side of ISW parsing: reading a page with lxml, finding the report body, its blocks and date.

Used by `extractors.isw` (which re-exports the public names). Pure: no I/O, no network.

Text is read as the page's strings: each run of characters between two tags (an element's `.text`
or `.tail`) is one string, a run of ASCII whitespace counts as a single " " or "\n" (outside <pre>
and <textarea>), and text inside <script>, <style>, <template>, <rt>, <rp> and comments is not
read. Elements are never unlinked with their text merged into a neighbour: a removed element is
emptied and renamed, so the strings on either side stay two strings (this keeps `page_text` and
the spacing its date searches see the same whatever was removed around them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import date
from typing import NamedTuple

from lxml import etree
from lxml.etree import HTMLParser
from lxml.etree import _Element as Element

from extractors.isw_discover import report_date_from_url
from extractors.reading.dates import MONTH, parse_date


class Container(NamedTuple):
    """A known report container: `tag` (None: any) with `css_class`, inside an `inside` element."""

    tag: str | None
    css_class: str | None
    inside: str | None
    marker: bytes  # a word that must occur in the page for the container to be worth looking for


# Known article containers, most specific first (old Drupal, WordPress, generic): in CSS,
# div.field-name-body, div.entry-content, article .wp-block-post-content, .wp-block-post-content,
# div.post-content, div.article-content, main article, article.
BODY_CONTAINERS: tuple[Container, ...] = (
    Container("div", "field-name-body", None, b"field-name-body"),
    Container("div", "entry-content", None, b"entry-content"),
    Container(None, "wp-block-post-content", "article", b"wp-block-post-content"),
    Container(None, "wp-block-post-content", None, b"wp-block-post-content"),
    Container("div", "post-content", None, b"post-content"),
    Container("div", "article-content", None, b"article-content"),
    Container("article", None, "main", b"<article"),
    Container("article", None, None, b"<article"),
)
MIN_BODY_CHARS = 200  # a container with less paragraph text is a teaser or a shell, not the body
# Without a known container, the largest block of <p>s must hold at least a sentence.
FALLBACK_MIN_CHARS = 40
_BLOCK_TAGS = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "td", "dd")
_HEADINGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
_NOISE_TAGS = ("script", "style", "noscript", "nav", "aside", "form", "footer", "svg")
_UNREAD_TAGS = frozenset(("script", "style", "template", "rt", "rp"))  # their text is not page text
_VERBATIM_TAGS = frozenset(("pre", "textarea"))  # whitespace-only strings kept as written
_SPECIAL_TAGS = tuple(_UNREAD_TAGS | _VERBATIM_TAGS)
_ASCII_SPACES = " \n\t\x0c\r"
# Renamed elements (valid tag names no page uses): a removed element, and a <br> read as "\n".
_REMOVED = "isw-removed"
_LINE_BREAK = "isw-line-break"
_WITH_CLASS = etree.XPath("//*[contains(@class, $name)]")

# ISW numbers its footnotes up to the hundreds, the mirror in roman numerals ("[dlxxxvii]" is 587).
FOOTNOTE_MARKER = re.compile(r"\s*\[(?:\d{1,3}|[ivxlcdm]{1,10}|[IVXLCDM]{1,10})\]")
_ENDNOTE_LINE = re.compile(r"^\s*\[(?:\d{1,3}|[ivxlcdm]{1,10}|[IVXLCDM]{1,10})\]")
# Links pasted into the text (endnotes run into a paragraph, a feed's inline sources) are no prose.
_URL = re.compile(r"\s*\bhttps?://\S+")
_LEFT_BY_LINKS = re.compile(r"(?:\s[;,|](?=\s|$))+")  # the separators a list of links leaves behind
_ENDNOTES_HEADING = re.compile(r"^\s*(?:endnotes|notes|sources|citations)\s*:?\s*$", re.IGNORECASE)
_LABEL = re.compile(r"^(?P<label>[A-Z][A-Za-z'’ -]{2,60}):\s")
_HEADER_DATE = re.compile(
    rf"(?P<date>{MONTH}\s+\d{{1,2}},?\s+20\d\d),?\s+\d{{1,2}}(?::\d{{2}})?\s*[ap]\.?m\.?\s*(?:ET|EST|EDT)\b"
)
_TITLE_DATE = re.compile(rf"Campaign\s+Assessment,?\s+(?P<date>{MONTH}\s+\d{{1,2}},?\s+20\d\d)")
# A declared encoding: an XML declaration in the first 1 KB, else a <meta ... charset=...> near the top.
_XML_ENCODING = re.compile(rb"^\s*<\?.*encoding=['\"](.*?)['\"].*\?>", re.IGNORECASE)
_META_CHARSET = re.compile(rb"<\s*meta[^>]+charset\s*=\s*[\"']?([^>]*?)[ /;'\">]", re.IGNORECASE)
_BYTE_ORDER_MARKS = (
    (b"\x00\x00\xfe\xff", "utf-32be"), (b"\xff\xfe\x00\x00", "utf-32le"),
    (b"\xfe\xff", "utf-16be"), (b"\xff\xfe", "utf-16le"), (b"\xef\xbb\xbf", "utf-8"),
)


def read_page(body: bytes) -> Element:
    """The page's root element; ValueError for an empty, binary or bot-challenge document."""
    if not body or not body.strip():
        raise ValueError("empty document: nothing to parse")
    if b"\x00" in body[:4096]:
        raise ValueError("binary document (NUL bytes): not an HTML report")
    root = _parse_html(body)
    title = next(root.iter("title"), None)
    title_text = element_text(title, " ", strip=True).lower() if title is not None else ""
    if title_text.startswith("just a moment") or "attention required" in title_text:
        raise ValueError(f"a bot-challenge page ({title_text!r}), not a report")
    return root


def _parse_html(body: bytes) -> Element:
    body, encodings = _candidate_encodings(body)
    for encoding in encodings:
        try:
            # Untrusted pages: no network access; HTML has no external entities to expand. The plain
            # etree parser: lxml.html's element classes cost a Python call for every element touched.
            parser = HTMLParser(encoding=encoding, no_network=True, recover=True, huge_tree=False)
        except LookupError:  # a declared encoding Python or libxml2 does not know
            continue
        # Comments stay in the tree (and are never read): dropping them would join the text around them.
        root = etree.fromstring(body, parser)
        if root is not None:
            return root
        break
    return HTMLParser().makeelement("html")  # nothing but comments or a doctype: a page without a body


def _candidate_encodings(body: bytes) -> tuple[bytes, list[str]]:
    """The body without its byte-order mark, and the encodings to read it with, best first: the
    byte-order mark's, the declared one, UTF-8 (bytes that are not UTF-8 read as U+FFFD), windows-1252."""
    encodings: list[str] = []
    for mark, encoding in _BYTE_ORDER_MARKS:
        if body.startswith(mark) and not (len(mark) == 2 and (len(body) < 4 or body[2:4] == b"\x00\x00")):
            body = body[len(mark) :]
            encodings.append(encoding)
            break
    declared = _XML_ENCODING.search(body, 0, 1024) or _META_CHARSET.search(body, 0, max(2048, len(body) // 20))
    if declared and declared.group(1):
        encodings.append(declared.group(1).decode("ascii", "replace").lower())
    encodings += ["utf-8", "windows-1252"]
    return body, list(dict.fromkeys(encodings))


def element_text(element: Element, separator: str = "", *, strip: bool = False) -> str:
    """The element's strings joined by `separator`; with `strip`, each stripped and empty ones dropped."""
    strings: Iterable[str]
    if next(element.iter(*_SPECIAL_TAGS), None) is None and next(element.iterancestors(*_SPECIAL_TAGS), None) is None:
        # The common case, read in C: nothing unread, nothing verbatim.
        strings = element.itertext() if strip else (_string(text, False) for text in element.itertext())
    else:
        strings = []
        unread = next(element.iterancestors(*_UNREAD_TAGS), None) is not None
        verbatim = next(element.iterancestors(*_VERBATIM_TAGS), None) is not None
        _collect_strings(element, strings, unread, verbatim)
    if strip:
        return separator.join(s for s in (string.strip() for string in strings) if s)
    return separator.join(strings)


def page_text(root: Element) -> str:
    """The whole page's text, its strings joined by spaces."""
    return element_text(root, " ")


def _collect_strings(element: Element, strings: list[str], unread: bool, verbatim: bool) -> None:
    """`itertext` without the unread strings, whitespace kept as written in verbatim ones."""
    tag = element.tag
    if not isinstance(tag, str):  # a comment or processing instruction: its text is not page text
        return
    unread = unread or tag in _UNREAD_TAGS
    verbatim = verbatim or tag in _VERBATIM_TAGS
    if element.text and not unread:
        strings.append(_string(element.text, verbatim))
    for child in element:
        _collect_strings(child, strings, unread, verbatim)
        if child.tail and not unread:
            strings.append(_string(child.tail, verbatim))


def _string(text: str, verbatim: bool) -> str:
    if verbatim or text.strip(_ASCII_SPACES):
        return text
    return "\n" if "\n" in text else " "


def _remove(elements: Iterable[Element]) -> None:
    """Empty and rename each element, keeping its tail: see the module docstring for why."""
    for element in list(elements):
        element.clear(keep_tail=True)
        element.tag = _REMOVED


def find_article_body(root: Element, html: bytes | None = None) -> Element | None:
    """The element holding the report: a known container holding most of the page's paragraph
    text, else the deepest element that holds most of it (a layout that splits the report into
    section blocks: Toplines, Key Takeaways, one block per axis). Removes the page's scripts,
    navigation and other noise first. `html`, the page's bytes, only lets containers whose class is
    absent from the page be skipped."""
    _remove(root.iter(*_NOISE_TAGS))
    paragraphs = {paragraph: len(element_text(paragraph, strip=True)) for paragraph in root.iter("p")}
    total = sum(paragraphs.values())
    for container in BODY_CONTAINERS:
        if html is not None and container.marker not in html:
            continue
        scored = [(candidate, _paragraph_chars(candidate, paragraphs)) for candidate in _matches(root, container)]
        best, chars = max(scored, key=lambda pair: pair[1], default=(None, 0))
        if best is not None and chars >= MIN_BODY_CHARS and chars >= _MOST * total:
            return best
    # Too little paragraph text anywhere (or none): the report is not on this page as we know it.
    if total < FALLBACK_MIN_CHARS:
        return None
    held = _paragraph_chars_held(paragraphs)
    holding = [element for element, chars in held.items() if chars >= _MOST * total and element is not root]
    return max(holding, key=_depth, default=root)


# A report's container holds at least this share of the page's paragraph text (noise removed).
_MOST = 0.6


def _paragraph_chars_held(paragraphs: dict[Element, int]) -> dict[Element, int]:
    """For each element, the characters of the paragraphs inside it."""
    held: dict[Element, int] = {}
    for paragraph, chars in paragraphs.items():
        for ancestor in paragraph.iterancestors():
            held[ancestor] = held.get(ancestor, 0) + chars
    return held


def _depth(element: Element) -> int:
    return sum(1 for _ in element.iterancestors())


def _matches(root: Element, container: Container) -> list[Element]:
    """The elements matching a container, in document order."""
    if container.css_class is None:
        candidates = list(root.iter(container.tag))
    else:
        candidates = [
            element for element in _WITH_CLASS(root, name=container.css_class)
            if (container.tag is None or element.tag == container.tag)
            and container.css_class in (element.get("class") or "").split()
        ]
    if container.inside is None:
        return candidates
    return [e for e in candidates if any(a.tag == container.inside for a in e.iterancestors())]


def _paragraph_chars(element: Element, chars_of: dict[Element, int]) -> int:
    paragraphs = list(element.iterdescendants("p"))
    if not paragraphs:  # old pages with <br>-separated text and no <p>
        return len(element_text(element, strip=True))
    return sum(chars_of.get(p, 0) for p in paragraphs)


def article_blocks(article: Element) -> list[tuple[str | None, str]]:
    """(label, cleaned text) of each paragraph-like block before the endnotes, in order.
    Reads each <br> as a line break and removes footnote markers from the tree."""
    for line_break in list(article.iterdescendants("br")):
        line_break.tag, line_break.text = _LINE_BREAK, "\n"
    for marker in list(article.iterdescendants("sup", "a")):
        text = element_text(marker, strip=True)
        if FOOTNOTE_MARKER.fullmatch(" " + text) or (marker.tag == "sup" and text.isdigit()):
            _remove([marker])
    elements = [e for e in article.iterdescendants(*_BLOCK_TAGS) if not _holds_blocks(e)] or [article]

    def lines() -> Iterator[tuple[str, bool]]:  # lazily: the endnotes after the report are never read
        for element in elements:
            raw = element_text(element)
            heading = element.tag in _HEADINGS
            if element is article:
                yield from ((line, heading) for line in raw.split("\n"))
            else:
                yield raw, heading

    return labelled_blocks(lines())


def labelled_blocks(lines: Iterable[tuple[str, bool]]) -> list[tuple[str | None, str]]:
    """(label, cleaned text) of a report's blocks, given as (text, is_heading), up to the endnotes.

    "Unconfirmed claims: ..." labels its own block; such a label standing alone labels the blocks
    after it until the next heading. The same for every form of a report (HTML, text, Markdown).
    """
    blocks: list[tuple[str | None, str]] = []
    heading_label: str | None = None
    for raw, heading in lines:
        if _ENDNOTES_HEADING.match(raw):
            break
        if _ENDNOTE_LINE.match(raw):
            continue
        if heading:
            heading_label = None
        text = clean_text(raw)
        if not text:
            continue
        label = _LABEL.match(text + " ")
        if label and label.end() >= len(text):
            heading_label = label.group("label").lower()
            continue
        blocks.append((label.group("label").lower() if label else heading_label, text))
    return blocks


def _holds_blocks(element: Element) -> bool:
    return next(element.iterdescendants(*_BLOCK_TAGS), None) is not None


def clean_text(text: str) -> str:
    """Whitespace normalised, footnote markers removed ("kilometers.[4]" -> "kilometers.")."""
    text = text.replace("\xa0", " ")
    if "http" in text:  # (a test, not a regex: this runs on every line of every page)
        text = _LEFT_BY_LINKS.sub("", " ".join(_URL.sub(" ", text).split()))
    text = " ".join(text.split())
    if "[" in text:
        text = " ".join(FOOTNOTE_MARKER.sub(lambda m: " " if _glued_to_word(text, m) else "", text).split())
    return text


def _glued_to_word(text: str, marker: re.Match[str]) -> bool:
    after = text[marker.end() : marker.end() + 1]
    return bool(after) and after.isalnum()


def published_date(root: Element, url: str | None, text: str | None = None) -> date | None:
    """The report's date: page metadata, a <time>, the "March 31, 2025, 6:15pm ET" line, the URL."""
    for attribute in ("property", "name"):
        meta = next((m for m in root.iter("meta") if m.get(attribute) == "article:published_time"), None)
        if meta is not None and _iso_date(str(meta.get("content", ""))):
            return _iso_date(str(meta.get("content", "")))
    for time_tag in root.iter("time"):
        found = _iso_date(str(time_tag.get("datetime", "")))
        if found:
            return found
    header = (text if text is not None else page_text(root))[:20000]
    return header_date(header) or (report_date_from_url(url) if url else None)


def header_date(text: str) -> date | None:
    """The report's date from its header line ("March 31, 2025, 6:15pm ET") or its title
    ("Russian Offensive Campaign Assessment, March 31, 2025")."""
    for pattern in (_HEADER_DATE, _TITLE_DATE):
        found = pattern.search(text)
        if found:
            try:
                return parse_date(found.group("date"), date.max)
            except ValueError:
                continue
    return None


def _iso_date(value: str) -> date | None:
    # The date as written, before any time and offset: WordPress writes local (ET) time with an
    # offset, and the bulletin's date is the ET date.
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None

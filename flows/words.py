"""Small helpers for messages people read: counted nouns, and errors as one line."""

from __future__ import annotations


def plural(count: int, noun: str) -> str:
    """"1 document", "2 documents"."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def one_line(error: BaseException | str, limit: int = 300) -> str:
    """An error as one line of at most `limit` characters (a message may carry a whole document)."""
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."

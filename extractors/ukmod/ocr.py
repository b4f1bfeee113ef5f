"""Reading an update image with Tesseract, and repairing the usual OCR damage before parsing.

Tesseract is called as a program (`tesseract IMAGE stdout -l eng`), not through a Python binding:
it is a Debian package (`tesseract-ocr`). Without it `ocr_image` raises ImageNotRead; the flow then
keeps the image raw and reads it on a later run.

A reading is a `RecognisedText`: the repaired text, Tesseract's raw output, the repairs made, and
the engine and settings that made it. The flow stores it as JSON beside the image in the raw store
(`to_json` / `read_recognised`), so a parser upgrade re-reads the stored text without OCR, and a
new Tesseract or new settings (`is_current`) read the image again.

Repairs, each recorded so the stored text says what was changed:
- "hyphenation": a word broken across lines ("Ukrain-\\nian" -> "Ukrainian");
- "glued_number": a number run into the next word ("899losses" -> "899 losses");
- "glued_words": two words run together ("twomonths" -> "two months", "perday", "onRussia's");
- "digit_letter": l/I read for 1 and O for 0 inside a number, where the result is a well-formed
  number ("1,27l" -> "1,271", "6O0" -> "600");
- "unit": "sq krn" -> "sq km".
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from extractors.reading.text import unglue_numbers, unglue_words

TESSERACT = "tesseract"
TESSERACT_ARGS = ("-l", "eng")
OCR_TIMEOUT_S = 120.0
# Bump when a repair rule changes: stored readings made with other rules are then read again.
REPAIRS_VERSION = "repairs-2"
# What, besides the engine, decides the text a reading gives; part of every stored reading.
OCR_SETTINGS: dict[str, str] = {"tesseract_args": " ".join(TESSERACT_ARGS), "repairs": REPAIRS_VERSION}

# Images this process has passed to Tesseract: lets the tests prove that a stored reading was reused.
tesseract_runs = 0

_DIGIT_LETTER = re.compile(r"(?<![\w,.])[0-9lIO][0-9lIO,]*[0-9lIO](?![0-9lIO,])")
_WELL_FORMED = re.compile(r"\d{1,3}(?:,\d{3})+|\d+")
_HYPHENATED = re.compile(r"([A-Za-z]{2,})-[ \t]*\n[ \t]*([a-z]{2,})")


@dataclass(frozen=True, slots=True)
class Repair:
    kind: str
    before: str
    after: str


class ImageNotRead(RuntimeError):
    """An update image could not be OCR'd (no Tesseract, or it failed): keep it, read it later."""


@dataclass(frozen=True, slots=True)
class RecognisedText:
    """The text read from one image: repaired `text`, Tesseract's `raw_text`, and how it was made."""

    text: str
    raw_text: str
    repairs: tuple[Repair, ...]
    engine: str  # "tesseract 5.3.0"
    settings: dict[str, str]
    created_at: datetime

    def to_json(self) -> str:
        """The reading as the JSON document stored beside its image (read back by `read_recognised`)."""
        document = {
            "text": self.text,
            "raw_text": self.raw_text,
            "repairs": [{"kind": r.kind, "before": r.before, "after": r.after} for r in self.repairs],
            "engine": self.engine,
            "settings": self.settings,
            "created_at": self.created_at.isoformat(),
        }
        return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def read_recognised(data: bytes | str) -> RecognisedText:
    """A reading stored by `RecognisedText.to_json`. Raises ValueError naming what is wrong with it."""
    try:
        document = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"stored OCR text is not JSON: {error}") from None
    if not isinstance(document, dict):
        raise ValueError("stored OCR text is not a JSON object")
    text, raw_text, engine = (_field(document, name, str) for name in ("text", "raw_text", "engine"))
    settings = _field(document, "settings", dict)
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in settings.items()):
        raise ValueError("stored OCR text: 'settings' must map names to strings")
    repairs = []
    for entry in _field(document, "repairs", list):
        if not (isinstance(entry, dict) and all(isinstance(entry.get(k), str) for k in ("kind", "before", "after"))):
            raise ValueError(f"stored OCR text: a repair must have kind, before and after strings, not {entry!r}")
        repairs.append(Repair(entry["kind"], entry["before"], entry["after"]))
    try:
        created_at = datetime.fromisoformat(_field(document, "created_at", str))
    except ValueError:
        raise ValueError(f"stored OCR text: 'created_at' is not an ISO time: {document['created_at']!r}") from None
    return RecognisedText(text, raw_text, tuple(repairs), engine, settings, created_at)


def _field(document: dict[str, Any], name: str, kind: type) -> Any:
    value = document.get(name)
    if not isinstance(value, kind):
        raise ValueError(f"stored OCR text: {name!r} must be a {kind.__name__}, not {type(value).__name__}")
    return value


def tesseract_available() -> bool:
    return shutil.which(TESSERACT) is not None


def tesseract_version() -> str | None:
    """The installed engine, "tesseract 5.3.0" (the first line of `tesseract --version`); None without one."""
    executable = shutil.which(TESSERACT)
    return _version_of(executable) if executable else None


@functools.cache
def _version_of(executable: str) -> str:
    # Cached per executable path: asked once per image re-read, it must not cost a process each time.
    completed = subprocess.run([executable, "--version"], capture_output=True, text=True, timeout=30, check=False)
    lines = (completed.stdout or completed.stderr).splitlines()
    return lines[0].strip() if lines and lines[0].strip() else "tesseract (unknown version)"


def is_current(recognised: RecognisedText) -> bool:
    """True when OCR now would make `recognised` the same way: same settings and the installed engine.

    Without Tesseract a stored reading is always current: it is the only reading there can be.
    """
    engine = tesseract_version()
    return engine is None or (recognised.engine == engine and recognised.settings == OCR_SETTINGS)


def ocr_image(image: bytes, *, timeout_s: float = OCR_TIMEOUT_S) -> RecognisedText:
    """OCR of a PNG/JPEG image, repaired. Raises ImageNotRead when Tesseract is missing or fails."""
    global tesseract_runs
    executable = shutil.which(TESSERACT)
    if executable is None:
        raise ImageNotRead("update image not read: tesseract is not installed (apt-get install tesseract-ocr)")
    suffix = ".jpg" if image[:3] == b"\xff\xd8\xff" else ".png"
    with tempfile.TemporaryDirectory(prefix="ukmod-ocr-") as workdir:
        path = Path(workdir) / f"update{suffix}"
        path.write_bytes(image)
        tesseract_runs += 1
        try:
            completed = subprocess.run(
                [executable, str(path), "stdout", *TESSERACT_ARGS],
                capture_output=True,
                timeout=timeout_s,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise ImageNotRead(f"update image not read: tesseract took longer than {timeout_s:.0f} s") from None
        except OSError as error:
            raise ImageNotRead(f"update image not read: tesseract could not run: {error}") from None
    if completed.returncode != 0:
        message = " ".join(completed.stderr.decode("utf-8", "replace").split())[:300]
        raise ImageNotRead(f"update image not read: tesseract exited {completed.returncode}: {message}")
    raw_text = completed.stdout.decode("utf-8", "replace")
    text, repairs = repair_ocr_text(raw_text)
    return RecognisedText(
        text=text,
        raw_text=raw_text,
        repairs=tuple(repairs),
        engine=_version_of(executable),
        settings=dict(OCR_SETTINGS),
        created_at=datetime.now(UTC),
    )


def repair_ocr_text(text: str) -> tuple[str, list[Repair]]:
    """`text` with the usual OCR damage repaired, and the list of repairs made (in order)."""
    repairs: list[Repair] = []

    def recorded(kind: str, replacement: str) -> object:
        def apply(match: re.Match[str]) -> str:
            after = match.expand(replacement)
            if after != match.group(0):
                repairs.append(Repair(kind, match.group(0), after))
            return after

        return apply

    def note(kind: str, before: str, after: str) -> None:
        repairs.append(Repair(kind, before, after))

    text = text.replace("\f", "\n")
    text = _HYPHENATED.sub(recorded("hyphenation", r"\1\2"), text)  # type: ignore[arg-type]
    text = re.sub(r"\b(sq\.?\s*)krn\b", recorded("unit", r"\1km"), text)  # type: ignore[arg-type]
    text = unglue_words(text, note)
    text = _DIGIT_LETTER.sub(_repair_digits(repairs), text)
    text = unglue_numbers(text, note)
    return text, repairs


def _repair_digits(repairs: list[Repair]) -> object:
    def apply(match: re.Match[str]) -> str:
        token = match.group(0)
        if not re.search(r"\d", token) or token.isdigit() or not re.search(r"[lIO]", token):
            return token
        candidate = token.replace("l", "1").replace("I", "1").replace("O", "0")
        # Unambiguous only when the letters sit among digits in a well-formed number; when a word
        # follows ("899losses", "1,27lcasualties"), only a thousands group the letter completes proves it.
        if not _WELL_FORMED.fullmatch(candidate) or sum(c.isdigit() for c in token) < 2:
            return token
        glued_to_word = match.end() < len(match.string) and match.string[match.end()].isalpha()
        if glued_to_word and not re.search(r",[\dlIO]*[lIO][\dlIO]*$", token):
            return token
        repairs.append(Repair("digit_letter", token, candidate))
        return candidate

    return apply


__all__ = [
    "OCR_SETTINGS",
    "ImageNotRead",
    "RecognisedText",
    "Repair",
    "is_current",
    "ocr_image",
    "read_recognised",
    "repair_ocr_text",
    "tesseract_available",
    "tesseract_version",
]

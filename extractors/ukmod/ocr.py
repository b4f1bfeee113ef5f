"""Reading an update image with Tesseract, and repairing the usual OCR damage before parsing.

Tesseract is called as a program (`tesseract IMAGE stdout`), not through a Python binding: it is a
Debian package (`tesseract-ocr`), and without it the pipeline still runs — `recognise` then returns
a "not read" result, the image stays in the raw store and is read on a later run.

Repairs, each recorded so the stored text says what was changed:
- "hyphenation": a word broken across lines ("Ukrain-\\nian" -> "Ukrainian");
- "glued_number": a number run into the next word ("899losses" -> "899 losses");
- "glued_words": a number word run into a unit word ("twomonths" -> "two months", "perday");
- "digit_letter": l/I read for 1 and O for 0 inside a number, where the result is a well-formed
  number ("1,27l" -> "1,271", "6O0" -> "600");
- "unit": "sq krn" -> "sq km".
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

TESSERACT = "tesseract"
OCR_TIMEOUT_S = 120.0

_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|"
    "hundred|thousand|million|several|few|a|per"
)
_UNIT_WORDS = "months?|weeks?|days?|years?|hundred|thousand|million|quarters?|casualties|losses|killed|sq|square"
_GLUED_WORDS = re.compile(rf"\b({_NUMBER_WORDS})({_UNIT_WORDS})\b", re.IGNORECASE)
# A number run into a word or unit ("899losses", "143sq km"); ordinals ("1st"), decades ("1990s"),
# "5m" and "10k" stay.
_GLUED_NUMBER = re.compile(
    r"(?<![\w.,])(\d[\d,]*(?:\.\d+)?)(?!(?:st|nd|rd|th|s|m|k)\b)([A-Za-z]{3,}\b|sq\b|km(?:2|²)?\b)"
)
_DIGIT_LETTER = re.compile(r"(?<![\w,.])[0-9lIO][0-9lIO,]*[0-9lIO](?![0-9lIO,])")
_WELL_FORMED = re.compile(r"\d{1,3}(?:,\d{3})+|\d+")
_HYPHENATED = re.compile(r"([A-Za-z]{2,})-[ \t]*\n[ \t]*([a-z]{2,})")


@dataclass(frozen=True, slots=True)
class Repair:
    kind: str
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class OcrResult:
    """The text read from an image. `status` is "read" or "not_read" (then `reason` says why)."""

    status: str
    text: str = ""
    raw_text: str = ""
    repairs: tuple[Repair, ...] = field(default_factory=tuple)
    reason: str | None = None

    @property
    def read(self) -> bool:
        return self.status == "read"


def tesseract_available() -> bool:
    return shutil.which(TESSERACT) is not None


def tesseract_version() -> str | None:
    """The first line of `tesseract --version`, None when Tesseract is not installed."""
    if not tesseract_available():
        return None
    completed = subprocess.run([TESSERACT, "--version"], capture_output=True, text=True, timeout=30, check=False)
    lines = (completed.stdout or completed.stderr).splitlines()
    return lines[0].strip() if lines else None


def recognise(image: bytes, *, timeout_s: float = OCR_TIMEOUT_S) -> OcrResult:
    """OCR of a PNG/JPEG image, repaired. Never raises for a missing or failing Tesseract."""
    executable = shutil.which(TESSERACT)
    if executable is None:
        return OcrResult(status="not_read", reason="tesseract is not installed (apt-get install tesseract-ocr)")
    suffix = ".jpg" if image[:3] == b"\xff\xd8\xff" else ".png"
    with tempfile.TemporaryDirectory(prefix="ukmod-ocr-") as workdir:
        path = Path(workdir) / f"update{suffix}"
        path.write_bytes(image)
        try:
            completed = subprocess.run(
                [executable, str(path), "stdout", "-l", "eng"],
                capture_output=True,
                timeout=timeout_s,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return OcrResult(status="not_read", reason=f"tesseract took longer than {timeout_s:.0f} s")
        except OSError as error:
            return OcrResult(status="not_read", reason=f"tesseract could not run: {error}")
    if completed.returncode != 0:
        message = " ".join(completed.stderr.decode("utf-8", "replace").split())[:300]
        return OcrResult(status="not_read", reason=f"tesseract exited {completed.returncode}: {message}")
    raw_text = completed.stdout.decode("utf-8", "replace")
    text, repairs = repair_ocr_text(raw_text)
    return OcrResult(status="read", text=text, raw_text=raw_text, repairs=tuple(repairs))


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

    text = text.replace("\f", "\n")
    text = _HYPHENATED.sub(recorded("hyphenation", r"\1\2"), text)  # type: ignore[arg-type]
    text = re.sub(r"\b(sq\.?\s*)krn\b", recorded("unit", r"\1km"), text)  # type: ignore[arg-type]
    text = _GLUED_WORDS.sub(recorded("glued_words", r"\1 \2"), text)  # type: ignore[arg-type]
    text = _DIGIT_LETTER.sub(_repair_digits(repairs), text)
    text = _GLUED_NUMBER.sub(recorded("glued_number", r"\1 \2"), text)  # type: ignore[arg-type]
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


__all__ = ["OcrResult", "Repair", "recognise", "repair_ocr_text", "tesseract_available", "tesseract_version"]

"""Progress of a long run: a bar on a terminal, a log line per step elsewhere (Prefect workers, CI)."""

from __future__ import annotations

import logging
import sys
import time
from typing import TextIO

from tqdm import tqdm


class Progress:
    """Documents done out of `total`, with the rate and the time left.

    On a terminal it draws a tqdm bar on `stream`; otherwise (a worker's log, a pipe) the bar is off
    and each `advance` logs one line, so the same run is readable in Prefect's UI.
    """

    def __init__(self, total: int, label: str, *, logger: logging.Logger | logging.LoggerAdapter[logging.Logger],
                 stream: TextIO | None = None, bar: bool | None = None) -> None:
        stream = stream if stream is not None else sys.stderr
        self.total, self.label, self.done = total, label, 0
        self._logger = logger
        self._started = time.monotonic()
        draw = bar if bar is not None else stream.isatty()
        self._bar = tqdm(total=total, desc=label, unit="doc", file=stream, disable=not draw or total == 0,
                         dynamic_ncols=True, leave=True)

    def advance(self, documents: int) -> None:
        self.done += documents
        self._bar.update(documents)
        if self._bar.disable and self.total:
            self._logger.info("%s", self.line())

    def line(self) -> str:
        """"isw backfill: 150/1000 documents (15 %), 17.2 documents/s, about 49 s left"."""
        elapsed = max(time.monotonic() - self._started, 1e-9)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate > 0 else float("inf")
        eta = f"about {left:.0f} s left" if left != float("inf") else "time left unknown"
        share = 100 * self.done / self.total if self.total else 100.0
        return f"{self.label}: {self.done}/{self.total} documents ({share:.0f} %), {rate:.1f} documents/s, {eta}"

    def close(self) -> None:
        self._bar.close()

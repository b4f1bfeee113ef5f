"""One log line carries at most MAX_LOG_CHARS characters of message, whoever logs it.

A field of a bad document can be megabytes long (a 50 MB "number" was once logged whole in one
warning). Capping at the source of every record — the process's log record factory — covers our
loggers, the libraries' and Prefect's alike, whatever handler prints or ships the line.
"""

from __future__ import annotations

import logging
from typing import Any

MAX_LOG_CHARS = 2_000


def cap_log_lines(limit: int = MAX_LOG_CHARS) -> None:
    """Make every log record of this process carry at most `limit` characters of message."""
    current = logging.getLogRecordFactory()
    if getattr(current, "caps_log_lines", False):
        return

    def capped_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = current(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: logging itself reports it when the record is handled
            return record
        if len(message) > limit:
            record.msg = f"{message[:limit]}… [{len(message) - limit} more characters not logged]"
            record.args = None
        return record

    capped_record.caps_log_lines = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(capped_record)

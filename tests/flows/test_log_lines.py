"""A huge field is never logged whole (issue 11 item 10)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from flows.log_lines import MAX_LOG_CHARS

REPO = Path(__file__).resolve().parents[2]


def test_a_fifty_megabyte_field_is_cut_to_one_short_line(caplog: pytest.LogCaptureFixture) -> None:
    huge = "9" * 50_000_000
    with caplog.at_level(logging.WARNING):
        logging.getLogger("extractors.genstaff").warning("genstaff: %s.stats.%s is not a number (%r); skipped",
                                                         "2025-03-01", "tanks", huge)
    (record,) = caplog.records
    message = record.getMessage()
    assert len(message) < MAX_LOG_CHARS + 100
    assert message.startswith("genstaff: 2025-03-01.stats.tanks is not a number ('999")
    whole = f"genstaff: 2025-03-01.stats.tanks is not a number ({huge!r}); skipped"
    assert message == f"{whole[:MAX_LOG_CHARS]}… [{len(whole) - MAX_LOG_CHARS} more characters not logged]"
    assert len(caplog.text) < MAX_LOG_CHARS + 300


# What a user of the command line sees: the parse of a General Staff day whose count is 50 MB long.
PARSE_HUGE = """
import json, sys
from flows.cli import main
sys.exit(main(["parse", "--source", "genstaff", sys.argv[1]]))
"""


def test_the_command_line_logs_a_huge_field_in_one_short_line(tmp_path: Path) -> None:
    day = {"message": "The data were fetched successfully", "data": {
        "date": "2025-03-01", "day": 1102, "resource": "https://www.zsu.gov.ua/",
        "stats": {"personnel_units": 880_000, "tanks": "1" * 50_000_000}, "increase": {"personnel_units": 1200}}}
    document = tmp_path / "day.json"
    document.write_text(json.dumps(day), encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", PARSE_HUGE, str(document)], capture_output=True, text=True,
                          cwd=REPO, timeout=120)
    assert len(done.stderr) < 5 * MAX_LOG_CHARS, done.stderr[:500]
    assert all(len(line) < MAX_LOG_CHARS + 300 for line in done.stderr.splitlines())

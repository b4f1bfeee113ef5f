"""`bulletins report` as a user runs it, and the page on small warehouses built here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from PIL import Image

from extractors.observation import Observation
from report import build_report
from warehouse.db import connect
from warehouse.load import append_observations, observations_frame

REPO = Path(__file__).resolve().parents[2]
ISW_APRIL_1 = "https://understandingwar.org/research/russia-ukraine/russian-offensive-campaign-assessment-april-1-2025/"


def bulletins(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BULLETINS_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-c", "import sys; from flows.cli import main; sys.exit(main(sys.argv[1:]))", *args],
        capture_output=True, text=True, cwd=REPO, env=env, timeout=180,
    )


def march_gain(km2: float, *, quote: str = "Russian forces gained {:g} square kilometers in March 2025.",
               url: str = ISW_APRIL_1) -> Observation:
    return Observation(
        source="isw", metric="territory_gained", period_start=date(2025, 3, 1), period_end=date(2025, 3, 31),
        value=km2, unit="km2", quote=quote.format(km2), published_at=date(2025, 4, 1), parser_version="isw-1",
        url=url,
    )


def warehouse_with(path: Path, *observations: Observation) -> Path:
    with connect(path) as con:
        append_observations(con, observations_frame(observations), "run-1", datetime(2025, 4, 2, tzinfo=UTC))
    return path


def territory_points(png: Path) -> dict[str, float]:
    with Image.open(png) as image:
        panel = json.loads(image.text["Description"])["panels"][0]
    return {f"{s['key']} {p['x']}": p["y"] for s in panel["series"] for p in s["points"]}


def test_report_writes_the_page_and_pngs_where_asked(demo_home: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = bulletins("report", "--output", str(out), home=demo_home)
    assert result.returncode == 0, result.stderr
    written = [Path(line) for line in result.stdout.splitlines()]
    assert [p.name for p in written] == ["report.html", "territory_monthly.png", "casualties.png",
                                         "casualties_per_km2.png"]
    assert all(p.parent == out and p.stat().st_size > 10_000 for p in written)
    assert territory_points(out / "territory_monthly.png")["ukmod 2025-03-01"] == 143


def test_report_reads_the_analyst_copy_and_writes_under_the_home_by_default(tmp_path: Path) -> None:
    home = tmp_path / "home"
    warehouse_with(home / "warehouse.duckdb", march_gain(203.0))
    warehouse_with(home / "analyst.duckdb", march_gain(210.0))
    result = bulletins("report", home=home)
    assert result.returncode == 0, result.stderr
    assert territory_points(home / "reports" / "territory_monthly.png") == {"isw 2025-03-01": 210.0}
    assert "210 square kilometers" in (home / "reports" / "report.html").read_text(encoding="utf-8")


def test_report_on_an_empty_or_missing_warehouse_exits_2_saying_to_run_the_demo(tmp_path: Path) -> None:
    missing = bulletins("report", home=tmp_path / "nothing-here")
    empty_home = tmp_path / "empty"
    with connect(empty_home / "warehouse.duckdb"):
        pass
    empty = bulletins("report", home=empty_home)
    for result in (missing, empty):
        assert result.returncode == 2
        assert len(result.stderr.strip().splitlines()) == 1
        assert "bulletins demo" in result.stderr
    assert "no figures" in empty.stderr
    assert not (empty_home / "reports").exists()


def test_stored_text_is_escaped_and_only_web_addresses_become_links(tmp_path: Path) -> None:
    hostile = march_gain(203.0, quote="Gained {:g} km2 <script>alert(1)</script>", url="javascript:alert(1)")
    with connect(warehouse_with(tmp_path / "w.duckdb", hostile), read_only=True) as con:
        files = build_report(con, tmp_path / "out")
    html = files.html.read_text(encoding="utf-8")
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html
    # A warehouse with territory figures only still draws the other charts, saying they are empty.
    assert html.count("no figures in the warehouse yet") == 4  # three casualty panels and the cost chart

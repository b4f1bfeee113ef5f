"""The on-call commands: `bulletins validate`, `bulletins quarantine` and `quarantine release`."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from flows.cli import main
from flows.pipeline import validate_observations
from tests.observations import genstaff_count
from warehouse.db import connect
from warehouse.load import LoadBatch, append_observations, load_batch, observations_frame

TODAY = date(2025, 7, 1)


def test_quarantine_lists_open_rows_and_release_loads_one_as_a_version(
    bulletins_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with connect(bulletins_home / "warehouse.duckdb") as con:
        append_observations(con, observations_frame([genstaff_count(date(2025, 3, 1), 880_000)]), "r0",
                            datetime.now(UTC) - timedelta(days=2))
        # A report below the previous one: quarantined (a feed error, or so it looks).
        batch = observations_frame([genstaff_count(date(2025, 3, 2), 879_000)])
        validated = validate_observations(batch, source="genstaff", today=TODAY, con=con)
        load_batch(con, LoadBatch(run_id="r1", source="genstaff", recorded_at=datetime.now(UTC),
                                  observations=validated.valid, quarantined=validated.quarantined))
        (quarantine_id,), = con.execute("SELECT quarantine_id FROM quarantine").fetchall()

    assert main(["quarantine"]) == 0
    listed = capsys.readouterr().out
    assert quarantine_id in listed and "879000" in listed and "previous_value=880000.0" in listed

    assert main(["quarantine", "release", quarantine_id, "--note", "the General Staff revised it"]) == 0
    assert "stored as version 1" in capsys.readouterr().out
    with connect(bulletins_home / "warehouse.duckdb") as con:
        stored = con.execute("SELECT value, run_id FROM observations WHERE period_end = '2025-03-02'").fetchall()
        released = con.execute("SELECT release_note, released_version FROM quarantine").fetchall()
        still_open = con.execute("SELECT count(*) FROM open_quarantine").fetchone()
    assert stored == [(879_000.0, f"release-{quarantine_id}")]
    assert released == [("the General Staff revised it", 1)]
    assert still_open == (0,)
    assert (bulletins_home / "analyst.duckdb").exists()  # readers see the released row

    assert main(["quarantine"]) == 0
    assert "no quarantined rows waiting for review" in capsys.readouterr().out
    assert main(["quarantine", "release", quarantine_id]) == 2
    assert "released already" in capsys.readouterr().err
    assert main(["quarantine", "release", "nosuchrow"]) == 2
    assert "no quarantined row 'nosuchrow'" in capsys.readouterr().err


def test_validate_rechecks_stored_rows_with_the_current_suite_and_changes_nothing(
    bulletins_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Rows stored before today's suite existed: one of them falls below the report before it.
    rows = [genstaff_count(date(2025, 3, 1), 880_000), genstaff_count(date(2025, 3, 2), 870_000),
            genstaff_count(date(2025, 3, 3), 882_500)]
    with connect(bulletins_home / "warehouse.duckdb") as con:
        append_observations(con, observations_frame(rows), "old-run", datetime.now(UTC))
        before = con.execute("SELECT * FROM observations ORDER BY period_end").fetchall()

    assert main(["validate", "--source", "genstaff"]) == 1
    out = capsys.readouterr().out
    assert "3 stored figures checked" in out and "1 fail a critical expectation" in out
    assert "previous_value" in out
    with connect(bulletins_home / "warehouse.duckdb") as con:
        assert con.execute("SELECT * FROM observations ORDER BY period_end").fetchall() == before
        recorded = con.execute("SELECT run_id, rows_checked, success FROM validation_results").fetchall()
    assert len(recorded) == 1 and recorded[0][0].startswith("validate-") and recorded[0][1:] == (3, False)

    assert main(["validate", "--source", "isw"]) == 2
    assert "no stored figures for source 'isw'" in capsys.readouterr().err


def quarantine_a_fall(home: Path, day: int) -> str:
    """A General Staff report below the one before it: quarantined by the suite (a feed error, or so it looks)."""
    with connect(home / "warehouse.duckdb") as con:
        append_observations(con, observations_frame([genstaff_count(date(2025, 3, day), 880_000)]), f"r{day}",
                            datetime.now(UTC) - timedelta(days=2))
        batch = observations_frame([genstaff_count(date(2025, 3, day + 1), 879_000)])
        validated = validate_observations(batch, source="genstaff", today=TODAY, con=con)
        load_batch(con, LoadBatch(run_id=f"q{day}", source="genstaff", recorded_at=datetime.now(UTC),
                                  observations=validated.valid, quarantined=validated.quarantined))
        (quarantine_id,), = con.execute("SELECT quarantine_id FROM quarantine WHERE period_end = ?",
                                        [date(2025, 3, day + 1)]).fetchall()
    return quarantine_id


def test_a_released_or_acknowledged_row_no_longer_fails_validate(
    bulletins_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    released, acknowledged = quarantine_a_fall(bulletins_home, 1), quarantine_a_fall(bulletins_home, 10)

    assert main(["validate", "--source", "genstaff"]) == 1
    assert "2 rows  waiting in quarantine for review" in capsys.readouterr().out

    assert main(["quarantine", "release", released, "--note", "the General Staff revised it"]) == 0
    with pytest.raises(SystemExit) as refused:  # a note is required
        main(["quarantine", "acknowledge", acknowledged])
    assert refused.value.code == 2 and "the following arguments are required: --note" in capsys.readouterr().err
    assert main(["quarantine", "acknowledge", acknowledged, "--note", "a typo; the next report has it right"]) == 0
    capsys.readouterr()

    # The released row is stored now and still falls below the day before: the person said it is right.
    assert main(["validate", "--source", "genstaff"]) == 0
    out = capsys.readouterr().out
    assert "0 fail a critical expectation" in out
    assert "1 row released or acknowledged after review not counted" in out
    assert "waiting in quarantine" not in out
    with connect(bulletins_home / "warehouse.duckdb") as con:
        closed = con.execute("SELECT acknowledge_note, acknowledged_by IS NOT NULL, released_at IS NULL "
                             "FROM quarantine WHERE quarantine_id = ?", [acknowledged]).fetchone()
        still_open = con.execute("SELECT count(*) FROM open_quarantine").fetchone()
    assert closed == ("a typo; the next report has it right", True, True) and still_open == (0,)
    assert main(["quarantine", "release", acknowledged]) == 2
    assert "was acknowledged" in capsys.readouterr().err


def test_quarantine_reads_the_analyst_copy_and_never_waits_for_the_writer(
    bulletins_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.holder import held_open
    from warehouse.analyst_copy import publish_analyst_copy

    quarantine_id = quarantine_a_fall(bulletins_home, 1)
    with connect(bulletins_home / "warehouse.duckdb") as con:
        publish_analyst_copy(con, bulletins_home / "warehouse.duckdb", bulletins_home / "analyst.duckdb")
    monkeypatch.setenv("BULLETINS_LOCK_TIMEOUT", "1")
    with held_open(bulletins_home / "warehouse.duckdb"):  # an ingest writing, say
        assert main(["quarantine"]) == 0
    assert quarantine_id in capsys.readouterr().out

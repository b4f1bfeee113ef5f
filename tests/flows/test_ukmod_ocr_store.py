"""An MoD image's OCR reading kept beside it in the raw store, and re-read from there without OCR or network."""

from __future__ import annotations

import dataclasses
import json
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

import extractors.ukmod as ukmod
from extractors.ukmod import ocr
from extractors.ukmod.ocr import OCR_SETTINGS, RecognisedText, tesseract_available, tesseract_version
from flows.archive_server import serve_handler
from flows.pipeline import ParseOutcome, parse_documents
from samples.ukmod.loopback import make_handler
from samples.ukmod.render import render_update_png
from warehouse.db import connect
from warehouse.raw_store import RawStore, StoredDocument, stored_documents

REPO = Path(__file__).resolve().parents[2]
IMAGES = REPO / "samples" / "ukmod" / "images"
TOKEN = "test-token"
RANGE = {"date_from": date(2022, 3, 1), "date_to": date(2025, 12, 31), "mode": "backfill"}

needs_tesseract = pytest.mark.skipif(
    not tesseract_available(), reason="tesseract is not on PATH (apt-get install -y tesseract-ocr)"
)


def put_image(store: RawStore, name: str, published: str) -> StoredDocument:
    return store.put((IMAGES / name).read_bytes(), source="ukmod", url=f"http://127.0.0.1/media/{name}",
                     headers={"Content-Type": "image/png"}, fetched_at=datetime.now(UTC), published=published)


def figures(outcome: ParseOutcome) -> set[tuple[str, float]]:
    return set(zip(outcome.frame["metric"], outcome.frame["value"], strict=True))


def test_raw_store_keeps_a_derived_file_beside_its_document_and_may_replace_it(tmp_path: Path) -> None:
    store = RawStore(tmp_path / "raw")
    document = store.put(b"an image", source="ukmod", url="http://127.0.0.1/a.png", headers={},
                         fetched_at=datetime.now(UTC))
    assert store.read_derived(document.sha256, "ocr.json") is None
    path = store.put_derived(document.sha256, "ocr.json", '{"text": "first"}')
    assert path == tmp_path / "raw" / f"{document.path}.ocr.json"
    store.put_derived(document.sha256, "ocr.json", b'{"text": "second"}')
    assert store.read_derived(document.sha256, "ocr.json") == b'{"text": "second"}'
    # Replaced by rename: no temp file is left beside them, and the body itself is untouched.
    assert sorted(p.name for p in path.parent.iterdir()) == [document.sha256, f"{document.sha256}.ocr.json"]
    assert store.read(document.sha256) == b"an image"


def test_raw_store_refuses_a_derived_file_with_no_document_or_a_name_that_is_a_path(tmp_path: Path) -> None:
    store = RawStore(tmp_path / "raw")
    with pytest.raises(FileNotFoundError, match="nothing to put beside"):
        store.put_derived("ab" * 32, "ocr.json", "{}")
    document = store.put(b"an image", source="ukmod", url="http://127.0.0.1/a.png", headers={},
                         fetched_at=datetime.now(UTC))
    for name in ("../ocr.json", "", ".hidden"):
        with pytest.raises(ValueError, match="must be a plain name"):
            store.put_derived(document.sha256, name, "{}")


def test_a_stored_reading_is_parsed_without_tesseract_and_an_image_without_one_waits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = RawStore(tmp_path / "raw")
    with_reading = put_image(store, "2025-04-05.png", "2025-04-05")
    without_reading = put_image(store, "2025-03-04.png", "2025-03-04")
    text_update = store.put(b"Russian forces likely gained 143 sq km of Ukrainian territory in March 2025.",
                            source="ukmod", url="http://127.0.0.1/update.txt", headers={},
                            fetched_at=datetime.now(UTC), published="2025-04-05")
    reading = RecognisedText(
        text="Russian forces likely gained 152 sq km of Ukrainian territory in March 2025.",
        raw_text="Russian forces likely gained 152sq km of Ukrainian territory in March 2025.",
        repairs=(ocr.Repair("glued_number", "152sq", "152 sq"),),
        engine="tesseract 5.3.0",
        settings=dict(OCR_SETTINGS),
        created_at=datetime(2025, 4, 5, 9, 0, tzinfo=UTC),
    )
    store.put_derived(with_reading.sha256, ukmod.RECOGNISED_TEXT_NAME, reading.to_json())
    monkeypatch.setenv("PATH", str(tmp_path))  # no tesseract on the PATH

    outcome = parse_documents(ukmod.DECLARATION, [with_reading, without_reading, text_update], store)

    # 152 is only in the stored reading (the image says 143): the stored text was parsed.
    assert outcome.frame["value"].tolist() == [152.0, 143.0]
    assert outcome.frame["url"].tolist() == [with_reading.url, text_update.url]
    assert [url for url, _ in outcome.kept_raw] == [without_reading.url]
    assert {sha for sha, _, _ in outcome.parsed} == {with_reading.sha256, text_update.sha256}
    # Nothing is derived from a text update or from an image that could not be read.
    assert store.read_derived(text_update.sha256, ukmod.RECOGNISED_TEXT_NAME) is None
    assert store.read_derived(without_reading.sha256, ukmod.RECOGNISED_TEXT_NAME) is None


@needs_tesseract
def test_a_reading_is_reused_while_current_and_made_again_when_stale_or_damaged(tmp_path: Path) -> None:
    store = RawStore(tmp_path / "raw")
    image = put_image(store, "2025-04-05.png", "2025-04-05")
    runs = ocr.tesseract_runs

    first = parse_documents(ukmod.DECLARATION, [image], store)
    assert ocr.tesseract_runs == runs + 1
    assert ("territory_gained", 143.0) in figures(first)
    stored = store.read_derived(image.sha256, ukmod.RECOGNISED_TEXT_NAME)
    assert stored is not None
    reading = ukmod.read_recognised(stored)
    assert "143 sq km" in reading.text and reading.engine == tesseract_version()

    # A parser upgrade re-reads the stored text (edited here so that its use shows), without OCR.
    edited = dataclasses.replace(reading, text=reading.text.replace("143 sq km", "151 sq km"))
    store.put_derived(image.sha256, ukmod.RECOGNISED_TEXT_NAME, edited.to_json())
    assert ("territory_gained", 151.0) in figures(parse_documents(ukmod.DECLARATION, [image], store))
    assert ocr.tesseract_runs == runs + 1

    # A reading made by another Tesseract is made again, and replaced.
    older_engine = dataclasses.replace(edited, engine="tesseract 4.1.1")
    store.put_derived(image.sha256, ukmod.RECOGNISED_TEXT_NAME, older_engine.to_json())
    assert ("territory_gained", 143.0) in figures(parse_documents(ukmod.DECLARATION, [image], store))
    assert ocr.tesseract_runs == runs + 2
    renewed = ukmod.read_recognised(store.read_derived(image.sha256, ukmod.RECOGNISED_TEXT_NAME) or b"")
    assert (renewed.engine, "143 sq km" in renewed.text) == (tesseract_version(), True)

    # A damaged file is no reading: the image is read again.
    store.put_derived(image.sha256, ukmod.RECOGNISED_TEXT_NAME, b'{"text": ')
    assert ("territory_gained", 143.0) in figures(parse_documents(ukmod.DECLARATION, [image], store))
    assert ocr.tesseract_runs == runs + 3


@needs_tesseract
def test_ingest_keeps_each_image_reading_and_a_reread_after_a_parser_upgrade_needs_no_ocr_or_network(
    prefect_harness: None, bulletins_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.ingest import ingest, process_batch
    from flows.settings import Settings

    # The demo archive, with one image printed with OCR damage ("perday") to see the repair kept.
    archive = tmp_path / "archive"
    shutil.copytree(REPO / "samples" / "ukmod", archive, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    damaged = (IMAGES / "2024-10-07.txt").read_text(encoding="utf-8").replace("casualties per day", "casualties perday")
    (archive / "images" / "2024-10-07.png").write_bytes(render_update_png(damaged))
    monkeypatch.setenv("BULLETINS_UKMOD_X_BEARER_TOKEN", TOKEN)
    with serve_handler(make_handler(archive, bearer_token=TOKEN)) as url:
        monkeypatch.setenv("BULLETINS_UKMOD_X_API_URL", url)
        assert ingest(source="ukmod", **RANGE).status.startswith("completed")

    settings = Settings.from_env(sources=["ukmod"])
    with connect(settings.warehouse_path) as con:
        images = con.execute(
            "SELECT url, sha256, path FROM raw_documents WHERE content_type LIKE 'image/%' ORDER BY url"
        ).fetchall()
    by_name = {url.rsplit("/", 1)[1]: (sha, path) for url, sha, path in images}
    assert sorted(by_name) == ["2024-10-07.png", "2025-03-04.png", "2025-04-05.png"]
    readings = {
        name: json.loads((settings.raw_dir / f"{path}.ocr.json").read_text(encoding="utf-8"))
        for name, (_, path) in by_name.items()
    }
    assert len(list(settings.raw_dir.rglob("*.ocr.json"))) == 3  # beside images only, not timeline pages
    assert "1,271 casualties per day" in readings["2024-10-07.png"]["text"]
    assert "perday" in readings["2024-10-07.png"]["raw_text"]
    assert readings["2024-10-07.png"]["repairs"] == [{"kind": "glued_words", "before": "perday", "after": "per day"}]
    assert "143 sq km" in readings["2025-04-05.png"]["text"] and readings["2025-04-05.png"]["repairs"] == []
    assert {r["engine"] for r in readings.values()} == {tesseract_version()}
    assert all(datetime.fromisoformat(r["created_at"]).tzinfo is not None for r in readings.values())

    # A parser upgrade: the image updates are no longer read by the current parser. Their stored
    # text is edited where a re-read from it shows (143 -> 151 sq km), and one reading is made stale.
    march = settings.raw_dir / f"{by_name['2025-04-05.png'][1]}.ocr.json"
    readings["2025-04-05.png"]["text"] = readings["2025-04-05.png"]["text"].replace("143 sq km", "151 sq km")
    march.write_text(json.dumps(readings["2025-04-05.png"]), encoding="utf-8")
    stale_reading = settings.raw_dir / f"{by_name['2025-03-04.png'][1]}.ocr.json"
    stale_reading.write_text(json.dumps({**readings["2025-03-04.png"], "engine": "tesseract 4.1.1"}), encoding="utf-8")
    image_shas = [sha for sha, _ in by_name.values()]
    with connect(settings.warehouse_path) as con:
        con.execute("DELETE FROM parsed_documents WHERE list_contains(?, sha256)", [image_shas])
        unread = stored_documents(con, "ukmod", unparsed_by=ukmod.PARSER_VERSION)
    assert sorted(d.sha256 for d in unread) == sorted(image_shas)

    # The re-read ingest runs for stored documents, with the server gone: no network to be had.
    runs = ocr.tesseract_runs
    counts = process_batch("ukmod", settings, [], "re-read-after-parser-upgrade", unread).counts

    assert ocr.tesseract_runs == runs + 1  # only the stale reading (4 March 2025) was made again
    assert json.loads(stale_reading.read_text(encoding="utf-8"))["engine"] == tesseract_version()
    assert (counts["documents_kept_raw"], counts["documents_fetched"], counts["rows_appended"]) == (0, 0, 1)
    with connect(settings.warehouse_path) as con:
        march_gain = con.execute(
            "SELECT value, version FROM observations_latest "
            "WHERE metric = 'territory_gained' AND period_start = DATE '2025-03-01'"
        ).fetchall()
        reread = con.execute(
            "SELECT count(*) FROM parsed_documents WHERE parser_version = ? AND list_contains(?, sha256)",
            [ukmod.PARSER_VERSION, image_shas],
        ).fetchone()
    assert march_gain == [(151.0, 2)]
    assert reread == (3,)

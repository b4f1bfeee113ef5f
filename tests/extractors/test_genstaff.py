"""The genstaff source: parsing API v2 responses built from the real 2024-2025 counts, discovery
against a loopback API server, and the two derived SQL views over a real DuckDB file."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import duckdb
import pytest

from extractors import genstaff
from extractors.http import HttpClient
from extractors.observation import OBSERVATION_FIELDS, Observation
from samples.genstaff.api import (
    DATA_DIR,
    EQUIPMENT_FILE,
    PERSONNEL_FILE,
    api_response,
    load_days,
    make_handler,
)

SQL_DIR = Path(__file__).resolve().parents[2] / "warehouse" / "sql"
Days = list[dict[str, Any]]


@pytest.fixture(scope="module")
def days() -> Days:
    return load_days(DATA_DIR)


def raw_rows(file_name: str) -> dict[str, dict[str, Any]]:
    return {row["date"]: row for row in json.loads((DATA_DIR / file_name).read_text())}


def body_of(path_and_query: str, days: Days) -> bytes:
    status, body = api_response(path_and_query, days)
    assert status == 200, body
    return body


def by_metric(observations: list[Observation], report_date: date) -> dict[str, Observation]:
    return {o.metric: o for o in observations if o.period_end == report_date}


# --- parse -------------------------------------------------------------------------------------


def test_parse_a_day_in_the_real_api_shape() -> None:
    # Our own document in the shape of the real day-222 response (escaped slashes included).
    body = (
        b'{"message":"The data were fetched successfully.","data":{"date":"2022-10-03","day":222,'
        b'"resource":"https:\\/\\/www.facebook.com\\/MinistryofDefence.UA\\/posts\\/x",'
        b'"stats":{"personnel_units":60430,"tanks":2380,"armoured_fighting_vehicles":4991,'
        b'"planes":265,"atgm_srbm_systems":4},"increase":{"personnel_units":320,"tanks":3}}}'
    )
    observations = genstaff.parse(body, url="https://russianwarship.rip/api/v2/statistics/2022-10-03", sha256="ab")
    found = by_metric(observations, date(2022, 10, 3))
    assert sorted(found) == [
        "armoured_fighting_vehicles_cumulative",
        "atgm_srbm_systems_cumulative",
        "personnel_cumulative",
        "planes_cumulative",
        "tanks_cumulative",
    ]
    personnel = found["personnel_cumulative"]
    assert (personnel.value, personnel.unit, personnel.qualifier) == (60430.0, "persons", "exact")
    assert (personnel.period_start, personnel.published_at) == (date(2022, 2, 24), date(2022, 10, 3))
    assert personnel.quote == "General Staff report of 2022-10-03: personnel_units 60,430"
    assert (personnel.source, personnel.subject, personnel.assessment) == ("genstaff", "RU", "assessed")
    assert personnel.url == "https://russianwarship.rip/api/v2/statistics/2022-10-03"
    assert (personnel.document_sha256, personnel.parser_version) == ("ab", "genstaff-1")
    assert (found["tanks_cumulative"].value, found["tanks_cumulative"].unit) == (2380.0, "count")


def test_parse_a_day_built_from_the_real_data(days: Days) -> None:
    observations = genstaff.parse(body_of("/api/v2/statistics/2024-09-01", days))
    equipment = raw_rows(EQUIPMENT_FILE)["2024-09-01"]
    found = by_metric(observations, date(2024, 9, 1))
    assert len(observations) == 14  # 13 equipment columns + personnel; the data has no ATGM/SRBM
    assert found["personnel_cumulative"].value == 616300.0
    assert found["tanks_cumulative"].value == equipment["tank"]
    assert found["planes_cumulative"].value == equipment["aircraft"]
    assert found["armoured_fighting_vehicles_cumulative"].value == equipment["APC"]
    assert found["submarines_cumulative"].value == equipment["submarines"]


def test_parse_a_listing_page(days: Days) -> None:
    body = body_of("/api/v2/statistics?offset=0&limit=3&date_from=2024-12-30&date_to=2025-01-01", days)
    observations = genstaff.parse(body)
    personnel = {o.period_end: o.value for o in observations if o.metric == "personnel_cumulative"}
    expected = raw_rows(PERSONNEL_FILE)
    assert personnel == {
        date(2024, 12, 30): expected["2024-12-30"]["personnel"],
        date(2024, 12, 31): expected["2024-12-31"]["personnel"],
        date(2025, 1, 1): 790800.0,
    }
    assert len(observations) == 3 * 14
    assert all(o.published_at == o.period_end for o in observations)


def test_dataset_fields_are_mapped_to_api_names(days: Days) -> None:
    second = next(day for day in days if day["date"] == "2024-01-02")
    equipment = raw_rows(EQUIPMENT_FILE)["2024-01-02"]
    assert second["stats"]["personnel_units"] == 360820
    assert second["stats"]["planes"] == equipment["aircraft"]
    assert second["stats"]["armoured_fighting_vehicles"] == equipment["APC"]
    assert second["stats"]["uav_systems"] == equipment["drone"]
    assert second["increase"]["personnel_units"] == 360820 - 360010
    assert days[0]["increase"]["personnel_units"] is None  # no 2023-12-31 in the data
    assert genstaff.metric_for("personnel_units") == "personnel_cumulative"
    assert genstaff.metric_for("Ballistic Missiles") == "ballistic_missiles_cumulative"


def day_body(stats: dict[str, Any], report_date: str = "2025-03-01") -> bytes:
    return json.dumps({"message": "ok", "data": {"date": report_date, "day": 1101, "stats": stats}}).encode()


def test_an_unknown_field_is_loaded_and_reported(caplog: pytest.LogCaptureFixture) -> None:
    body = day_body({"personnel_units": 880000, "ballistic_missiles": 12})
    with caplog.at_level(logging.WARNING, logger="extractors.genstaff"):
        found = by_metric(genstaff.parse(body), date(2025, 3, 1))
    assert (found["ballistic_missiles_cumulative"].value, found["ballistic_missiles_cumulative"].unit) == (
        12.0,
        "count",
    )
    assert genstaff.unknown_stats_fields(body) == ["ballistic_missiles"]
    assert "ballistic_missiles" in caplog.text


def test_a_null_or_non_numeric_value_is_not_read_but_kept_for_review() -> None:
    body = day_body({"personnel_units": 880000, "planes": None, "tanks": "n/a", "mlrs": True, "helicopters": 340,
                     "artillery_systems": int("9" * 400)})  # a 400-digit count: no float holds it
    reading = genstaff.read(body, url="http://127.0.0.1/day", sha256="ab")
    found = by_metric(reading.observations, date(2025, 3, 1))
    assert sorted(found) == ["helicopters_cumulative", "personnel_cumulative"]
    unread = {u.metric: u for u in reading.unread}
    assert sorted(unread) == ["artillery_systems_cumulative", "mlrs_cumulative", "planes_cumulative",
                              "tanks_cumulative"]
    assert unread["tanks_cumulative"].reason == "data.stats.tanks is not a count: 'n/a'"
    assert unread["tanks_cumulative"].quote == "General Staff report of 2025-03-01: tanks 'n/a'"
    assert (unread["planes_cumulative"].published_at, unread["planes_cumulative"].url) == (
        date(2025, 3, 1), "http://127.0.0.1/day")
    assert reading.coverage == 2 / 6
    assert genstaff.parse(body, url="http://127.0.0.1/day", sha256="ab") == reading.observations


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "not JSON"),
        (b'{"message": "Not found"}', "no 'data' object \\(message: 'Not found'\\)"),
        (b'{"message": "x", "data": null}', "no 'data' object"),
        (b'{"data": {"records": [{"date": "2025-01-01", "stats": {}}, {"stats": {}}]}}', r"records\[1\] has no 'date'"),
        (b'{"data": {"date": "01/03/2025", "stats": {}}}', "not YYYY-MM-DD"),
        (b'{"data": {"date": "2025-03-01", "stats": [1, 2]}}', "no 'stats' object"),
        (b"<!doctype html><html><body>Just a moment...</body></html>", "not JSON"),
        (b'{"data": ' * 5000 + b"{}" + b"}" * 5000, "nests JSON too deep"),
        (b'{"data": {"date": "2025-03-01", "stats": {"tanks": ' + b"9" * 5000 + b"}}}", "not usable JSON"),
    ],
)
def test_malformed_documents_raise_naming_what_is_missing(body: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        genstaff.parse(body)


# --- discover on a loopback server -------------------------------------------------------------

Answer = Callable[[str], tuple[int, bytes]]


@pytest.fixture
def serve() -> Iterator[Callable[[Days], tuple[str, list[str]]]]:
    """Start a loopback API for some days; returns (base_url, the request paths it saw)."""
    servers: list[ThreadingHTTPServer] = []

    def start(served_days: Days) -> tuple[str, list[str]]:
        seen: list[str] = []

        class Recording(make_handler(served_days)):  # type: ignore[misc]
            def do_GET(self) -> None:
                seen.append(self.path)
                super().do_GET()

        server = ThreadingHTTPServer(("127.0.0.1", 0), Recording)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}", seen

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def client() -> Iterator[HttpClient]:
    with HttpClient(allowed_hosts={"127.0.0.1"}, max_attempts=1) as http_client:
        yield http_client


def personnel_dates(pages: list[Any]) -> list[date]:
    return sorted(
        o.period_end for page in pages for o in genstaff.parse(page.body) if o.metric == "personnel_cumulative"
    )


def test_discover_asks_only_for_days_after_since_and_follows_next_url(
    days: Days, serve: Any, client: HttpClient
) -> None:
    base_url, seen = serve(days)
    since = datetime(2024, 8, 31, 9, 0, tzinfo=UTC)
    pages = genstaff.discover(client, base_url, since=since, date_to=date(2024, 12, 31))

    assert len(pages) == 3  # 122 days, 50 a page
    queries = [parse_qs(urlsplit(path).query) for path in seen]
    assert [q["offset"] for q in queries] == [["0"], ["50"], ["100"]]
    assert all(q["date_from"] == ["2024-09-01"] and q["date_to"] == ["2024-12-31"] for q in queries)
    # The API's next_url names russianwarship.rip; discovery moved it onto the loopback host.
    assert all(page.url.startswith(base_url) for page in pages)
    assert all(page.body and page.headers.get("content-type") == "application/json" for page in pages)
    assert pages[0].published == date(2024, 12, 31)  # newest first
    assert personnel_dates(pages) == [date(2024, 9, 1) + timedelta(days=n) for n in range(122)]


def test_discover_backfill_range_is_inclusive_and_an_up_to_date_store_asks_nothing(
    days: Days, serve: Any, client: HttpClient
) -> None:
    base_url, seen = serve(days)
    pages = genstaff.discover(client, base_url, date_from=date(2025, 7, 1), date_to=date(2025, 7, 3))
    assert personnel_dates(pages) == [date(2025, 7, 1), date(2025, 7, 2), date(2025, 7, 3)]
    seen.clear()
    since = datetime(2025, 7, 3, tzinfo=UTC)
    assert genstaff.discover(client, base_url, since=since, date_to=date(2025, 7, 3)) == []
    assert seen == []


def test_discover_stops_at_a_repeated_next_url(
    days: Days, client: HttpClient, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[str] = []

    class LoopingHandler(make_handler(days)):  # type: ignore[misc]
        def do_GET(self) -> None:
            seen.append(self.path)
            status, body = api_response(self.path, days)
            document = json.loads(body)
            # Page 2 points back to page 1: a broken server must not keep us walking in circles.
            if "offset=50" in self.path:
                document["data"]["paging"]["next_url"] = seen[0]
            payload = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", 0), LoopingHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base_url = f"http://127.0.0.1:{server.server_address[1]}"
        pages = genstaff.discover(client, base_url, date_from=date(2024, 1, 1), date_to=date(2024, 12, 31))
    finally:
        server.shutdown()
        server.server_close()
    assert len(pages) == 2
    assert len(seen) == 2
    assert "next_url repeats" in caplog.text


def test_a_field_appearing_mid_range_needs_no_code_change(days: Days, serve: Any, client: HttpClient) -> None:
    first_with_submarines = "2024-11-15"
    served = [
        day
        if day["date"] >= first_with_submarines
        else {**day, "stats": {k: v for k, v in day["stats"].items() if k != "submarines"}}
        for day in days
    ]
    base_url, _ = serve(served)
    pages = genstaff.discover(client, base_url, date_from=date(2024, 11, 1), date_to=date(2024, 11, 30))
    observations = [o for page in pages for o in genstaff.parse(page.body)]
    submarine_dates = {o.period_end for o in observations if o.metric == "submarines_cumulative"}
    tank_dates = {o.period_end for o in observations if o.metric == "tanks_cumulative"}
    assert submarine_dates == {date(2024, 11, 15) + timedelta(days=n) for n in range(16)}
    assert len(tank_dates) == 30


def test_discover_without_dates_names_latest_and_latest_is_the_last_day(
    days: Days, serve: Any, client: HttpClient
) -> None:
    base_url, seen = serve(days)
    [ref] = genstaff.discover(client, base_url)
    assert ref.url == f"{base_url}/api/v2/statistics/latest" and ref.body is None
    assert seen == []  # the flow fetches it, with its conditional GET
    fetched = client.get(ref.url)
    found = by_metric(genstaff.parse(fetched.body or b""), date(2025, 12, 31))
    assert found["personnel_cumulative"].value == raw_rows(PERSONNEL_FILE)["2025-12-31"]["personnel"]
    with pytest.raises(ValueError, match="date_to needs since or date_from"):
        genstaff.discover(client, base_url, date_to=date(2025, 1, 1))


# --- the derived views over a real DuckDB file -------------------------------------------------


@pytest.fixture
def warehouse(tmp_path: Path, days: Days) -> Iterator[duckdb.DuckDBPyConnection]:
    """A minimal `observations_latest` TABLE holding the real personnel series, plus the views."""
    con = duckdb.connect(str(tmp_path / "views.duckdb"))
    con.execute(
        """CREATE TABLE observations_latest (
            source VARCHAR, metric VARCHAR, subject VARCHAR, period_start DATE, period_end DATE,
            value DOUBLE, value_low DOUBLE, value_high DOUBLE, unit VARCHAR, qualifier VARCHAR,
            confidence VARCHAR, assessment VARCHAR, quote VARCHAR, published_at DATE, url VARCHAR,
            document_sha256 VARCHAR, parser_version VARCHAR,
            version INTEGER, recorded_at TIMESTAMPTZ, run_id VARCHAR)"""
    )
    everything = json.dumps({"message": "ok", "data": {"records": days, "paging": {}}}).encode()
    insert(con, [o for o in genstaff.parse(everything) if o.metric == "personnel_cumulative"])
    for view in ("genstaff_monthly_casualties.sql", "casualties_per_km2.sql"):
        con.execute((SQL_DIR / view).read_text())
    yield con
    con.close()


def insert(con: duckdb.DuckDBPyConnection, observations: list[Observation]) -> None:
    columns = ", ".join(OBSERVATION_FIELDS)
    marks = ", ".join("?" for _ in OBSERVATION_FIELDS)
    rows = [[getattr(o, name) for name in OBSERVATION_FIELDS] for o in observations]
    con.executemany(
        f"INSERT INTO observations_latest ({columns}, version, recorded_at, run_id) "
        f"VALUES ({marks}, 1, now(), 'test-run')",
        rows,
    )


def test_monthly_casualties_under_both_conventions(warehouse: duckdb.DuckDBPyConnection) -> None:
    rows = warehouse.execute(
        """SELECT strftime(month, '%Y-%m'), round(mod_daily_avg, 1), mod_open_personnel, mod_close_personnel,
                  isw_casualties
           FROM genstaff_monthly_casualties
           WHERE month IN ('2024-09-01', '2024-12-01', '2025-05-01', '2025-07-01') ORDER BY month"""
    ).fetchall()
    assert [row[:2] for row in rows] == [
        ("2024-09", 1271.0),
        ("2024-12", 1570.0),
        ("2025-05", 1141.0),
        ("2025-07", 1071.6),
    ]
    assert rows[0][2:4] == (616300.0, 654430.0)  # reports of 2024-09-01 and 2024-10-01
    assert rows[2][4] == 35370.0  # May 2025 under ISW's convention: 31 May minus 30 April
    # Months at the edge of the data lack a report: NULL, not a guess.
    edges = warehouse.execute(
        """SELECT isw_casualties, mod_casualties FROM genstaff_monthly_casualties
           WHERE month IN ('2024-01-01', '2025-12-01') ORDER BY month"""
    ).fetchall()
    assert edges[0][0] is None and edges[0][1] is not None
    assert edges[1][1] is None and edges[1][0] is not None


def territory(source: str, start: date, end: date, km2: float) -> Observation:
    return Observation(
        source=source,
        metric="territory_gained",
        period_start=start,
        period_end=end,
        value=km2,
        unit="km2",
        quote=f"test figure: {km2} km2",
        published_at=end + timedelta(days=1),
        parser_version="test",
    )


def test_casualties_per_km2_pairs_each_source_with_its_convention(warehouse: duckdb.DuckDBPyConnection) -> None:
    insert(
        warehouse,
        [
            territory("isw", date(2025, 5, 1), date(2025, 5, 31), 499.28),
            territory("ukmod", date(2025, 3, 1), date(2025, 3, 31), 143.0),
            territory("isw", date(2024, 11, 1), date(2025, 3, 31), 574.0),  # not one calendar month
        ],
    )
    rows = warehouse.execute(
        """SELECT strftime(month, '%Y-%m'), pairing, casualties_convention, genstaff_casualties, km2_gained,
                  round(casualties_per_km2, 1)
           FROM casualties_per_km2 ORDER BY month"""
    ).fetchall()
    march_mod = warehouse.execute(
        "SELECT mod_casualties FROM genstaff_monthly_casualties WHERE month = '2025-03-01'"
    ).fetchone()
    assert march_mod is not None
    assert rows == [
        ("2025-03", "genstaff/ukmod", "mod", march_mod[0], 143.0, round(march_mod[0] / 143.0, 1)),
        ("2025-05", "genstaff/isw", "isw", 35370.0, 499.28, 70.8),
    ]

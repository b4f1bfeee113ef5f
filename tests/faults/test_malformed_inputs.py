"""Fault matrix, malformed-input rows: what upstream sends that is not what it should be.

Each source gets the bad documents of issue 11 item 3 and the classic parser attacks, through its
real HTTP path: the General Staff API (a 400-digit number, JSON nested thousands deep, HTML where
JSON belongs, NUL bytes, bytes that are not UTF-8), the X API (`"includes": []`, `created_at` as an
object), the ISW sitemap (an unknown encoding, an entity bomb, an external entity) and reports
(not UTF-8, NUL bytes). Whatever comes, the run ends in a state of its own with the problem named
(never an exception escaping the flow), the rest loads, and a clean re-run converges.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import duckdb
import pytest

from flows.archive_server import serve_handler
from samples.genstaff.api import api_response, load_days
from tests.faults.conftest import ingest_isw
from tests.faults.harness import Fault, FaultyArchive, Figures, figures, judge

UNHANDLED = "Flow run encountered an exception"


def _anomalies(home: Path) -> list[tuple[str, str]]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute("SELECT check_name, detail FROM anomalies ORDER BY detected_at").fetchall()


def _row(name: str, test: str, what: str, baseline: Figures, home: Path, faulted: Any, clean: Callable[[], Any],
         after: Figures) -> None:
    again = clean()
    final = figures(home)
    anomalies = _anomalies(home)
    verdict = judge(name, test, what, baseline, after, final, first_state=faulted.name, anomalies=len(anomalies))
    assert not (faulted.message or "").startswith(UNHANDLED), faulted.message  # handled, in one line
    assert "\n" not in (faulted.message or "")
    assert (verdict.lost, verdict.duplicated, verdict.converged) == (0, 0, True), verdict
    assert not again.is_failed(), again.message


# -- General Staff ---------------------------------------------------------------------------------

GENSTAFF_DAYS = [day for day in load_days() if "2025-03-01" <= day["date"] <= "2025-03-05"]
GENSTAFF_RANGE = {"date_from": date(2025, 3, 1), "date_to": date(2025, 3, 5), "mode": "backfill"}


def _listing_with(mangle: Callable[[str], bytes]) -> Callable[[str], tuple[int, dict[str, str], bytes]]:
    def answer(path: str) -> tuple[int, dict[str, str], bytes]:
        status, body = api_response(path, GENSTAFF_DAYS)
        if urlsplit(path).path.rstrip("/") == "/api/v2/statistics":
            return status, {"Content-Type": "application/json"}, mangle(body.decode("utf-8"))
        return status, {"Content-Type": "application/json"}, body
    return answer


def _big_number(text: str) -> bytes:
    document = json.loads(text)
    document["data"]["records"][1]["stats"]["tanks"] = 10**400
    return json.dumps(document).encode()


def _deep(text: str) -> bytes:
    document = json.loads(text)
    document["data"]["records"][1]["stats"] = "DEEP"
    return json.dumps(document).replace('"DEEP"', "[" * 5000 + "]" * 5000).encode()


GENSTAFF_FAULTS: dict[str, Callable[[str], bytes]] = {
    "400-digit number in General Staff JSON": _big_number,
    "JSON nested 5,000 deep": _deep,
    "HTML where JSON is expected": lambda _text: b"<!doctype html><html><body><h1>502 Bad Gateway</h1></body></html>",
    "NUL bytes in JSON": lambda text: text.replace('"tanks"', '"tan\x00ks"', 1).encode(),
    "JSON that is not UTF-8": lambda text: text.encode().replace(b"fetched", b"fetch\xff\xfed", 1),
}


class _Switchable:
    """A loopback API whose answers go through `mangle` until it is switched off."""

    def __init__(self, clean: Callable[[str], tuple[int, dict[str, str], bytes]]) -> None:
        self.clean, self.answer = clean, clean

    def handler(self) -> type[BaseHTTPRequestHandler]:
        switch = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, headers, body = switch.answer(self.path)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler


@contextmanager
def _genstaff_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Switchable]:
    clean = _listing_with(lambda text: text.encode())
    api = _Switchable(clean)
    with serve_handler(api.handler()) as url:
        monkeypatch.setenv("BULLETINS_GENSTAFF_BASE_URL", url)
        yield api


def _ingest(source: str, **changes: Any) -> Any:
    from flows.ingest import ingest

    return ingest(source=source, **changes, return_state=True)


@pytest.fixture(scope="module")
def genstaff_baseline(prefect_harness: None, tmp_path_factory: pytest.TempPathFactory) -> Figures:
    home = tmp_path_factory.mktemp("genstaff-baseline") / "home"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BULLETINS_HOME", str(home))
        with _genstaff_api(patch):
            state = _ingest("genstaff", **GENSTAFF_RANGE)
    assert not state.is_failed(), state.message
    found = figures(home)
    assert len(found.latest) >= 5 * 10
    return found


@pytest.mark.parametrize("name", list(GENSTAFF_FAULTS))
def test_a_malformed_general_staff_page_is_an_anomaly_not_a_crash(
    genstaff_baseline: Figures, home: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    with _genstaff_api(monkeypatch) as api:
        api.answer = _listing_with(GENSTAFF_FAULTS[name])
        faulted = _ingest("genstaff", **GENSTAFF_RANGE)
        after = figures(home)
        api.answer = api.clean
        _row(name, "test_a_malformed_general_staff_page_is_an_anomaly_not_a_crash",
             "the page is an anomaly with its reason; the run fails in one line", genstaff_baseline, home, faulted,
             lambda: _ingest("genstaff", **GENSTAFF_RANGE), after)
    assert _anomalies(home), "the malformed page must be named in `anomalies`"


# -- UK MoD, X API ---------------------------------------------------------------------------------

TOKEN = "matrix-token"
MOD_RANGE = {"date_from": date(2024, 1, 1), "date_to": date(2025, 12, 31), "mode": "backfill"}
MOD_POSTS = [
    {"id": "1901", "created_at": "2025-05-04T07:30:00.000Z",
     "text": "Latest Defence Intelligence update on the situation in Ukraine – 04 May 2025.\n\nRussia has highly "
             "likely suffered approximately 950,000 casualties since the start of the invasion."},
    {"id": "1801", "created_at": "2024-05-01T07:30:00.000Z",
     "text": "Latest Defence Intelligence update on the situation in Ukraine – 01 May 2024.\n\nIn April 2024 "
             "Russian casualties averaged approximately 899 per day."},
]


def _x_api(mangle: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[[str], tuple[int, dict[str, str], bytes]]:
    def answer(path: str) -> tuple[int, dict[str, str], bytes]:
        route = urlsplit(path).path
        headers = {"Content-Type": "application/json"}
        if route == "/2/users/by/username/DefenceHQ":
            return 200, headers, json.dumps({"data": {"id": "42", "name": "Ministry of Defence",
                                                      "username": "DefenceHQ"}}).encode()
        if route == "/2/users/42/tweets":
            page = {"data": [dict(post) for post in MOD_POSTS], "meta": {"result_count": len(MOD_POSTS)}}
            return 200, headers, json.dumps(mangle(page)).encode()
        return 404, headers, b'{"title": "Not Found Error"}'
    return answer


def _empty_includes(page: dict[str, Any]) -> dict[str, Any]:
    return {**page, "includes": []}


def _created_at_object(page: dict[str, Any]) -> dict[str, Any]:
    page["data"][1]["created_at"] = {"date": "2024-05-01", "time": "07:30"}
    return page


MOD_FAULTS = {'X API "includes": []': _empty_includes, "X API created_at as an object": _created_at_object}


@contextmanager
def _mod_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Switchable]:
    api = _Switchable(_x_api(lambda page: page))
    with serve_handler(api.handler()) as url:
        monkeypatch.setenv("BULLETINS_UKMOD_X_API_URL", url)
        monkeypatch.setenv("BULLETINS_UKMOD_X_BEARER_TOKEN", TOKEN)
        monkeypatch.delenv("BULLETINS_UKMOD_RSS_URL", raising=False)
        yield api


@pytest.fixture(scope="module")
def mod_baseline(prefect_harness: None, tmp_path_factory: pytest.TempPathFactory) -> Figures:
    home = tmp_path_factory.mktemp("mod-baseline") / "home"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BULLETINS_HOME", str(home))
        with _mod_api(patch):
            state = _ingest("ukmod", **MOD_RANGE)
    assert not state.is_failed(), state.message
    found = figures(home)
    assert len(found.latest) >= 2
    return found


@pytest.mark.parametrize("name", list(MOD_FAULTS))
def test_a_malformed_x_api_page_is_an_anomaly_not_a_crash(
    mod_baseline: Figures, home: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    with _mod_api(monkeypatch) as api:
        api.answer = _x_api(MOD_FAULTS[name])
        faulted = _ingest("ukmod", **MOD_RANGE)
        after = figures(home)
        api.answer = api.clean
        _row(name, "test_a_malformed_x_api_page_is_an_anomaly_not_a_crash",
             "named in an anomaly; the posts that can be read load", mod_baseline, home, faulted,
             lambda: _ingest("ukmod", **MOD_RANGE), after)


# -- ISW: sitemaps and reports ------------------------------------------------------------------------

BOMB = (b'<?xml version="1.0"?>\n<!DOCTYPE urlset [<!ENTITY a "aaaaaaaaaa">'
        + b"".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode() for i in range(8))
        + b']>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&i;</loc></url></urlset>\n')
EXTERNAL = (b'<?xml version="1.0"?>\n<!DOCTYPE urlset [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
            b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&secret;</loc></url></urlset>\n')


def _sitemap_faults(archive: FaultyArchive) -> dict[str, bytes]:
    sitemap = archive.file_for("/post-sitemap.xml")
    return {
        "sitemap with an unknown encoding": sitemap.replace(b'encoding="UTF-8"', b'encoding="x-no-such-charset"'),
        "entity bomb in a sitemap": BOMB,
        "external entity in a sitemap": EXTERNAL,
    }


@pytest.mark.parametrize("name", ["sitemap with an unknown encoding", "entity bomb in a sitemap",
                                  "external entity in a sitemap"])
def test_a_hostile_or_broken_sitemap_is_refused_and_named(
    baseline: Figures, home: Path, archive: FaultyArchive, name: str
) -> None:
    archive.fail("/post-sitemap.xml", always=Fault("status", 200, {"Content-Type": "application/xml"},
                                                   _sitemap_faults(archive)[name]))
    faulted = ingest_isw()
    after = figures(home)
    archive.clear()
    _row(name, "test_a_hostile_or_broken_sitemap_is_refused_and_named",
         "refused without expanding anything; named; nothing stored is touched", baseline, home, faulted,
         ingest_isw, after)
    assert "root:" not in json.dumps(_anomalies(home))  # /etc/passwd was never read


@pytest.mark.parametrize(("name", "mangle"), [
    ("report that is not UTF-8", lambda body: body.replace(b"Fighting continued", b"Fighting \xff\xfe continued")),
    ("NUL bytes in a report", lambda body: body.replace(b"Fighting continued", b"Fighting\x00\x00 continued")),
])
def test_a_report_with_bad_bytes_is_read_or_named_never_a_crash(
    baseline: Figures, home: Path, archive: FaultyArchive, name: str, mangle: Callable[[bytes], bytes],
) -> None:
    target = next(row[-1] for row in sorted(baseline.latest) if "march-3-2025" in row[-1])
    archive.fail(target, always=Fault("status", 200, {"Content-Type": "text/html; charset=utf-8"},
                                      mangle(archive.file_for(target))))
    faulted = ingest_isw()
    after = figures(home)
    archive.clear()
    _row(name, "test_a_report_with_bad_bytes_is_read_or_named_never_a_crash",
         "read around the bad bytes (or named); the rest loads", baseline, home, faulted, ingest_isw, after)
    assert not faulted.is_failed(), faulted.message

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
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import duckdb
import pytest

from flows.archive_server import serve_handler
from samples.genstaff.api import api_response, load_days
from tests.faults.conftest import environment, ingest_isw, report_paths
from tests.faults.harness import Fault, FaultyArchive, Figures, figures, judge

UNHANDLED = "Flow run encountered an exception"


def _anomalies(home: Path) -> list[tuple[str, str]]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute("SELECT check_name, detail FROM anomalies ORDER BY detected_at").fetchall()


@dataclass
class Sequence:
    """Faulted runs one after another on one home, each snapshot kept, then one clean re-run."""

    home: Path
    states: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Figures] = field(default_factory=dict)
    anomalies: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    rerun: Any = None
    final: Figures | None = None

    def faulted(self, name: str, run: Callable[[], Any]) -> None:
        self.states[name] = run()
        self.after[name] = figures(self.home)
        self.anomalies[name] = _anomalies(self.home)

    def clean(self, run: Callable[[], Any]) -> None:
        self.rerun = run()
        self.final = figures(self.home)

    def judged(self, name: str, test: str, what: str, baseline: Figures) -> None:
        state = self.states[name]
        assert self.final is not None
        verdict = judge(name, test, what, baseline, self.after[name], self.final, first_state=state.name,
                        anomalies=len(self.anomalies[name]))
        assert not (state.message or "").startswith(UNHANDLED), state.message  # handled, in one line
        assert "\n" not in (state.message or "")
        assert (verdict.lost, verdict.duplicated, verdict.converged) == (0, 0, True), verdict
        assert not self.rerun.is_failed(), self.rerun.message


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


@pytest.fixture(scope="module")
def genstaff_runs(genstaff_baseline: Figures, served: FaultyArchive,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sequence]:
    runs = Sequence(tmp_path_factory.mktemp("genstaff-faults") / "home")
    with environment(runs.home, served.url) as patch, _genstaff_api(patch) as api:
        for name, mangle in GENSTAFF_FAULTS.items():
            api.answer = _listing_with(mangle)
            runs.faulted(name, lambda: _ingest("genstaff", **GENSTAFF_RANGE))
        api.answer = api.clean
        runs.clean(lambda: _ingest("genstaff", **GENSTAFF_RANGE))
        yield runs


@pytest.mark.parametrize("name", list(GENSTAFF_FAULTS))
def test_a_malformed_general_staff_page_is_an_anomaly_not_a_crash(
    genstaff_baseline: Figures, genstaff_runs: Sequence, name: str
) -> None:
    genstaff_runs.judged(name, "test_a_malformed_general_staff_page_is_an_anomaly_not_a_crash",
                         "the page is an anomaly with its reason; the run fails in one line", genstaff_baseline)
    assert genstaff_runs.anomalies[name], "the malformed page must be named in `anomalies`"


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


@pytest.fixture(scope="module")
def mod_runs(mod_baseline: Figures, served: FaultyArchive,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sequence]:
    runs = Sequence(tmp_path_factory.mktemp("mod-faults") / "home")
    with environment(runs.home, served.url) as patch, _mod_api(patch) as api:
        for name, mangle in MOD_FAULTS.items():
            api.answer = _x_api(mangle)
            runs.faulted(name, lambda: _ingest("ukmod", **MOD_RANGE))
        api.answer = api.clean
        runs.clean(lambda: _ingest("ukmod", **MOD_RANGE))
        yield runs


@pytest.mark.parametrize("name", list(MOD_FAULTS))
def test_a_malformed_x_api_page_is_an_anomaly_not_a_crash(mod_baseline: Figures, mod_runs: Sequence,
                                                          name: str) -> None:
    mod_runs.judged(name, "test_a_malformed_x_api_page_is_an_anomaly_not_a_crash",
                    "named in an anomaly; the posts that can be read load", mod_baseline)
    if name == 'X API "includes": []':
        # No post on the page points at a medium, so nothing is lost: the page is read whole, in
        # the faulted run already (it used to end in an AttributeError).
        assert mod_runs.after[name].latest == mod_baseline.latest
    else:
        assert mod_runs.anomalies[name], "the malformed page must be named in `anomalies`"


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


SITEMAP_FAULTS = ("sitemap with an unknown encoding", "entity bomb in a sitemap", "external entity in a sitemap")
REPORT_FAULTS: dict[str, Callable[[bytes], bytes]] = {
    "report that is not UTF-8": lambda body: body.replace(b"Fighting continued", b"Fighting \xff\xfe continued"),
    "NUL bytes in a report": lambda body: body.replace(b"Fighting continued", b"Fighting\x00\x00 continued"),
}


@pytest.fixture(scope="module")
def isw_runs(baseline: Figures, served: FaultyArchive, archive_dir: Path,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sequence]:
    """The three sitemap faults one run each, then both report faults in one run, then a clean run."""
    runs = Sequence(tmp_path_factory.mktemp("isw-faults") / "home")
    with environment(runs.home, served.url):
        served.clear()
        bad_sitemaps = _sitemap_faults(served)
        for name in SITEMAP_FAULTS:
            served.fail("/post-sitemap.xml", always=Fault("status", 200, {"Content-Type": "application/xml"},
                                                          bad_sitemaps[name]))
            runs.faulted(name, ingest_isw)
            served.clear()
        for name, path in zip(REPORT_FAULTS, _report_targets(archive_dir), strict=True):
            served.fail(path, always=Fault("status", 200, {"Content-Type": "text/html; charset=utf-8"},
                                           REPORT_FAULTS[name](served.file_for(path))))
        runs.faulted("bad bytes", ingest_isw)
        served.clear()
        runs.clean(ingest_isw)
        yield runs


def _report_targets(archive_dir: Path) -> list[str]:
    return report_paths(archive_dir)[1:3]


@pytest.mark.parametrize("name", SITEMAP_FAULTS)
def test_a_hostile_or_broken_sitemap_is_refused_and_named(baseline: Figures, isw_runs: Sequence, name: str) -> None:
    isw_runs.judged(name, "test_a_hostile_or_broken_sitemap_is_refused_and_named",
                    "refused without expanding or reading anything; named; nothing stored is touched", baseline)
    assert isw_runs.anomalies[name], "the refused sitemap must be named in `anomalies`"
    assert "root:" not in json.dumps(isw_runs.anomalies[name])  # /etc/passwd was never read


@pytest.mark.parametrize("name", list(REPORT_FAULTS))
def test_a_report_with_bad_bytes_is_read_or_named_never_a_crash(
    baseline: Figures, isw_runs: Sequence, archive_dir: Path, name: str
) -> None:
    path = dict(zip(REPORT_FAULTS, _report_targets(archive_dir), strict=True))[name]
    isw_runs.states[name], isw_runs.after[name] = isw_runs.states["bad bytes"], isw_runs.after["bad bytes"]
    isw_runs.anomalies[name] = isw_runs.anomalies["bad bytes"]
    assert isw_runs.final is not None
    verdict = judge(name, "test_a_report_with_bad_bytes_is_read_or_named_never_a_crash",
                    "read around the bad bytes; the rest loads", baseline.of(path), isw_runs.after[name].of(path),
                    isw_runs.final.of(path), first_state=isw_runs.states[name].name)
    assert (verdict.lost, verdict.duplicated, verdict.converged) == (0, 0, True), verdict
    read = isw_runs.after[name].of(path).latest == baseline.of(path).latest
    named = any(path in (detail or "") for _, detail in isw_runs.anomalies[name])
    assert read or named, "read in spite of the bytes, or named in an anomaly: never silently lost"
    assert not (isw_runs.states[name].message or "").startswith(UNHANDLED)

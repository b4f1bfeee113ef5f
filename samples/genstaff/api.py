"""A stand-in for the russianwarship.rip API v2, built from the real daily counts in `data/`.

The counts come from PetroIvaniuk/2022-Ukraine-Russia-War-Dataset (MIT, see README.md), whose field
names differ from the API's; `PETROIVANIUK_TO_API` is the one place that maps them. From the merged
days this module answers the API's three statistics endpoints:

    /api/v2/statistics/latest
    /api/v2/statistics/YYYY-MM-DD
    /api/v2/statistics?offset=&limit=&date_from=&date_to=    (records + paging.next_url)

`api_response()` is a pure function a loopback server calls (`make_handler()` wraps it for
`http.server`); `build_site()` writes the two static endpoints as files for a plain file server.
Run `python samples/genstaff/api.py OUT_DIR` to build the static site.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

DATA_DIR = Path(__file__).resolve().parent / "data"
PERSONNEL_FILE = "genstaff_petroivaniuk_personnel_2024-01-01_2025-12-31.json"
EQUIPMENT_FILE = "genstaff_petroivaniuk_equipment_2024-01-01_2025-12-31.json"

# Where our figures come from; the real API puts the General Staff's own post here.
RESOURCE = "https://github.com/PetroIvaniuk/2022-Ukraine-Russia-War-Dataset"
PUBLIC_BASE = "https://russianwarship.rip"
STATISTICS_PATH = "/api/v2/statistics"
MAX_LIMIT = 50
OK_MESSAGE = "The data were fetched successfully."

# Dataset field -> API `stats` key. The dataset has no ATGM/SRBM column for 2024-2025, so our
# responses carry no `atgm_srbm_systems` (we do not invent figures).
PETROIVANIUK_TO_API: dict[str, str] = {
    "personnel": "personnel_units",
    "tank": "tanks",
    "APC": "armoured_fighting_vehicles",
    "field artillery": "artillery_systems",
    "MRL": "mlrs",
    "anti-aircraft warfare": "aa_warfare_systems",
    "aircraft": "planes",
    "helicopter": "helicopters",
    "vehicles and fuel tanks": "vehicles_fuel_tanks",
    "naval ship": "warships_cutters",
    "cruise missiles": "cruise_missiles",
    "drone": "uav_systems",
    "special equipment": "special_military_equip",
    "submarines": "submarines",
}
# Dataset fields that are not counts: the day's metadata and the personnel "about" marker.
PETROIVANIUK_NON_COUNTS = frozenset({"date", "day", "personnel*", "greatest losses direction"})


def load_days(data_dir: Path = DATA_DIR) -> list[dict[str, Any]]:
    """The API's day objects (`data` of a single-day response), oldest first.

    `increase` is the change from the previous day; the first day has no previous day in the data,
    so its increases are null rather than guessed.
    """
    personnel = _by_date(data_dir / PERSONNEL_FILE)
    equipment = _by_date(data_dir / EQUIPMENT_FILE)
    if personnel.keys() != equipment.keys():
        only = sorted(personnel.keys() ^ equipment.keys())
        raise ValueError(f"personnel and equipment files cover different dates, e.g. {only[:3]}")

    api_order = list(PETROIVANIUK_TO_API.values())
    days: list[dict[str, Any]] = []
    previous: dict[str, Any] | None = None
    for day_date in sorted(personnel):
        merged = {**equipment[day_date], **personnel[day_date]}
        unmapped = set(merged) - PETROIVANIUK_NON_COUNTS - set(PETROIVANIUK_TO_API)
        if unmapped:
            raise ValueError(f"{day_date}: no API name for dataset field(s) {sorted(unmapped)}")
        by_api_name = {PETROIVANIUK_TO_API[k]: v for k, v in merged.items() if k in PETROIVANIUK_TO_API}
        stats = {key: by_api_name[key] for key in api_order if key in by_api_name}
        increase = {
            key: (value - previous[key] if previous is not None and key in previous else None)
            for key, value in stats.items()
        }
        days.append(
            {
                "date": day_date,
                "day": merged["day"],
                "resource": RESOURCE,
                "stats": stats,
                "increase": increase,
            }
        )
        previous = stats
    return days


def day_response(day: dict[str, Any]) -> dict[str, Any]:
    """A single-day response: `/statistics/latest` or `/statistics/YYYY-MM-DD`."""
    return {"message": OK_MESSAGE, "data": day}


def api_response(
    path_and_query: str, days: list[dict[str, Any]], *, public_base: str = PUBLIC_BASE
) -> tuple[int, bytes]:
    """(HTTP status, JSON body) for a request path with its query string.

    `next_url` is absolute on `public_base`, as the real API points at its own host; a client
    behind a mirror or loopback must rewrite it. The listing is newest first (as the real
    API's `offset=0` "recent days" use suggests) and a page holds at most 50 records.
    """
    parts = urlsplit(path_and_query)
    path = parts.path.rstrip("/")
    by_date = {day["date"]: day for day in days}
    if path == f"{STATISTICS_PATH}/latest":
        if not days:
            return _error(404, "No statistics yet.")
        return 200, _json(day_response(max(days, key=lambda day: day["date"])))
    if path.startswith(f"{STATISTICS_PATH}/"):
        wanted = path.rsplit("/", 1)[1]
        if wanted not in by_date:
            return _error(404, f"No statistics for {wanted}.")
        return 200, _json(day_response(by_date[wanted]))
    if path == STATISTICS_PATH:
        return _listing(parse_qs(parts.query), days, public_base)
    return _error(404, f"Not found: {parts.path}")


def make_handler(days: list[dict[str, Any]], *, public_base: str = PUBLIC_BASE) -> type[BaseHTTPRequestHandler]:
    """An `http.server` handler class serving `api_response` for these days."""

    class GenstaffApiHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, body = api_response(self.path, days, public_base=public_base)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            return

    return GenstaffApiHandler


def build_site(data_dir: Path, out_dir: Path) -> int:
    """Write `api/v2/statistics/latest` and one file per date under out_dir; return the file count.

    The paged listing needs a query string, so it is only served by `api_response`.
    """
    days = load_days(data_dir)
    target = out_dir / STATISTICS_PATH.lstrip("/")
    target.mkdir(parents=True, exist_ok=True)
    for day in days:
        (target / day["date"]).write_bytes(_json(day_response(day)))
    (target / "latest").write_bytes(_json(day_response(days[-1])))
    return len(days) + 1


def _listing(query: dict[str, list[str]], days: list[dict[str, Any]], public_base: str) -> tuple[int, bytes]:
    try:
        offset = int(query.get("offset", ["0"])[0])
        limit = int(query.get("limit", [str(MAX_LIMIT)])[0])
        date_from = query.get("date_from", [None])[0]
        date_to = query.get("date_to", [None])[0]
        for given in (date_from, date_to):
            if given is not None:
                date.fromisoformat(given)
    except ValueError as error:
        return _error(400, f"Bad query: {error}")
    if offset < 0 or not 1 <= limit <= MAX_LIMIT:
        return _error(400, f"offset must be >= 0 and limit 1..{MAX_LIMIT}")

    matching = [
        day
        for day in sorted(days, key=lambda day: day["date"], reverse=True)
        if (date_from is None or day["date"] >= date_from) and (date_to is None or day["date"] <= date_to)
    ]
    next_url = None
    if offset + limit < len(matching):
        next_query = {"offset": offset + limit, "limit": limit}
        next_query |= {k: v for k, v in (("date_from", date_from), ("date_to", date_to)) if v}
        next_url = f"{public_base}{STATISTICS_PATH}?{urlencode(next_query)}"
    data = {
        "records": matching[offset : offset + limit],
        "paging": {"total": len(matching), "next_url": next_url},
    }
    return 200, _json({"message": OK_MESSAGE, "data": data})


def _by_date(path: Path) -> dict[str, dict[str, Any]]:
    rows = json.loads(path.read_text(encoding="utf-8"))
    return {row["date"]: row for row in rows}


def _error(status: int, message: str) -> tuple[int, bytes]:
    return status, _json({"message": message, "data": None})


def _json(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python samples/genstaff/api.py OUT_DIR")
    written = build_site(DATA_DIR, Path(sys.argv[1]))
    print(f"wrote {written} files under {sys.argv[1]}")

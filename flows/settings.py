"""Configuration from the environment (DESIGN.md §8): one object, no `if` branches per environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from extractors.http import HttpClient
    from warehouse.backend import Warehouse


@dataclass(frozen=True)
class Settings:
    home: Path
    isw_base_url: str = "https://understandingwar.org"
    ukmod_x_api_url: str = "https://api.x.com"
    ukmod_x_bearer_token: str | None = None
    ukmod_rss_url: str | None = None
    genstaff_base_url: str = "https://russianwarship.rip"
    curated_file: Path = Path(__file__).resolve().parents[1] / "curated" / "figures.yaml"
    alert_url: str | None = None
    # A saved Prefect notification block, "<block-type-slug>/<name>" (e.g. "slack-webhook/data-team").
    alert_block: str | None = None
    # An unchanged set of problems is alerted again after this many hours (0: every run).
    alert_repeat_hours: float = 24.0
    # Seconds each webhook request may take (connect and read) before it is retried.
    alert_timeout_s: float = 10.0
    # Retry budget: HTTP attempts per document, and Prefect retries of a failed discovery.
    http_max_attempts: int = 5
    discover_retries: int = 2
    # Seconds one HTTP read may wait for the next bytes, and one attempt may take in all (a server
    # that drips its answer never trips the first).
    http_timeout_s: float = 30.0
    http_deadline_s: float = 60.0
    # (source, hours): a source with no new document for longer is stale; 0 or absent: never stale.
    stale_after_hours: tuple[tuple[str, float], ...] = (("isw", 36.0), ("ukmod", 36.0), ("genstaff", 36.0))
    # BULLETINS_WAREHOUSE: unset for the DuckDB file under home, or "ducklake:postgres:..." (warehouse/backend.py).
    warehouse_url: str | None = None
    # BULLETINS_LAKE_DATA_PATH: where a DuckLake keeps its Parquet files.
    lake_data_path: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        defaults = cls(home=Path("data"))

        def get(name: str, default: str | None) -> str | None:
            value = env.get(name, "").strip()
            return value or default

        return cls(
            home=Path(get("BULLETINS_HOME", "data") or "data").resolve(),
            isw_base_url=(get("BULLETINS_ISW_BASE_URL", defaults.isw_base_url) or "").rstrip("/"),
            ukmod_x_api_url=(get("BULLETINS_UKMOD_X_API_URL", defaults.ukmod_x_api_url) or "").rstrip("/"),
            ukmod_x_bearer_token=get("BULLETINS_UKMOD_X_BEARER_TOKEN", None),
            ukmod_rss_url=get("BULLETINS_UKMOD_RSS_URL", None),
            genstaff_base_url=(get("BULLETINS_GENSTAFF_BASE_URL", defaults.genstaff_base_url) or "").rstrip("/"),
            alert_url=get("BULLETINS_ALERT_URL", None),
            alert_block=get("BULLETINS_ALERT_BLOCK", None),
            alert_repeat_hours=float(get("BULLETINS_ALERT_REPEAT_HOURS", "24") or 24),
            alert_timeout_s=float(get("BULLETINS_ALERT_TIMEOUT", "10") or 10),
            http_max_attempts=int(get("BULLETINS_HTTP_MAX_ATTEMPTS", "5") or 5),
            discover_retries=int(get("BULLETINS_DISCOVER_RETRIES", "2") or 2),
            http_timeout_s=float(get("BULLETINS_HTTP_TIMEOUT", "30") or 30),
            http_deadline_s=float(get("BULLETINS_HTTP_DEADLINE", "60") or 60),
            stale_after_hours=tuple(
                (source, float(get(f"BULLETINS_{source.upper()}_STALE_AFTER_HOURS", str(hours)) or hours))
                for source, hours in defaults.stale_after_hours
            ),
            curated_file=Path(get("BULLETINS_CURATED_FILE", str(defaults.curated_file)) or ""),
            warehouse_url=get("BULLETINS_WAREHOUSE", None),
            lake_data_path=get("BULLETINS_LAKE_DATA_PATH", None),
        )

    @property
    def warehouse(self) -> Warehouse:
        """The warehouse to open with warehouse.db.connect: the DuckDB file under home, or a DuckLake."""
        from warehouse.backend import Warehouse

        return Warehouse.from_env(self.warehouse_url, self.lake_data_path, self.home)

    @property
    def warehouse_path(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def analyst_path(self) -> Path:
        """A copy of the warehouse published after each load, for readers who must never block it."""
        return self.home / "analyst.duckdb"

    @property
    def raw_dir(self) -> Path:
        return self.home / "raw"

    @property
    def prefect_home(self) -> Path:
        return self.home / "prefect"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

    @property
    def data_docs_dir(self) -> Path:
        """GX Data Docs: the GX project in `gx/`, the HTML site in `site/` (expectations.data_docs)."""
        return self.home / "data_docs"

    def stale_after(self, source: str) -> timedelta | None:
        """How long `source` may go without a new document before a scheduled run fails as stale."""
        hours = dict(self.stale_after_hours).get(source, 0.0)
        return timedelta(hours=hours) if hours > 0 else None

    def base_url(self, source: str) -> str:
        urls = {
            "isw": self.isw_base_url,
            "ukmod": self.ukmod_x_api_url,
            "genstaff": self.genstaff_base_url,
            "curated": self.curated_file.resolve().as_uri(),
        }
        if source not in urls:
            raise ValueError(f"unknown source {source!r}; expected one of {', '.join(urls)}")
        return urls[source]

    def discover_options(self, source: str) -> dict[str, str | None]:
        """Source-specific arguments of `discover` beyond the common ones."""
        if source == "ukmod":
            return {"bearer_token": self.ukmod_x_bearer_token, "rss_url": self.ukmod_rss_url}
        return {}

    def http_client(self, source: str) -> HttpClient:
        from extractors.http import HttpClient  # urllib3 is not needed by `bulletins parse`

        return HttpClient(self.allowed_hosts(source), max_attempts=self.http_max_attempts,
                          read_timeout=self.http_timeout_s, deadline=self.http_deadline_s)

    def allowed_hosts(self, source: str) -> frozenset[str]:
        """Hosts a source may be fetched from: its public hosts plus the configured base URL's."""
        public = {
            "isw": {"understandingwar.org", "www.understandingwar.org",
                    "criticalthreats.org", "www.criticalthreats.org"},
            "ukmod": {"api.x.com", "api.twitter.com", "pbs.twimg.com"},
            "genstaff": {"russianwarship.rip"},
            "curated": {"localhost"},  # a file in the repo: nothing is fetched
        }[source]
        configured = [self.base_url(source)]
        if source == "ukmod":
            configured += [self.ukmod_x_api_url, self.ukmod_rss_url or ""]
        hosts = {urlsplit(url).hostname for url in configured if url.startswith("http")}
        return frozenset(public | {h for h in hosts if h})

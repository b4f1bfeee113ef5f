"""Configuration from the environment (DESIGN.md §8), validated once, at start, with pydantic-settings.

Three groups of variables, plus one per source derived from its `Source` declaration
(extractors/source.py): nothing here lists the sources.

    core     BULLETINS_HOME, BULLETINS_LOCK_TIMEOUT, BULLETINS_WAREHOUSE,   every command
             BULLETINS_LAKE_DATA_PATH
    http     BULLETINS_HTTP_MAX_ATTEMPTS                                    commands that fetch
    alerts   BULLETINS_ALERT_URL, _BLOCK, _REPEAT_HOURS, _TIMEOUT           commands that alert
    source   its base URL variable, BULLETINS_<SOURCE>_STALE_AFTER_HOURS,   commands that ingest it
             and its options (the MoD's token and RSS feed)

A command validates only the groups it uses (`bulletins sql` never fails on an alert setting);
a group it does not ask for keeps its defaults. A bad value raises ConfigurationError with one
line naming the variable and the value. An empty variable counts as unset.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pydantic import Field, NonNegativeFloat, PositiveFloat, PositiveInt, ValidationError, create_model, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from extractors import sources as source_registry
from extractors.source import Source

if TYPE_CHECKING:
    from extractors.http import HttpClient
    from warehouse.backend import Warehouse


class ConfigurationError(ValueError):
    """A setting that cannot be used; the message is one line naming the variable(s). Exit 2."""


@dataclass(frozen=True)
class SourceConfig:
    """One source's settings, as configured."""

    base_url: str
    stale_after_hours: float
    options: Mapping[str, str | None] = field(default_factory=dict)


def _default_sources() -> dict[str, SourceConfig]:
    return {name: SourceConfig(s.settings.base_url.rstrip("/"), s.settings.stale_after_hours,
                               {o.argument: None for o in s.settings.options})
            for name, s in source_registry.registry().items()}


@dataclass(frozen=True)
class Settings:
    home: Path
    # HTTP attempts per request (the client's retry budget).
    http_max_attempts: int = 5
    # Seconds one HTTP read may wait for the next bytes, and one attempt may take in all (a server
    # that drips its answer never trips the first).
    http_timeout_s: float = 30.0
    http_deadline_s: float = 60.0
    alert_url: str | None = None
    # A saved Prefect notification block, "<block-type-slug>/<name>" (e.g. "slack-webhook/data-team").
    alert_block: str | None = None
    # An unchanged set of problems is alerted again after this many hours (0: every run).
    alert_repeat_hours: float = 24.0
    # Seconds each webhook request may take (connect and read) before it is retried.
    alert_timeout_s: float = 10.0
    # Seconds a writer waits for another process's lock on the warehouse (warehouse/db.py reads it).
    lock_timeout_s: float = 30.0
    # BULLETINS_WAREHOUSE: unset for the DuckDB file under home, or "ducklake:postgres:..." (warehouse/backend.py).
    warehouse_url: str | None = None
    # BULLETINS_LAKE_DATA_PATH: where a DuckLake keeps its Parquet files.
    lake_data_path: str | None = None
    sources: Mapping[str, SourceConfig] = field(default_factory=_default_sources)

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, *, sources: Collection[str] = (),
        alerts: bool = True, http: bool = True,
    ) -> Settings:
        """The settings a command uses: core always, the alert and HTTP groups when asked, and the
        `sources` it ingests (only those: `source(name)` of another is an error). Raises
        ConfigurationError naming the first bad variable."""
        given = {k: v for k, v in (os.environ if env is None else env).items() if v.strip()}
        core = _validated(_Core, given)
        values: dict[str, Any] = {"home": Path(core.home).resolve(), "lock_timeout_s": core.lock_timeout,
                                  "warehouse_url": core.warehouse_url, "lake_data_path": core.lake_data_path}
        if http:
            values.update(_validated(_Http, given).model_dump())
        if alerts:
            values.update(_validated(_Alerts, given).model_dump())
        configured = {name: _source_config(source_registry.source(name), given) for name in sources}
        settings = cls(sources=configured, **values)
        _warehouse_of(settings)  # BULLETINS_WAREHOUSE is checked now, not at the first connection
        return settings

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

    def source(self, name: str) -> SourceConfig:
        if name not in self.sources:
            source_registry.source(name)  # an unknown name says so
            raise KeyError(f"{name}: its settings were not read (Settings.from_env(sources=[{name!r}]))")
        return self.sources[name]

    def base_url(self, source: str) -> str:
        return self.source(source).base_url

    def discover_options(self, source: str) -> dict[str, str]:
        """The source's options that are set, as arguments of its `discover`."""
        return {name: value for name, value in self.source(source).options.items() if value}

    def stale_after(self, source: str) -> timedelta | None:
        """How long `source` may go without a new document before a scheduled run fails as stale."""
        hours = self.source(source).stale_after_hours
        return timedelta(hours=hours) if hours > 0 else None

    def http_client(self, source: str) -> HttpClient:
        from extractors.http import HttpClient  # urllib3 is not needed by `bulletins parse`

        return HttpClient(self.allowed_hosts(source), max_attempts=self.http_max_attempts,
                          read_timeout=self.http_timeout_s, deadline=self.http_deadline_s)

    def allowed_hosts(self, source: str) -> frozenset[str]:
        """Hosts a source may be fetched from: its public hosts plus those of its configured URLs."""
        declared = source_registry.source(source).settings
        url_options = {o.argument for o in declared.options if o.is_url}
        configured = [self.base_url(source), *(v for k, v in self.source(source).options.items()
                                               if k in url_options and v)]
        hosts = {urlsplit(url).hostname for url in configured if url.startswith(("http://", "https://"))}
        return frozenset(declared.public_hosts | {h for h in hosts if h})


class _FromMapping(BaseSettings):
    """Validated from the mapping it is given (the environment, or a test's dict), by variable name."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
        **_others: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


class _Core(_FromMapping):
    home: str = Field("data", validation_alias="BULLETINS_HOME")
    lock_timeout: NonNegativeFloat = Field(30.0, validation_alias="BULLETINS_LOCK_TIMEOUT", allow_inf_nan=False)
    warehouse_url: str | None = Field(None, validation_alias="BULLETINS_WAREHOUSE")
    lake_data_path: str | None = Field(None, validation_alias="BULLETINS_LAKE_DATA_PATH")


class _Http(_FromMapping):
    http_max_attempts: PositiveInt = Field(5, validation_alias="BULLETINS_HTTP_MAX_ATTEMPTS")
    http_timeout_s: PositiveFloat = Field(30.0, validation_alias="BULLETINS_HTTP_TIMEOUT", allow_inf_nan=False)
    http_deadline_s: PositiveFloat = Field(60.0, validation_alias="BULLETINS_HTTP_DEADLINE", allow_inf_nan=False)


class _Alerts(_FromMapping):
    alert_url: str | None = Field(None, validation_alias="BULLETINS_ALERT_URL")
    alert_block: str | None = Field(None, validation_alias="BULLETINS_ALERT_BLOCK")
    alert_repeat_hours: NonNegativeFloat = Field(24.0, validation_alias="BULLETINS_ALERT_REPEAT_HOURS",
                                                 allow_inf_nan=False)
    alert_timeout_s: PositiveFloat = Field(10.0, validation_alias="BULLETINS_ALERT_TIMEOUT", allow_inf_nan=False)


class _SourceBase(_FromMapping):
    base_url: str

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.strip().rstrip("/")


@cache
def _source_model(source: Source) -> type[_FromMapping]:
    """A settings model per source, from its declaration: the variables are the declaration's."""
    declared = source.settings
    fields: dict[str, Any] = {
        "base_url": (str, Field(declared.base_url, validation_alias=declared.base_url_env)),
        "stale_after_hours": (NonNegativeFloat, Field(
            declared.stale_after_hours, validation_alias=f"BULLETINS_{source.name.upper()}_STALE_AFTER_HOURS",
            allow_inf_nan=False)),
    }
    for option in declared.options:
        fields[option.argument] = (str | None, Field(None, validation_alias=option.env))
    return create_model(f"{source.name.title()}Settings", __base__=_SourceBase, **fields)


def _source_config(source: Source, given: Mapping[str, str]) -> SourceConfig:
    validated = _validated(_source_model(source), given)
    declared = source.settings
    parts = urlsplit(validated.base_url)
    if not declared.base_url_is_path and (parts.scheme not in ("http", "https") or not parts.hostname):
        raise ConfigurationError(
            f"{declared.base_url_env}={validated.base_url!r}: expected an http:// or https:// URL with a host"
        )
    options = {o.argument: getattr(validated, o.argument) for o in declared.options}
    for option in declared.options:
        value = options[option.argument]
        if option.is_url and value and urlsplit(value).scheme not in ("http", "https"):
            raise ConfigurationError(f"{option.env}={value!r}: expected an http:// or https:// URL")
    if declared.needs_one_of and not any(options.get(name) for name in declared.needs_one_of):
        needed = [o for o in declared.options if o.argument in declared.needs_one_of]
        unset = "neither is set" if len(needed) == 2 else "none is set"
        raise ConfigurationError(
            f"{source.name} needs " + " or ".join(f"{o.env} ({o.meaning})" for o in needed) + f"; {unset}"
        )
    return SourceConfig(validated.base_url, validated.stale_after_hours, options)


def _warehouse_of(settings: Settings) -> Warehouse:
    from warehouse.errors import WarehouseConfigError

    try:
        return settings.warehouse
    except WarehouseConfigError as error:
        raise ConfigurationError(str(error)) from None


def _validated(model: type[_FromMapping], given: Mapping[str, str]) -> Any:
    names = {f.validation_alias for f in model.model_fields.values() if isinstance(f.validation_alias, str)}
    try:
        return model(**{name: value for name, value in given.items() if name in names})
    except ValidationError as error:
        raise ConfigurationError(_one_line(error)) from None


def _one_line(error: ValidationError) -> str:
    """`BULLETINS_HTTP_MAX_ATTEMPTS='abc': expected a whole number, 1 or more`."""
    first = error.errors()[0]
    variable = str(first["loc"][0]) if first["loc"] else error.title
    context = first.get("ctx") or {}
    expected = {
        "int_parsing": "expected a whole number",
        "int_from_float": "expected a whole number",
        "float_parsing": "expected a number",
        "finite_number": "expected a finite number",
        "greater_than": f"expected a number above {_number(context.get('gt'))}",
        "greater_than_equal": f"expected {_number(context.get('ge'))} or more",
    }.get(first["type"], str(first["msg"]).lower())
    return f"{variable}={first.get('input')!r}: {expected}"


def _number(value: object) -> str:
    return f"{value:g}" if isinstance(value, int | float) else str(value)

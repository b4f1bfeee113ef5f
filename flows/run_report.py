"""Turn what a run saw into problems: failed expectations, parse anomalies, a stale source.

Plain functions over the pipeline's outcomes and the warehouse; the flow (flows/ingest.py) gathers
their results into one RunReport per run, which drives the alert, the artifact and the final state.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from flows.pipeline import ParseOutcome, Validated
from flows.problems import MAX_EXAMPLES, Example, Problem, RunReport
from flows.words import plural
from warehouse.load import Anomaly

if TYPE_CHECKING:
    from flows.runs import RunSummary  # for the hint only: flows.runs needs nothing from here

# A metric is "usual" for a source when this share of its recent documents carried it...
USUAL_SHARE = 0.9
# ...among at least this many of its most recent documents (fewer: too little history to judge).
HISTORY_MIN, HISTORY_MAX = 5, 20
_QUOTE_CHARS = 300


def validation_problems(validated: Validated) -> list[Problem]:
    """One problem per failed expectation of a batch, with a few offending rows as examples."""
    if validated.record is None:
        return []
    problems = []
    for outcome in validated.record.expectations:
        if outcome["success"] or outcome["severity"] not in ("critical", "warning"):
            continue
        name = outcome["name"]
        if outcome["severity"] == "critical":
            rows = validated.quarantined
            rows = rows[rows["failed_expectations"].map(lambda names, n=name: n in names)]
            examples = [_example(row, row["reason"]) for _, row in rows.head(MAX_EXAMPLES).iterrows()]
        else:
            rows = validated.warnings
            rows = rows[rows["expectation"] == name] if not rows.empty else rows
            examples = [_example(row, row["detail"]) for _, row in rows.head(MAX_EXAMPLES).iterrows()]
        problems.append(Problem(
            kind="validation", check=name, severity=outcome["severity"], count=int(outcome["unexpected_count"]),
            examples=tuple(examples), why=outcome.get("why"),
        ))
    return problems


def parse_anomalies(parsed: ParseOutcome) -> list[Anomaly]:
    """A document the parser refused (no report body, not JSON...) is a warning; one it broke on
    (a parser bug: an exception other than ValueError) is critical. Either way, for that document only."""
    return [
        Anomaly(kind="anomaly", check_name="parser_error" if failed.unexpected else "document_not_parsed",
                severity="critical" if failed.unexpected else "warning", url=failed.url,
                document_sha256=failed.sha256, detail=f"{failed.url}: {failed.reason}")
        for failed in parsed.failed
    ]


def unread_anomalies(parsed: ParseOutcome) -> list[Anomaly]:
    """Each figure the parser saw but could not read, kept for review (`bulletins review`)."""
    return [
        Anomaly(kind="unread", check_name="figure_not_read", severity="warning", url=item.url,
                document_sha256=item.document_sha256, detail=item.reason, quote=item.quote,
                metric=item.metric, value=item.value)
        for item in parsed.unread
    ]


def fetch_anomalies(failed: Iterable[tuple[str, str]]) -> list[Anomaly]:
    """A document that could not be fetched (reset, truncated, a challenge page...): the run ends
    with a warning naming it; the next runs try it again (flows/ingest.py holds the watermark)."""
    return [
        Anomaly(kind="anomaly", check_name="document_not_fetched", severity="warning", url=url,
                detail=f"{url}: {reason}")
        for url, reason in failed
    ]


def unreadable_row_problems(rows: pd.DataFrame, check: str) -> list[Problem]:
    """Rows of a hand-written file that could not be read (quarantined): one critical problem."""
    if rows.empty:
        return []
    examples = tuple(Example(detail=str(r["reason"]), quote=r["quote"], url=r["url"])
                     for _, r in rows.head(MAX_EXAMPLES).iterrows())
    return [Problem(kind="validation", check=check, severity="critical", count=len(rows), examples=examples,
                    why="a row of the file could not be read; the other rows were loaded: fix it and run the "
                        "ingest again")]


def given_up_anomalies(given_up: dict[str, str], runs: int) -> list[Anomaly]:
    """Documents that failed to be fetched in `runs` runs: no longer retried, said once."""
    return [
        Anomaly(kind="anomaly", check_name="document_given_up", severity="warning", url=url,
                detail=f"{url}: failed to be fetched in {runs} runs; no longer retried (last: {reason})")
        for url, reason in sorted(given_up.items())
    ]


def message(summary: RunSummary) -> str:
    """The run's one-line summary: counts, the documents that failed, the coverage, the problems."""
    failed = f"{summary.documents_failed} failed"
    if summary.failed_urls:
        shown = ", ".join(summary.failed_urls[:3])
        more = f" and {len(summary.failed_urls) - 3} more" if len(summary.failed_urls) > 3 else ""
        failed += f" ({shown}{more})"
    counts = (
        f"{summary.source} {summary.mode}: {summary.documents_discovered} discovered, "
        f"{summary.documents_fetched} fetched, {summary.documents_unchanged} unchanged, "
        f"{failed}, {summary.documents_kept_raw} kept raw for a later run; "
        f"{plural(summary.observations_parsed, 'figure')} parsed, "
        f"{plural(summary.rows_appended, 'new version')}, {summary.rows_quarantined} quarantined, "
        f"{summary.rows_warned} warned; {summary.coverage_text()}"
    )
    if not summary.problems:
        return counts
    fresh = [p for p in summary.problems if not p["carried"]]
    if not fresh:
        return f"{counts}; {plural(len(summary.problems), 'problem')} from earlier runs still open"
    found = "; ".join(f"{p['severity']} {p['check']} ({p['count']})" for p in fresh[:5])
    more = f" and {len(fresh) - 5} more" if len(fresh) > 5 else ""
    return f"{counts} — {summary.status.replace('_', ' ')}: {found}{more}"


def usual_metrics(con: duckdb.DuckDBPyConnection, source: str, parser_version: str) -> set[str]:
    """Metrics carried by at least USUAL_SHARE of the source's last HISTORY_MAX parsed documents."""
    rows = con.execute(
        """
        WITH recent AS (
            SELECT DISTINCT p.sha256, p.parsed_at
            FROM parsed_documents AS p
            JOIN raw_documents AS r USING (sha256)
            WHERE r.source = $source AND p.parser_version = $version
            ORDER BY p.parsed_at DESC
            LIMIT $history
        )
        SELECT m.metric, count(*) AS documents, (SELECT count(*) FROM recent) AS history
        FROM recent JOIN parsed_document_metrics AS m
            ON m.sha256 = recent.sha256 AND m.parser_version = $version
        GROUP BY m.metric
        """,
        {"source": source, "version": parser_version, "history": HISTORY_MAX},
    ).fetchall()
    return {metric for metric, documents, history in rows
            if history >= HISTORY_MIN and documents >= USUAL_SHARE * history}


def missing_usual_metrics(usual: set[str], parsed: ParseOutcome, urls: dict[str, str]) -> list[Anomaly]:
    """Documents read in this batch that lack a metric the source's documents normally carry."""
    if not usual:
        return []
    frame = parsed.frame
    carried = frame.groupby("document_sha256")["metric"].agg(set).to_dict() if not frame.empty else {}
    anomalies = []
    for sha256, _version, _count in parsed.parsed:
        missing = sorted(usual - carried.get(sha256, set()))
        if missing:
            url = urls.get(sha256)
            anomalies.append(Anomaly(
                kind="anomaly", check_name="usual_figures_missing", severity="warning", url=url,
                document_sha256=sha256,
                detail=f"{url or sha256}: no {', '.join(missing)}, which the source's recent documents carry",
            ))
    return anomalies


def stale_source(con: duckdb.DuckDBPyConnection, source: str, now: datetime, max_age: timedelta) -> Anomaly | None:
    """A source whose newest document was first fetched longer ago than its schedule allows."""
    row = con.execute("SELECT max(fetched_at) FROM raw_documents WHERE source = ?", [source]).fetchone()
    newest: datetime | None = row[0] if row else None
    if newest is not None and now - newest <= max_age:
        return None
    hours = max_age.total_seconds() / 3600
    detail = (f"no document has ever been fetched from {source}" if newest is None else
              f"{source}: newest document first fetched {newest:%Y-%m-%d %H:%M} UTC, "
              f"{(now - newest).total_seconds() / 3600:.0f} h ago (allowed: {hours:g} h)")
    return Anomaly(kind="stale", check_name="no_new_document", severity="critical", detail=detail)


def open_quarantine_problems(con: duckdb.DuckDBPyConnection, source: str, run_id: str) -> list[Problem]:
    """Rows quarantined by earlier runs and still unresolved (the open_quarantine view), one problem
    per failed expectation: the failure is still there even when this run did not meet it again."""
    rows = con.execute(
        """
        SELECT expectation, count(*) AS rows,
               list({'reason': reason, 'quote': quote, 'url': url} ORDER BY quarantined_at)[1:$examples]
        FROM open_quarantine, unnest(failed_expectations) AS t(expectation)
        WHERE source = $source AND run_id <> $run_id
        GROUP BY expectation
        """,
        {"source": source, "run_id": run_id, "examples": MAX_EXAMPLES},
    ).fetchall()
    return [
        Problem(kind="validation", check=expectation, severity="critical", count=int(count), carried=True,
                examples=tuple(Example(detail=f"still quarantined: {e['reason']}", quote=e["quote"], url=e["url"])
                               for e in examples),
                why="rows quarantined by an earlier run wait for review: `bulletins quarantine`")
        for expectation, count, examples in rows
    ]


def anomaly_problems(anomalies: Iterable[Anomaly]) -> list[Problem]:
    return [
        Problem(kind=a.kind, check=a.check_name, severity=a.severity, count=1,  # type: ignore[arg-type]
                examples=(Example(detail=a.detail, url=a.url),), why=_ANOMALY_WHY.get(a.check_name))
        for a in anomalies
    ]


def merge(problems: Iterable[Problem]) -> tuple[Problem, ...]:
    """Problems of the same check across batches, as one: counts added, first examples kept."""
    merged: dict[str, Problem] = {}
    for problem in problems:
        seen = merged.get(problem.key)
        if seen is None:
            merged[problem.key] = problem
            continue
        merged[problem.key] = Problem(
            kind=seen.kind, check=seen.check, severity=seen.severity, count=seen.count + problem.count,
            examples=(seen.examples + problem.examples)[:MAX_EXAMPLES], why=seen.why,
            carried=seen.carried and problem.carried,
        )
    return tuple(sorted(merged.values(), key=lambda p: (p.severity != "critical", p.kind, p.check)))


def markdown(report: RunReport, headline: str, *, coverage: str | None = None,
             unread: Iterable[Anomaly] = ()) -> str:
    """The run's validation summary as a Prefect markdown artifact, with its figure coverage and a
    few of the figures kept for review."""
    lines = [f"# {report.source}: {report.status}", "", headline, ""]
    unread = list(unread)
    if coverage:
        lines += [f"**Figures read:** {coverage}.", ""]
    if unread:
        lines += [f"## Figures kept for review ({len(unread)}): `bulletins review`", ""]
        for item in unread[:MAX_EXAMPLES]:
            lines.append(f"- {item.detail}")
            if item.quote:
                lines.append(f"  > {' '.join(item.quote.split())[:_QUOTE_CHARS]}")
        lines.append("")
    if not report.problems:
        lines.append("Every expectation passed; no anomalies.")
    for problem in report.problems:
        earlier = ", from earlier runs" if problem.carried else ""
        lines += [f"## {problem.severity}: {problem.check} ({problem.kind}, {problem.count}{earlier})", ""]
        if problem.why:
            lines += [f"_{problem.why}_", ""]
        for example in problem.examples:
            lines.append(f"- {example.detail}")
            if example.quote:
                lines.append(f"  > {example.quote}")
            if example.url:
                lines.append(f"  <{example.url}>")
        lines.append("")
    if report.report_location:
        lines.append(f"Full report: {report.report_location}")
    return "\n".join(lines)


def _example(row: pd.Series, detail: str) -> Example:
    quote = row.get("quote")
    quote = " ".join(str(quote).split())[:_QUOTE_CHARS] if isinstance(quote, str) else None
    url = row.get("url")
    return Example(detail=str(detail), quote=quote, url=url if isinstance(url, str) else None)


_ANOMALY_WHY = {
    "document_not_parsed": "the parser found no report in the document: the site's layout may have changed",
    "parser_error": "the parser broke on this document (a bug to fix); the batch's other documents were read",
    "document_not_fetched": "the document could not be fetched; the next runs try it again",
    "document_given_up": "the document failed to be fetched run after run; it is no longer retried",
    "discovery_failed": "the source's listing could not be read; documents already stored were still read",
    "figure_not_read": "the parser saw a figure it could not settle (period, attribution or unit): "
                       "kept for review with `bulletins review`, never loaded",
    "usual_figures_missing": "the source's documents normally carry these figures: a layout or wording change "
                             "may be hiding them from the parser",
    "no_new_document": "the source has published nothing new for longer than its schedule allows",
    "source_unreachable": "nothing could be fetched from the source",
}

-- Issues 10, 11 and 13: what a parser saw but could not read is kept as an `unread` anomaly with its
-- quote; a run records the process running it, so the next run can close it as abandoned when that
-- process died; a quarantined row can be acknowledged with a note (reviewed, kept out) as well as
-- released, and either closes it. Acknowledgements are appended events, as releases are (012).

ALTER TABLE anomalies ADD COLUMN quote VARCHAR;
ALTER TABLE anomalies ADD COLUMN metric VARCHAR;
ALTER TABLE anomalies ADD COLUMN value DOUBLE;
COMMENT ON COLUMN anomalies.quote IS 'For an unread figure: the sentence (or curated row) that carried it.';
COMMENT ON COLUMN anomalies.metric IS 'For an unread figure: the catalogue metric it looked like, when the parser could tell.';
COMMENT ON COLUMN anomalies.value IS 'For an unread figure: the number it carried, when the parser could tell.';
COMMENT ON COLUMN anomalies.kind IS 'anomaly (a document read wrongly or not fetched), unread (a figure the parser saw but could not read: kept for review, never loaded), stale (no new document for longer than the source''s schedule allows) or unreachable.';
COMMENT ON COLUMN anomalies.check_name IS 'What was checked: document_not_parsed, parser_error, document_not_fetched, document_given_up, discovery_failed, usual_figures_missing, figure_not_read, no_new_document, source_unreachable.';

ALTER TABLE ingest_run_events ADD COLUMN figures_unread INTEGER;
ALTER TABLE ingest_run_events ADD COLUMN pid INTEGER;
ALTER TABLE ingest_run_events ADD COLUMN host VARCHAR;

COMMENT ON COLUMN ingest_run_events.figures_unread IS 'Figures the parsers saw but could not read (anomalies of kind unread); coverage = observations_parsed / (observations_parsed + figures_unread).';
COMMENT ON COLUMN ingest_run_events.pid IS 'Process id of the run, so a later run can tell that it died (with host).';
COMMENT ON COLUMN ingest_run_events.host IS 'Host name of the machine the run ran on.';
COMMENT ON COLUMN ingest_run_events.status IS 'running, completed, completed_with_warnings, failed (why: in message; also a configuration error, an exception, Ctrl-C or SIGTERM) or abandoned (its process died without finishing: closed by the next run).';

-- The view again, so that it lists the new columns (a view keeps the columns it was made with).
CREATE OR REPLACE VIEW ingest_runs AS
SELECT *
FROM ingest_run_events
QUALIFY row_number() OVER (PARTITION BY run_id ORDER BY finished_at DESC NULLS LAST) = 1;

COMMENT ON VIEW ingest_runs IS
    'One row per ingest run of one source: its mode, parameters, counts, outcome and the watermark the next incremental run starts from. Each run''s latest row of ingest_run_events.';
COMMENT ON COLUMN ingest_runs.run_id IS 'Identifier of the run (the Prefect flow run id).';
COMMENT ON COLUMN ingest_runs.source IS 'Source the run read.';
COMMENT ON COLUMN ingest_runs.mode IS 'incremental (what changed since the last completed run), backfill (a date range) or reparse.';
COMMENT ON COLUMN ingest_runs.parameters IS 'The run''s parameters as JSON (date_from, date_to).';
COMMENT ON COLUMN ingest_runs.started_at IS 'When the run started (UTC).';
COMMENT ON COLUMN ingest_runs.finished_at IS 'When the run finished (UTC); NULL while it runs or when it died without finishing.';
COMMENT ON COLUMN ingest_runs.status IS 'running, completed, completed_with_warnings, failed (why: in message; also a configuration error, an exception, Ctrl-C or SIGTERM) or abandoned (its process died without finishing: closed by the next run).';
COMMENT ON COLUMN ingest_runs.documents_discovered IS 'Documents discovery listed for the run.';
COMMENT ON COLUMN ingest_runs.documents_fetched IS 'Documents fetched with a new body and parsed.';
COMMENT ON COLUMN ingest_runs.documents_unchanged IS 'Documents the server answered 304 for, or whose body had been read already.';
COMMENT ON COLUMN ingest_runs.documents_failed IS 'Documents whose fetch failed after every retry.';
COMMENT ON COLUMN ingest_runs.observations_parsed IS 'Figures the parsers returned, before validation and versioning.';
COMMENT ON COLUMN ingest_runs.rows_appended IS 'New rows (versions) written to observations.';
COMMENT ON COLUMN ingest_runs.rows_quarantined IS 'Figures held back in quarantine by a critical expectation.';
COMMENT ON COLUMN ingest_runs.watermark IS 'Latest sitemap lastmod or report date seen: where the next incremental run starts.';
COMMENT ON COLUMN ingest_runs.message IS 'One-line summary of the run, or why it failed.';
COMMENT ON COLUMN ingest_runs.cursor IS 'The source''s own position where the next incremental run starts (the newest X post id for ukmod, read as since_id); NULL for sources paged by date.';
COMMENT ON COLUMN ingest_runs.rows_warned IS 'Loaded rows that failed a warning expectation (see validation_warnings).';
COMMENT ON COLUMN ingest_runs.problems IS 'The run''s problems as alerted: kind, check, severity, count and examples of each (flows/problems.py RunReport).';
COMMENT ON COLUMN ingest_runs.figures_unread IS 'Figures the parsers saw but could not read (anomalies of kind unread); coverage = observations_parsed / (observations_parsed + figures_unread).';
COMMENT ON COLUMN ingest_runs.pid IS 'Process id of the run, so a later run can tell that it died (with host).';
COMMENT ON COLUMN ingest_runs.host IS 'Host name of the machine the run ran on.';

CREATE TABLE quarantine_acknowledgements (
    quarantine_id     VARCHAR NOT NULL,
    acknowledged_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    acknowledged_by   VARCHAR,
    acknowledge_note  VARCHAR NOT NULL
);
COMMENT ON TABLE quarantine_acknowledgements IS
    'One row per acknowledgement of a quarantined row after review (bulletins quarantine acknowledge): the person keeps it out of the observations, with a note; appended, never updated.';
COMMENT ON COLUMN quarantine_acknowledgements.quarantine_id IS 'The acknowledged row (quarantined_rows.quarantine_id).';
COMMENT ON COLUMN quarantine_acknowledgements.acknowledged_at IS 'When a person acknowledged the row after review without loading it (bulletins quarantine acknowledge); NULL otherwise.';
COMMENT ON COLUMN quarantine_acknowledgements.acknowledged_by IS 'Who acknowledged it (the operating-system user running the command).';
COMMENT ON COLUMN quarantine_acknowledgements.acknowledge_note IS 'Why it stays out, as given with --note (required).';

-- A row released or acknowledged twice (two reviewers at once) shows its first release and acknowledgement.
CREATE OR REPLACE VIEW quarantine AS
SELECT q.*, r.released_at, r.released_by, r.release_note, r.released_version,
       a.acknowledged_at, a.acknowledged_by, a.acknowledge_note
FROM quarantined_rows AS q
LEFT JOIN (
    SELECT * FROM quarantine_releases
    QUALIFY row_number() OVER (PARTITION BY quarantine_id ORDER BY released_at) = 1
) AS r ON r.quarantine_id = q.quarantine_id
LEFT JOIN (
    SELECT * FROM quarantine_acknowledgements
    QUALIFY row_number() OVER (PARTITION BY quarantine_id ORDER BY acknowledged_at) = 1
) AS a ON a.quarantine_id = q.quarantine_id;

COMMENT ON VIEW quarantine IS
    'Figures that failed a critical expectation (or, for the curated file, a row that could not be read), never loaded into observations: the figure as parsed, with the expectations it failed and why. The same figure from the same document is stored once. Each row of quarantined_rows with its first release and its first acknowledgement.';
COMMENT ON COLUMN quarantine.quarantine_id IS 'Random identifier of the quarantined row.';
COMMENT ON COLUMN quarantine.run_id IS 'The ingest run that quarantined it.';
COMMENT ON COLUMN quarantine.quarantined_at IS 'When it was quarantined (UTC).';
COMMENT ON COLUMN quarantine.failed_expectations IS 'Names of the critical expectations the figure failed.';
COMMENT ON COLUMN quarantine.reason IS 'Why, in words: the failed expectations and the offending values.';
COMMENT ON COLUMN quarantine.source IS 'Who stated the figure: isw (Institute for the Study of War), ukmod (UK Ministry of Defence), genstaff (General Staff of Ukraine''s Armed Forces) or curated (reviewed press figures from curated/figures.yaml).';
COMMENT ON COLUMN quarantine.metric IS 'What the figure measures, from the catalogue of DESIGN.md §4 (territory_gained, casualties_daily_avg, ...); General Staff counts are <equipment>_cumulative and personnel_cumulative.';
COMMENT ON COLUMN quarantine.subject IS 'Whose gains or losses: RU (Russian forces) unless stated, UA (Ukrainian), KP (North Korean).';
COMMENT ON COLUMN quarantine.period_start IS 'First day of the interval the figure covers, inclusive ("in March 2025" starts 2025-03-01; cumulative totals start on 2022-02-24).';
COMMENT ON COLUMN quarantine.period_end IS 'Last day of the interval the figure covers, inclusive; for "so far" figures the bulletin''s date or its stated data cut-off.';
COMMENT ON COLUMN quarantine.value IS 'The figure in the catalogue unit (square miles converted to km2); for a stated range, its midpoint.';
COMMENT ON COLUMN quarantine.value_low IS 'Lower bound of a stated range (qualifier range), else NULL.';
COMMENT ON COLUMN quarantine.value_high IS 'Upper bound of a stated range (qualifier range), else NULL.';
COMMENT ON COLUMN quarantine.unit IS 'Unit of value: km2, km2_per_day, persons, persons_per_day, persons_per_km2 or count.';
COMMENT ON COLUMN quarantine.qualifier IS 'How the source hedged the number: exact, approximately, over, under, up_to or range.';
COMMENT ON COLUMN quarantine.confidence IS 'The source''s probability word if it gave one (likely, highly likely, almost certainly, ...), else NULL.';
COMMENT ON COLUMN quarantine.assessment IS 'assessed: the source''s own figure; claimed: a claim the source reports (a Kremlin claim in an ISW report, say).';
COMMENT ON COLUMN quarantine.quote IS 'The sentence the figure was read from, in the source''s words (the original units kept).';
COMMENT ON COLUMN quarantine.published_at IS 'Date of the bulletin that stated the figure; the current value of a key is the one from the latest bulletin.';
COMMENT ON COLUMN quarantine.url IS 'Where the bulletin was fetched from.';
COMMENT ON COLUMN quarantine.document_sha256 IS 'sha256 of the fetched document; raw_documents.sha256 and the raw store file name.';
COMMENT ON COLUMN quarantine.parser_version IS 'Parser that read the figure (isw-1, say); a parser fix that changes a figure adds a version.';
COMMENT ON COLUMN quarantine.released_at IS 'When a person released the row after review (bulletins quarantine release); NULL while it stays quarantined.';
COMMENT ON COLUMN quarantine.released_by IS 'Who released it (the operating-system user running the command).';
COMMENT ON COLUMN quarantine.release_note IS 'Why it was released, as given with --note.';
COMMENT ON COLUMN quarantine.released_version IS 'The observations.version the released row was stored as; NULL when it repeated the figure in force and added nothing.';
COMMENT ON COLUMN quarantine.acknowledged_at IS 'When a person acknowledged the row after review without loading it (bulletins quarantine acknowledge); NULL otherwise.';
COMMENT ON COLUMN quarantine.acknowledged_by IS 'Who acknowledged it (the operating-system user running the command).';
COMMENT ON COLUMN quarantine.acknowledge_note IS 'Why it stays out, as given with --note (required).';

-- @include sql/open_quarantine.sql

COMMENT ON VIEW open_quarantine IS 'Quarantined rows still waiting for review: not released or acknowledged, no later figure stored for their series key, and their document not re-read with new content since. Alerts treat these as one unresolved failure until none remain.';
COMMENT ON COLUMN open_quarantine.quarantine_id IS 'Random identifier of the quarantined row.';
COMMENT ON COLUMN open_quarantine.run_id IS 'The ingest run that quarantined it.';
COMMENT ON COLUMN open_quarantine.quarantined_at IS 'When it was quarantined (UTC).';
COMMENT ON COLUMN open_quarantine.failed_expectations IS 'Names of the critical expectations the figure failed.';
COMMENT ON COLUMN open_quarantine.reason IS 'Why, in words: the failed expectations and the offending values.';
COMMENT ON COLUMN open_quarantine.source IS 'Who stated the figure: isw (Institute for the Study of War), ukmod (UK Ministry of Defence), genstaff (General Staff of Ukraine''s Armed Forces) or curated (reviewed press figures from curated/figures.yaml).';
COMMENT ON COLUMN open_quarantine.metric IS 'What the figure measures, from the catalogue of DESIGN.md §4 (territory_gained, casualties_daily_avg, ...); General Staff counts are <equipment>_cumulative and personnel_cumulative.';
COMMENT ON COLUMN open_quarantine.subject IS 'Whose gains or losses: RU (Russian forces) unless stated, UA (Ukrainian), KP (North Korean).';
COMMENT ON COLUMN open_quarantine.period_start IS 'First day of the interval the figure covers, inclusive ("in March 2025" starts 2025-03-01; cumulative totals start on 2022-02-24).';
COMMENT ON COLUMN open_quarantine.period_end IS 'Last day of the interval the figure covers, inclusive; for "so far" figures the bulletin''s date or its stated data cut-off.';
COMMENT ON COLUMN open_quarantine.value IS 'The figure in the catalogue unit (square miles converted to km2); for a stated range, its midpoint.';
COMMENT ON COLUMN open_quarantine.value_low IS 'Lower bound of a stated range (qualifier range), else NULL.';
COMMENT ON COLUMN open_quarantine.value_high IS 'Upper bound of a stated range (qualifier range), else NULL.';
COMMENT ON COLUMN open_quarantine.unit IS 'Unit of value: km2, km2_per_day, persons, persons_per_day, persons_per_km2 or count.';
COMMENT ON COLUMN open_quarantine.qualifier IS 'How the source hedged the number: exact, approximately, over, under, up_to or range.';
COMMENT ON COLUMN open_quarantine.confidence IS 'The source''s probability word if it gave one (likely, highly likely, almost certainly, ...), else NULL.';
COMMENT ON COLUMN open_quarantine.assessment IS 'assessed: the source''s own figure; claimed: a claim the source reports (a Kremlin claim in an ISW report, say).';
COMMENT ON COLUMN open_quarantine.quote IS 'The sentence the figure was read from, in the source''s words (the original units kept).';
COMMENT ON COLUMN open_quarantine.published_at IS 'Date of the bulletin that stated the figure; the current value of a key is the one from the latest bulletin.';
COMMENT ON COLUMN open_quarantine.url IS 'Where the bulletin was fetched from.';
COMMENT ON COLUMN open_quarantine.document_sha256 IS 'sha256 of the fetched document; raw_documents.sha256 and the raw store file name.';
COMMENT ON COLUMN open_quarantine.parser_version IS 'Parser that read the figure (isw-1, say); a parser fix that changes a figure adds a version.';
COMMENT ON COLUMN open_quarantine.released_at IS 'When a person released the row after review (bulletins quarantine release); NULL while it stays quarantined.';
COMMENT ON COLUMN open_quarantine.released_by IS 'Who released it (the operating-system user running the command).';
COMMENT ON COLUMN open_quarantine.release_note IS 'Why it was released, as given with --note.';
COMMENT ON COLUMN open_quarantine.released_version IS 'The observations.version the released row was stored as; NULL when it repeated the figure in force and added nothing.';
COMMENT ON COLUMN open_quarantine.acknowledged_at IS 'Always NULL here: an acknowledged row is no longer open.';
COMMENT ON COLUMN open_quarantine.acknowledged_by IS 'Always NULL here (see quarantine.acknowledged_by).';
COMMENT ON COLUMN open_quarantine.acknowledge_note IS 'Always NULL here (see quarantine.acknowledge_note).';

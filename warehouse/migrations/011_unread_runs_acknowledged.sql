-- Issues 10, 11 and 13: what a parser saw but could not read is kept as an `unread` anomaly with its
-- quote; a run records the process running it, so the next run can close it as abandoned when that
-- process died; a quarantined row can be acknowledged with a note (reviewed, kept out) as well as
-- released, and either closes it.

ALTER TABLE anomalies ADD COLUMN quote VARCHAR;
ALTER TABLE anomalies ADD COLUMN metric VARCHAR;
ALTER TABLE anomalies ADD COLUMN value DOUBLE;
COMMENT ON COLUMN anomalies.quote IS 'For an unread figure: the sentence (or curated row) that carried it.';
COMMENT ON COLUMN anomalies.metric IS 'For an unread figure: the catalogue metric it looked like, when the parser could tell.';
COMMENT ON COLUMN anomalies.value IS 'For an unread figure: the number it carried, when the parser could tell.';
COMMENT ON COLUMN anomalies.kind IS 'anomaly (a document read wrongly or not fetched), unread (a figure the parser saw but could not read: kept for review, never loaded), stale (no new document for longer than the source''s schedule allows) or unreachable.';
COMMENT ON COLUMN anomalies.check_name IS 'What was checked: document_not_parsed, parser_error, document_not_fetched, document_given_up, discovery_failed, usual_figures_missing, figure_not_read, no_new_document, source_unreachable.';

ALTER TABLE ingest_runs ADD COLUMN figures_unread INTEGER;
ALTER TABLE ingest_runs ADD COLUMN pid INTEGER;
ALTER TABLE ingest_runs ADD COLUMN host VARCHAR;
COMMENT ON COLUMN ingest_runs.figures_unread IS 'Figures the parsers saw but could not read (anomalies of kind unread); coverage = observations_parsed / (observations_parsed + figures_unread).';
COMMENT ON COLUMN ingest_runs.pid IS 'Process id of the run, so a later run can tell that it died (with host).';
COMMENT ON COLUMN ingest_runs.host IS 'Host name of the machine the run ran on.';
COMMENT ON COLUMN ingest_runs.status IS 'running, completed, completed_with_warnings, failed (why: in message; also a configuration error, an exception, Ctrl-C or SIGTERM) or abandoned (its process died without finishing: closed by the next run).';

ALTER TABLE quarantine ADD COLUMN acknowledged_at TIMESTAMPTZ;
ALTER TABLE quarantine ADD COLUMN acknowledged_by VARCHAR;
ALTER TABLE quarantine ADD COLUMN acknowledge_note VARCHAR;
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

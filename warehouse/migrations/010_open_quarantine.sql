-- Quarantined rows still waiting for a person (issue 5): what `bulletins quarantine` lists and what
-- alerts count as an unresolved failure.
-- The view as it was at this migration (013 replaces it; sql/open_quarantine.sql is the current text).
-- Quarantined rows still waiting for a person: not released after review, and not made moot by the
-- source itself. A row is moot once a later figure for the same series key was stored, or once the
-- document it came from was fetched again with different content and re-read (the source fixed it;
-- anything still wrong there was quarantined again as a new row).
-- Alerts treat these as one unresolved failure: not re-sent every run, cleared when none remain.
CREATE OR REPLACE VIEW open_quarantine AS
SELECT q.*
FROM quarantine AS q
WHERE q.released_at IS NULL
  AND NOT EXISTS (
      SELECT 1 FROM observations AS o
      WHERE o.source = q.source AND o.metric = q.metric AND o.subject = q.subject
        AND o.period_start = q.period_start AND o.period_end = q.period_end
        AND o.assessment = q.assessment AND o.recorded_at > q.quarantined_at
  )
  AND NOT EXISTS (
      SELECT 1 FROM raw_documents AS r
      JOIN parsed_documents AS p USING (sha256)
      WHERE r.url = q.url AND r.sha256 IS DISTINCT FROM q.document_sha256 AND p.parsed_at > q.quarantined_at
  );

COMMENT ON VIEW open_quarantine IS 'Quarantined rows still waiting for review: not released, no later figure stored for their series key, and their document not re-read with new content since. Alerts treat these as one unresolved failure until none remain.';
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

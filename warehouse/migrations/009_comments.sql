-- The data dictionary: a comment on every table, view and column of migrations 001-005 and 008
-- (006 and later comment their own objects), written for an analyst. `bulletins sql` or any DuckDB
-- client shows them (duckdb_tables(), duckdb_views(), duckdb_columns()); docs/schema.md is generated
-- from them by `make schema-doc`.
--
-- DuckDB drops a view's comments, and its columns' comments, when the view is replaced
-- (CREATE OR REPLACE VIEW). A migration that replaces a view must comment it again, in full.
-- A table keeps its comments through ALTER TABLE; a column it adds needs its own comment.


-- raw_documents
COMMENT ON TABLE raw_documents IS
    'One row per document body fetched at a URL: where it came from, when, its HTTP validators and where its bytes lie in the raw store; an unchanged re-fetch adds no row.';
COMMENT ON COLUMN raw_documents.sha256 IS
    'sha256 of the body: the raw store file name and observations.document_sha256.';
COMMENT ON COLUMN raw_documents.source IS
    'Source the document belongs to (isw, ukmod, genstaff, curated).';
COMMENT ON COLUMN raw_documents.url IS
    'URL the body was fetched from (an API page, a report, a feed, a file:// URL for the curated file).';
COMMENT ON COLUMN raw_documents.content_type IS
    'Content-Type header of the response, NULL when there was none.';
COMMENT ON COLUMN raw_documents.size_bytes IS
    'Size of the body in bytes.';
COMMENT ON COLUMN raw_documents.etag IS
    'ETag header, sent back as If-None-Match on the next fetch of the URL.';
COMMENT ON COLUMN raw_documents.last_modified IS
    'Last-Modified header as sent, sent back as If-Modified-Since on the next fetch.';
COMMENT ON COLUMN raw_documents.headers IS
    'Every response header, as a JSON object.';
COMMENT ON COLUMN raw_documents.fetched_at IS
    'When the body was fetched (UTC).';
COMMENT ON COLUMN raw_documents.run_id IS
    'The ingest run that fetched it (ingest_runs.run_id).';
COMMENT ON COLUMN raw_documents.path IS
    'Where the bytes are, relative to the raw store root ($BULLETINS_HOME/raw).';
COMMENT ON COLUMN raw_documents.published IS
    'The bulletin date discovery knew before parsing (an MoD post''s date, say), so a re-read dates it the same; NULL when discovery knew none.';

-- fetch_attempts
COMMENT ON TABLE fetch_attempts IS
    'One row per HTTP request for a document discovery listed, retries included: status, error, time taken and any Retry-After (discovery''s own listing requests are not recorded).';
COMMENT ON COLUMN fetch_attempts.run_id IS
    'The ingest run that made the request.';
COMMENT ON COLUMN fetch_attempts.source IS
    'Source the request was for.';
COMMENT ON COLUMN fetch_attempts.url IS
    'URL requested.';
COMMENT ON COLUMN fetch_attempts.attempted_at IS
    'When the request started (UTC).';
COMMENT ON COLUMN fetch_attempts.status IS
    'HTTP status received (304 when unchanged), NULL when no response came.';
COMMENT ON COLUMN fetch_attempts.error IS
    'Why the attempt failed (timeout, challenge page, host not allowed, ...), NULL when it succeeded.';
COMMENT ON COLUMN fetch_attempts.elapsed_ms IS
    'Time the attempt took, milliseconds.';
COMMENT ON COLUMN fetch_attempts.retry_after_s IS
    'Seconds the server asked to wait (Retry-After), NULL when it did not.';

-- ingest_runs
COMMENT ON TABLE ingest_runs IS
    'One row per ingest run of one source: its mode, parameters, counts, outcome and the watermark the next incremental run starts from.';
COMMENT ON COLUMN ingest_runs.run_id IS
    'Identifier of the run (the Prefect flow run id).';
COMMENT ON COLUMN ingest_runs.source IS
    'Source the run read.';
COMMENT ON COLUMN ingest_runs.mode IS
    'incremental (what changed since the last completed run), backfill (a date range) or reparse.';
COMMENT ON COLUMN ingest_runs.parameters IS
    'The run''s parameters as JSON (date_from, date_to).';
COMMENT ON COLUMN ingest_runs.started_at IS
    'When the run started (UTC).';
COMMENT ON COLUMN ingest_runs.finished_at IS
    'When the run finished (UTC); NULL while it runs or when it died without finishing.';
COMMENT ON COLUMN ingest_runs.status IS
    'running, completed or failed (the source could not be reached).';
COMMENT ON COLUMN ingest_runs.documents_discovered IS
    'Documents discovery listed for the run.';
COMMENT ON COLUMN ingest_runs.documents_fetched IS
    'Documents fetched with a new body and parsed.';
COMMENT ON COLUMN ingest_runs.documents_unchanged IS
    'Documents the server answered 304 for, or whose body had been read already.';
COMMENT ON COLUMN ingest_runs.documents_failed IS
    'Documents whose fetch failed after every retry.';
COMMENT ON COLUMN ingest_runs.observations_parsed IS
    'Figures the parsers returned, before validation and versioning.';
COMMENT ON COLUMN ingest_runs.rows_appended IS
    'New rows (versions) written to observations.';
COMMENT ON COLUMN ingest_runs.rows_quarantined IS
    'Figures held back in quarantine by a critical expectation.';
COMMENT ON COLUMN ingest_runs.watermark IS
    'Latest sitemap lastmod or report date seen: where the next incremental run starts.';
COMMENT ON COLUMN ingest_runs.message IS
    'One-line summary of the run, or why it failed.';

-- parsed_documents
COMMENT ON TABLE parsed_documents IS
    'Which parser version has read which document, so an unchanged document is not read twice and a parser upgrade re-reads what it has not.';
COMMENT ON COLUMN parsed_documents.sha256 IS
    'The document read (raw_documents.sha256).';
COMMENT ON COLUMN parsed_documents.parser_version IS
    'The parser version that read it.';
COMMENT ON COLUMN parsed_documents.run_id IS
    'The run that read it.';
COMMENT ON COLUMN parsed_documents.parsed_at IS
    'When it was read (UTC).';
COMMENT ON COLUMN parsed_documents.observations IS
    'How many figures the parser returned from it (0 for a page without figures).';

-- observations
COMMENT ON TABLE observations IS
    'Every version of every figure, append-only: one row per statement of a series point (source, metric, subject, period_start, period_end, assessment) that changed its value, bounds or qualifier. Units and conventions: DESIGN.md §4.';
COMMENT ON COLUMN observations.source IS
    'Who stated the figure: isw (Institute for the Study of War), ukmod (UK Ministry of Defence), genstaff (General Staff of Ukraine''s Armed Forces) or curated (reviewed press figures from curated/figures.yaml).';
COMMENT ON COLUMN observations.metric IS
    'What the figure measures, from the catalogue of DESIGN.md §4 (territory_gained, casualties_daily_avg, ...); General Staff counts are <equipment>_cumulative and personnel_cumulative.';
COMMENT ON COLUMN observations.subject IS
    'Whose gains or losses: RU (Russian forces) unless stated, UA (Ukrainian), KP (North Korean).';
COMMENT ON COLUMN observations.period_start IS
    'First day of the interval the figure covers, inclusive ("in March 2025" starts 2025-03-01; cumulative totals start on 2022-02-24).';
COMMENT ON COLUMN observations.period_end IS
    'Last day of the interval the figure covers, inclusive; for "so far" figures the bulletin''s date or its stated data cut-off.';
COMMENT ON COLUMN observations.value IS
    'The figure in the catalogue unit (square miles converted to km2); for a stated range, its midpoint.';
COMMENT ON COLUMN observations.value_low IS
    'Lower bound of a stated range (qualifier range), else NULL.';
COMMENT ON COLUMN observations.value_high IS
    'Upper bound of a stated range (qualifier range), else NULL.';
COMMENT ON COLUMN observations.unit IS
    'Unit of value: km2, km2_per_day, persons, persons_per_day, persons_per_km2 or count.';
COMMENT ON COLUMN observations.qualifier IS
    'How the source hedged the number: exact, approximately, over, under, up_to or range.';
COMMENT ON COLUMN observations.confidence IS
    'The source''s probability word if it gave one (likely, highly likely, almost certainly, ...), else NULL.';
COMMENT ON COLUMN observations.assessment IS
    'assessed: the source''s own figure; claimed: a claim the source reports (a Kremlin claim in an ISW report, say).';
COMMENT ON COLUMN observations.quote IS
    'The sentence the figure was read from, in the source''s words (the original units kept).';
COMMENT ON COLUMN observations.published_at IS
    'Date of the bulletin that stated the figure; the current value of a key is the one from the latest bulletin.';
COMMENT ON COLUMN observations.url IS
    'Where the bulletin was fetched from.';
COMMENT ON COLUMN observations.document_sha256 IS
    'sha256 of the fetched document; raw_documents.sha256 and the raw store file name.';
COMMENT ON COLUMN observations.parser_version IS
    'Parser that read the figure (isw-1, say); a parser fix that changes a figure adds a version.';
COMMENT ON COLUMN observations.version IS
    '1 for the first statement of a series key, +1 for each later-recorded change of value, bounds or qualifier (a repeat adds no row). Counts in recording order: after a backfill the current row (the latest published) need not have the highest version.';
COMMENT ON COLUMN observations.recorded_at IS
    'When the row was written (UTC transaction time): what the store knew at an instant is the rows recorded by then.';
COMMENT ON COLUMN observations.run_id IS
    'The ingest run that wrote the row (ingest_runs.run_id, the Prefect flow run id).';

-- validation_results
COMMENT ON TABLE validation_results IS
    'One row per Great Expectations validation of a batch of parsed figures: counts and the full result.';
COMMENT ON COLUMN validation_results.run_id IS
    'The ingest run the batch belongs to.';
COMMENT ON COLUMN validation_results.source IS
    'Source of the batch.';
COMMENT ON COLUMN validation_results.suite IS
    'Expectation suite run (expectations/suites/<suite>.json).';
COMMENT ON COLUMN validation_results.validated_at IS
    'When the batch was validated and loaded (UTC).';
COMMENT ON COLUMN validation_results.success IS
    'True when every expectation passed.';
COMMENT ON COLUMN validation_results.rows_checked IS
    'Figures in the batch.';
COMMENT ON COLUMN validation_results.rows_quarantined IS
    'Figures that failed a critical expectation and went to quarantine.';
COMMENT ON COLUMN validation_results.rows_warned IS
    'Figures that failed only warning expectations: loaded, but flagged.';
COMMENT ON COLUMN validation_results.expectations IS
    'One JSON entry per expectation: name, severity, success, unexpected_count and examples.';
COMMENT ON COLUMN validation_results.result IS
    'The full Great Expectations result as JSON, for audits.';

-- schema_migrations
COMMENT ON TABLE schema_migrations IS
    'One row per migration applied to this file (warehouse/migrations/NNN_*.sql); the schema version is the highest.';
COMMENT ON COLUMN schema_migrations.version IS
    'Migration number (NNN).';
COMMENT ON COLUMN schema_migrations.name IS
    'Migration file name.';
COMMENT ON COLUMN schema_migrations.applied_at IS
    'When it was applied (UTC).';

-- quarantine
COMMENT ON TABLE quarantine IS
    'Figures that failed a critical expectation, never loaded into observations: the figure as parsed, with the expectations it failed and why. The same figure from the same document is stored once.';
COMMENT ON COLUMN quarantine.quarantine_id IS
    'Random identifier of the quarantined row.';
COMMENT ON COLUMN quarantine.run_id IS
    'The ingest run that quarantined it.';
COMMENT ON COLUMN quarantine.quarantined_at IS
    'When it was quarantined (UTC).';
COMMENT ON COLUMN quarantine.failed_expectations IS
    'Names of the critical expectations the figure failed.';
COMMENT ON COLUMN quarantine.reason IS
    'Why, in words: the failed expectations and the offending values.';
COMMENT ON COLUMN quarantine.source IS
    'Who stated the figure: isw (Institute for the Study of War), ukmod (UK Ministry of Defence), genstaff (General Staff of Ukraine''s Armed Forces) or curated (reviewed press figures from curated/figures.yaml).';
COMMENT ON COLUMN quarantine.metric IS
    'What the figure measures, from the catalogue of DESIGN.md §4 (territory_gained, casualties_daily_avg, ...); General Staff counts are <equipment>_cumulative and personnel_cumulative.';
COMMENT ON COLUMN quarantine.subject IS
    'Whose gains or losses: RU (Russian forces) unless stated, UA (Ukrainian), KP (North Korean).';
COMMENT ON COLUMN quarantine.period_start IS
    'First day of the interval the figure covers, inclusive ("in March 2025" starts 2025-03-01; cumulative totals start on 2022-02-24).';
COMMENT ON COLUMN quarantine.period_end IS
    'Last day of the interval the figure covers, inclusive; for "so far" figures the bulletin''s date or its stated data cut-off.';
COMMENT ON COLUMN quarantine.value IS
    'The figure in the catalogue unit (square miles converted to km2); for a stated range, its midpoint.';
COMMENT ON COLUMN quarantine.value_low IS
    'Lower bound of a stated range (qualifier range), else NULL.';
COMMENT ON COLUMN quarantine.value_high IS
    'Upper bound of a stated range (qualifier range), else NULL.';
COMMENT ON COLUMN quarantine.unit IS
    'Unit of value: km2, km2_per_day, persons, persons_per_day, persons_per_km2 or count.';
COMMENT ON COLUMN quarantine.qualifier IS
    'How the source hedged the number: exact, approximately, over, under, up_to or range.';
COMMENT ON COLUMN quarantine.confidence IS
    'The source''s probability word if it gave one (likely, highly likely, almost certainly, ...), else NULL.';
COMMENT ON COLUMN quarantine.assessment IS
    'assessed: the source''s own figure; claimed: a claim the source reports (a Kremlin claim in an ISW report, say).';
COMMENT ON COLUMN quarantine.quote IS
    'The sentence the figure was read from, in the source''s words (the original units kept).';
COMMENT ON COLUMN quarantine.published_at IS
    'Date of the bulletin that stated the figure; the current value of a key is the one from the latest bulletin.';
COMMENT ON COLUMN quarantine.url IS
    'Where the bulletin was fetched from.';
COMMENT ON COLUMN quarantine.document_sha256 IS
    'sha256 of the fetched document; raw_documents.sha256 and the raw store file name.';
COMMENT ON COLUMN quarantine.parser_version IS
    'Parser that read the figure (isw-1, say); a parser fix that changes a figure adds a version.';

-- observations_history
COMMENT ON VIEW observations_history IS
    'Every row of observations with is_current: the full history of each series point, newest statement flagged.';
COMMENT ON COLUMN observations_history.source IS
    'Who stated the figure: isw (Institute for the Study of War), ukmod (UK Ministry of Defence), genstaff (General Staff of Ukraine''s Armed Forces) or curated (reviewed press figures from curated/figures.yaml).';
COMMENT ON COLUMN observations_history.metric IS
    'What the figure measures, from the catalogue of DESIGN.md §4 (territory_gained, casualties_daily_avg, ...); General Staff counts are <equipment>_cumulative and personnel_cumulative.';
COMMENT ON COLUMN observations_history.subject IS
    'Whose gains or losses: RU (Russian forces) unless stated, UA (Ukrainian), KP (North Korean).';
COMMENT ON COLUMN observations_history.period_start IS
    'First day of the interval the figure covers, inclusive ("in March 2025" starts 2025-03-01; cumulative totals start on 2022-02-24).';
COMMENT ON COLUMN observations_history.period_end IS
    'Last day of the interval the figure covers, inclusive; for "so far" figures the bulletin''s date or its stated data cut-off.';
COMMENT ON COLUMN observations_history.value IS
    'The figure in the catalogue unit (square miles converted to km2); for a stated range, its midpoint.';
COMMENT ON COLUMN observations_history.value_low IS
    'Lower bound of a stated range (qualifier range), else NULL.';
COMMENT ON COLUMN observations_history.value_high IS
    'Upper bound of a stated range (qualifier range), else NULL.';
COMMENT ON COLUMN observations_history.unit IS
    'Unit of value: km2, km2_per_day, persons, persons_per_day, persons_per_km2 or count.';
COMMENT ON COLUMN observations_history.qualifier IS
    'How the source hedged the number: exact, approximately, over, under, up_to or range.';
COMMENT ON COLUMN observations_history.confidence IS
    'The source''s probability word if it gave one (likely, highly likely, almost certainly, ...), else NULL.';
COMMENT ON COLUMN observations_history.assessment IS
    'assessed: the source''s own figure; claimed: a claim the source reports (a Kremlin claim in an ISW report, say).';
COMMENT ON COLUMN observations_history.quote IS
    'The sentence the figure was read from, in the source''s words (the original units kept).';
COMMENT ON COLUMN observations_history.published_at IS
    'Date of the bulletin that stated the figure; the current value of a key is the one from the latest bulletin.';
COMMENT ON COLUMN observations_history.url IS
    'Where the bulletin was fetched from.';
COMMENT ON COLUMN observations_history.document_sha256 IS
    'sha256 of the fetched document; raw_documents.sha256 and the raw store file name.';
COMMENT ON COLUMN observations_history.parser_version IS
    'Parser that read the figure (isw-1, say); a parser fix that changes a figure adds a version.';
COMMENT ON COLUMN observations_history.version IS
    '1 for the first statement of a series key, +1 for each later-recorded change of value, bounds or qualifier (a repeat adds no row). Counts in recording order: after a backfill the current row (the latest published) need not have the highest version.';
COMMENT ON COLUMN observations_history.recorded_at IS
    'When the row was written (UTC transaction time): what the store knew at an instant is the rows recorded by then.';
COMMENT ON COLUMN observations_history.run_id IS
    'The ingest run that wrote the row (ingest_runs.run_id, the Prefect flow run id).';
COMMENT ON COLUMN observations_history.is_current IS
    'True for the row in force: the statement of the latest-published bulletin (ties: the later recorded_at); exactly one per series key.';

-- observations_latest
COMMENT ON VIEW observations_latest IS
    'The current value of each series point (source, metric, subject, period_start, period_end, assessment): the statement of the most recently published bulletin, so a backfill of old reports never overrides a newer figure.';
COMMENT ON COLUMN observations_latest.source IS
    'Who stated the figure: isw (Institute for the Study of War), ukmod (UK Ministry of Defence), genstaff (General Staff of Ukraine''s Armed Forces) or curated (reviewed press figures from curated/figures.yaml).';
COMMENT ON COLUMN observations_latest.metric IS
    'What the figure measures, from the catalogue of DESIGN.md §4 (territory_gained, casualties_daily_avg, ...); General Staff counts are <equipment>_cumulative and personnel_cumulative.';
COMMENT ON COLUMN observations_latest.subject IS
    'Whose gains or losses: RU (Russian forces) unless stated, UA (Ukrainian), KP (North Korean).';
COMMENT ON COLUMN observations_latest.period_start IS
    'First day of the interval the figure covers, inclusive ("in March 2025" starts 2025-03-01; cumulative totals start on 2022-02-24).';
COMMENT ON COLUMN observations_latest.period_end IS
    'Last day of the interval the figure covers, inclusive; for "so far" figures the bulletin''s date or its stated data cut-off.';
COMMENT ON COLUMN observations_latest.value IS
    'The figure in the catalogue unit (square miles converted to km2); for a stated range, its midpoint.';
COMMENT ON COLUMN observations_latest.value_low IS
    'Lower bound of a stated range (qualifier range), else NULL.';
COMMENT ON COLUMN observations_latest.value_high IS
    'Upper bound of a stated range (qualifier range), else NULL.';
COMMENT ON COLUMN observations_latest.unit IS
    'Unit of value: km2, km2_per_day, persons, persons_per_day, persons_per_km2 or count.';
COMMENT ON COLUMN observations_latest.qualifier IS
    'How the source hedged the number: exact, approximately, over, under, up_to or range.';
COMMENT ON COLUMN observations_latest.confidence IS
    'The source''s probability word if it gave one (likely, highly likely, almost certainly, ...), else NULL.';
COMMENT ON COLUMN observations_latest.assessment IS
    'assessed: the source''s own figure; claimed: a claim the source reports (a Kremlin claim in an ISW report, say).';
COMMENT ON COLUMN observations_latest.quote IS
    'The sentence the figure was read from, in the source''s words (the original units kept).';
COMMENT ON COLUMN observations_latest.published_at IS
    'Date of the bulletin that stated the figure; the current value of a key is the one from the latest bulletin.';
COMMENT ON COLUMN observations_latest.url IS
    'Where the bulletin was fetched from.';
COMMENT ON COLUMN observations_latest.document_sha256 IS
    'sha256 of the fetched document; raw_documents.sha256 and the raw store file name.';
COMMENT ON COLUMN observations_latest.parser_version IS
    'Parser that read the figure (isw-1, say); a parser fix that changes a figure adds a version.';
COMMENT ON COLUMN observations_latest.version IS
    '1 for the first statement of a series key, +1 for each later-recorded change of value, bounds or qualifier (a repeat adds no row). Counts in recording order: after a backfill the current row (the latest published) need not have the highest version.';
COMMENT ON COLUMN observations_latest.recorded_at IS
    'When the row was written (UTC transaction time): what the store knew at an instant is the rows recorded by then.';
COMMENT ON COLUMN observations_latest.run_id IS
    'The ingest run that wrote the row (ingest_runs.run_id, the Prefect flow run id).';

-- territory_monthly
COMMENT ON VIEW territory_monthly IS
    'Territory Russian forces gained per calendar month, one row per month and source; only current assessed statements covering exactly one month ("since November 1" is not a month).';
COMMENT ON COLUMN territory_monthly.month IS
    'First day of the calendar month.';
COMMENT ON COLUMN territory_monthly.source IS
    'Who stated the gain (isw, ukmod, ...).';
COMMENT ON COLUMN territory_monthly.territory_gained_km2 IS
    'Territory gained in the month, km2.';
COMMENT ON COLUMN territory_monthly.qualifier IS
    'How the source hedged it (exact, approximately, over, ...).';
COMMENT ON COLUMN territory_monthly.published_at IS
    'Date of the bulletin that stated it.';
COMMENT ON COLUMN territory_monthly.quote IS
    'The sentence it was read from.';
COMMENT ON COLUMN territory_monthly.url IS
    'The bulletin''s URL.';

-- genstaff_monthly_casualties
COMMENT ON VIEW genstaff_monthly_casualties IS
    'Russian personnel losses per calendar month from the General Staff''s cumulative daily reports, under the MoD convention (report of the 1st of the next month minus report of the 1st) and ISW''s (last day of the month minus last day of the previous month); NULL when a needed report is missing, never interpolated.';
COMMENT ON COLUMN genstaff_monthly_casualties.month IS
    'First day of the calendar month.';
COMMENT ON COLUMN genstaff_monthly_casualties.month_end IS
    'Last day of the month.';
COMMENT ON COLUMN genstaff_monthly_casualties.days_in_month IS
    'Days in the month: the divisor of the daily averages.';
COMMENT ON COLUMN genstaff_monthly_casualties.mod_open_date IS
    'MoD convention: date of the opening report, the 1st of the month.';
COMMENT ON COLUMN genstaff_monthly_casualties.mod_open_personnel IS
    'Cumulative personnel losses in the opening report (persons since 2022-02-24).';
COMMENT ON COLUMN genstaff_monthly_casualties.mod_close_date IS
    'MoD convention: date of the closing report, the 1st of the next month.';
COMMENT ON COLUMN genstaff_monthly_casualties.mod_close_personnel IS
    'Cumulative personnel losses in the closing report.';
COMMENT ON COLUMN genstaff_monthly_casualties.mod_casualties IS
    'Losses in the month under the MoD convention, persons (closing minus opening).';
COMMENT ON COLUMN genstaff_monthly_casualties.mod_daily_avg IS
    'mod_casualties / days_in_month, persons a day: what the UK MoD quotes as the month''s daily average.';
COMMENT ON COLUMN genstaff_monthly_casualties.isw_open_date IS
    'ISW convention: date of the opening report, the last day of the previous month.';
COMMENT ON COLUMN genstaff_monthly_casualties.isw_open_personnel IS
    'Cumulative personnel losses in the opening report.';
COMMENT ON COLUMN genstaff_monthly_casualties.isw_close_date IS
    'ISW convention: date of the closing report, the last day of the month.';
COMMENT ON COLUMN genstaff_monthly_casualties.isw_close_personnel IS
    'Cumulative personnel losses in the closing report.';
COMMENT ON COLUMN genstaff_monthly_casualties.isw_casualties IS
    'Losses in the month under the ISW convention, persons.';
COMMENT ON COLUMN genstaff_monthly_casualties.isw_daily_avg IS
    'isw_casualties / days_in_month, persons a day.';

-- casualties_per_km2
COMMENT ON VIEW casualties_per_km2 IS
    'What each km2 gained cost: General Staff casualties of a calendar month divided by the km2 a source says Russian forces gained in that month; one row per month and pairing, inputs beside the ratio.';
COMMENT ON COLUMN casualties_per_km2.month IS
    'First day of the calendar month.';
COMMENT ON COLUMN casualties_per_km2.pairing IS
    'genstaff/isw (ISW''s km2, casualties under the ISW convention) or genstaff/ukmod (MoD''s km2, casualties under the MoD convention).';
COMMENT ON COLUMN casualties_per_km2.territory_source IS
    'Who stated the territory gained: isw or ukmod.';
COMMENT ON COLUMN casualties_per_km2.casualties_convention IS
    'Day convention of the casualty figure: isw (month end to month end) or mod (1st to 1st).';
COMMENT ON COLUMN casualties_per_km2.casualties_from_report IS
    'Date of the General Staff report the month''s casualties start from.';
COMMENT ON COLUMN casualties_per_km2.casualties_to_report IS
    'Date of the General Staff report they end at.';
COMMENT ON COLUMN casualties_per_km2.genstaff_casualties IS
    'General Staff personnel losses in the month under that convention, persons; NULL when a report is missing.';
COMMENT ON COLUMN casualties_per_km2.km2_gained IS
    'Territory gained in the month by the source''s current statement, km2.';
COMMENT ON COLUMN casualties_per_km2.km2_qualifier IS
    'How the source hedged the km2 (exact, approximately, over, ...).';
COMMENT ON COLUMN casualties_per_km2.casualties_per_km2 IS
    'genstaff_casualties / km2_gained, persons per km2; NULL when either is missing or the gain is zero.';
COMMENT ON COLUMN casualties_per_km2.km2_published_at IS
    'Date of the bulletin that stated the km2.';
COMMENT ON COLUMN casualties_per_km2.km2_url IS
    'That bulletin''s URL.';

-- mod_monthly_casualties
COMMENT ON VIEW mod_monthly_casualties IS
    'What the UK MoD said Russian forces lost in a calendar month (a daily average or a total), one row per month and statement, beside the General Staff''s losses for that month under the MoD convention (1st of the month to 1st of the next).';
COMMENT ON COLUMN mod_monthly_casualties.month IS
    'First day of the calendar month the statement covers.';
COMMENT ON COLUMN mod_monthly_casualties.metric IS
    'casualties_daily_avg (persons a day) or casualties_in_period (persons in the month).';
COMMENT ON COLUMN mod_monthly_casualties.unit IS
    'Unit of mod_value and genstaff_value: persons_per_day or persons.';
COMMENT ON COLUMN mod_monthly_casualties.mod_value IS
    'The MoD''s figure, current statement.';
COMMENT ON COLUMN mod_monthly_casualties.mod_qualifier IS
    'How the MoD hedged it (exact, approximately, over, ...).';
COMMENT ON COLUMN mod_monthly_casualties.mod_confidence IS
    'The MoD''s probability word (likely, almost certainly, ...), NULL when none.';
COMMENT ON COLUMN mod_monthly_casualties.genstaff_value IS
    'The General Staff figure in the same unit as mod_value (daily average or month total, MoD convention); NULL when a report is missing.';
COMMENT ON COLUMN mod_monthly_casualties.genstaff_casualties IS
    'General Staff personnel losses in the month, MoD convention, persons.';
COMMENT ON COLUMN mod_monthly_casualties.genstaff_daily_avg IS
    'genstaff_casualties / days in the month, persons a day.';
COMMENT ON COLUMN mod_monthly_casualties.genstaff_from_report IS
    'Date of the opening General Staff report (the 1st of the month).';
COMMENT ON COLUMN mod_monthly_casualties.genstaff_to_report IS
    'Date of the closing General Staff report (the 1st of the next month).';
COMMENT ON COLUMN mod_monthly_casualties.published_at IS
    'Date of the MoD update that made the statement.';
COMMENT ON COLUMN mod_monthly_casualties.quote IS
    'The sentence the MoD figure was read from.';
COMMENT ON COLUMN mod_monthly_casualties.url IS
    'The MoD update''s URL.';

-- source_freshness
COMMENT ON VIEW source_freshness IS
    'One row per source: the newest document stored, figure recorded, run, failed run and quarantined row, to tell at a glance whether a source is up to date; NULL where nothing of that kind exists yet.';
COMMENT ON COLUMN source_freshness.source IS
    'The source (isw, ukmod, genstaff, curated).';
COMMENT ON COLUMN source_freshness.last_fetched_at IS
    'When the newest document body was stored (raw_documents.fetched_at, UTC); an unchanged re-fetch stores nothing.';
COMMENT ON COLUMN source_freshness.last_fetched_url IS
    'URL of that document.';
COMMENT ON COLUMN source_freshness.last_document_published IS
    'Newest bulletin date discovery knew among the stored documents (raw_documents.published).';
COMMENT ON COLUMN source_freshness.last_figure_recorded_at IS
    'When the newest observations row was written (UTC).';
COMMENT ON COLUMN source_freshness.last_figure_published_at IS
    'Newest bulletin date among the source''s figures (observations.published_at).';
COMMENT ON COLUMN source_freshness.last_run_id IS
    'The latest ingest run by start time, whatever its outcome.';
COMMENT ON COLUMN source_freshness.last_run_mode IS
    'Its mode: incremental, backfill or reparse.';
COMMENT ON COLUMN source_freshness.last_run_status IS
    'Its status: running, completed or failed (running long after started_at means it died).';
COMMENT ON COLUMN source_freshness.last_run_started_at IS
    'When it started (UTC).';
COMMENT ON COLUMN source_freshness.last_run_finished_at IS
    'When it finished (UTC), NULL if it has not.';
COMMENT ON COLUMN source_freshness.last_run_message IS
    'Its one-line summary.';
COMMENT ON COLUMN source_freshness.last_failed_run_id IS
    'The latest run with status failed.';
COMMENT ON COLUMN source_freshness.last_failed_run_started_at IS
    'When that run started (UTC).';
COMMENT ON COLUMN source_freshness.last_failed_run_message IS
    'Why it failed.';
COMMENT ON COLUMN source_freshness.last_quarantine_id IS
    'The latest quarantined row of the source (quarantine.quarantine_id).';
COMMENT ON COLUMN source_freshness.last_quarantined_at IS
    'When it was quarantined (UTC).';
COMMENT ON COLUMN source_freshness.last_quarantined_metric IS
    'Its metric.';
COMMENT ON COLUMN source_freshness.last_quarantine_reason IS
    'Why it was quarantined.';

-- observations_as_of
COMMENT ON MACRO TABLE observations_as_of IS
    'What the store said at instant ts, the current row of each series key among the rows recorded by then (same rule as observations_latest).';

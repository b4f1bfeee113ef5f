-- Keys the warehouse promises but DuckLake cannot enforce (it has no PRIMARY KEY): the loader keeps
-- them (INSERT ... WHERE NOT EXISTS, one ingest per source at a time); this lists any that broke.
-- Empty on a sound warehouse, embedded or lake; the distributed tests and `bulletins sql` run it.
SELECT 'observations' AS relation, concat_ws('|', source, metric, subject, period_start, period_end, assessment,
       version) AS key, count(*) AS copies
FROM observations GROUP BY ALL HAVING count(*) > 1
UNION ALL
SELECT 'raw_documents', concat_ws('|', sha256, url), count(*)
FROM raw_documents GROUP BY ALL HAVING count(*) > 1
UNION ALL
SELECT 'parsed_documents', concat_ws('|', sha256, parser_version), count(*)
FROM parsed_documents GROUP BY ALL HAVING count(*) > 1
UNION ALL
SELECT 'parsed_document_metrics', concat_ws('|', sha256, parser_version, metric), count(*)
FROM parsed_document_metrics GROUP BY ALL HAVING count(*) > 1
UNION ALL
SELECT 'ingest_runs', run_id, count(*)
FROM ingest_runs GROUP BY ALL HAVING count(*) > 1
UNION ALL
SELECT 'quarantine', quarantine_id, count(*)
FROM quarantined_rows GROUP BY ALL HAVING count(*) > 1
UNION ALL
SELECT 'alerts', alert_id, count(*)
FROM alerts GROUP BY ALL HAVING count(*) > 1
ORDER BY relation, key;

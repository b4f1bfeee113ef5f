-- Quarantined rows still waiting for a person: not released or acknowledged after review, and not made moot by the
-- source itself. A row is moot once a later figure for the same series key was stored, or once the
-- document it came from was fetched again with different content and re-read (the source fixed it;
-- anything still wrong there was quarantined again as a new row).
-- Alerts treat these as one unresolved failure: not re-sent every run, cleared when none remain.
CREATE OR REPLACE VIEW open_quarantine AS
SELECT q.*
FROM quarantine AS q
WHERE q.released_at IS NULL AND q.acknowledged_at IS NULL
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

-- Every alert decision of every flow run that found problems or recovered from them: what was
-- sent, what was held back as a repeat, and whether it reached anyone. flows/alerts.py reads the
-- latest non-suppressed row of a source to know whether a problem is still open.

CREATE TABLE alerts (
    alert_id     VARCHAR     PRIMARY KEY,
    run_id       VARCHAR     NOT NULL,
    source       VARCHAR     NOT NULL,
    kind         VARCHAR     NOT NULL CHECK (kind IN ('problem', 'all_clear', 'suppressed')),
    status       VARCHAR     NOT NULL CHECK (status IN ('clean', 'warning', 'critical')),
    fingerprint  VARCHAR     NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    delivered    BOOLEAN     NOT NULL,
    attempts     INTEGER     NOT NULL,
    error        VARCHAR,
    destination  VARCHAR,
    payload      JSON        NOT NULL
);

COMMENT ON TABLE alerts IS
    'One row per alert decision of a flow run: a problem alert, an all-clear, or a repeat held back (suppressed).';
COMMENT ON COLUMN alerts.alert_id IS
    'Random identifier of this decision; also sent to the receiver as bulletins.alert_id.';
COMMENT ON COLUMN alerts.run_id IS
    'The flow run whose report was judged (ingest_runs.run_id).';
COMMENT ON COLUMN alerts.source IS
    'Source the run read (isw, ukmod, genstaff, curated); open problems are tracked per source.';
COMMENT ON COLUMN alerts.kind IS
    'problem: problems were sent; all_clear: a clean run closed an open problem; suppressed: same problems as the open alert, within alert_repeat_hours, not sent.';
COMMENT ON COLUMN alerts.status IS
    'The run''s status: clean, warning (only warning problems) or critical (at least one critical problem).';
COMMENT ON COLUMN alerts.fingerprint IS
    'RunReport.fingerprint: equal for runs with the same set of problems (kind, check, severity), whatever their counts.';
COMMENT ON COLUMN alerts.created_at IS
    'When the decision was made (UTC); the repeat window of a problem alert counts from here.';
COMMENT ON COLUMN alerts.delivered IS
    'True when every configured destination accepted the message; false for suppressed rows and failed or unconfigured delivery.';
COMMENT ON COLUMN alerts.attempts IS
    'Delivery attempts made, over all destinations (0 when nothing was sent).';
COMMENT ON COLUMN alerts.error IS
    'Why delivery failed, one line per failed destination; NULL when delivered or suppressed.';
COMMENT ON COLUMN alerts.destination IS
    'Where the message went, secrets removed: scheme and host of the URL, or prefect-block:<slug>/<name>; NULL when none is configured.';
COMMENT ON COLUMN alerts.payload IS
    'The JSON message sent (or that would have been sent): {"text": summary, "bulletins": the run report with kind and alert_id}.';

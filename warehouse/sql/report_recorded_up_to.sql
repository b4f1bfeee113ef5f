-- When the newest figure was recorded: the "as of" line of `bulletins report` (NULL when empty).
SELECT CAST(max(recorded_at) AS TIMESTAMPTZ) AS recorded_up_to
FROM observations;

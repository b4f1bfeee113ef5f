-- What the UK MoD said Russian forces lost in a calendar month, beside what the General Staff's
-- daily reports give for the same month under the MoD's convention (report dated the 1st of the
-- next month minus report dated the 1st of the month; see genstaff_monthly_casualties).
--
-- One row per month and MoD statement: a daily average (casualties_daily_avg, persons a day) or a
-- month's total (casualties_in_period, persons). genstaff_value is the General Staff figure in the
-- same unit as mod_value, so the two compare directly. Only current statements (observations_latest)
-- that cover exactly one calendar month count: "in 2024" or "since January" is not a month.
-- The General Staff columns are NULL when a report the convention needs is missing.
-- Depends on the view genstaff_monthly_casualties (create that first).
CREATE OR REPLACE VIEW mod_monthly_casualties AS
SELECT
    CAST(o.period_start AS DATE)                                     AS month,
    o.metric,
    o.unit,
    o.value                                                          AS mod_value,
    o.qualifier                                                      AS mod_qualifier,
    o.confidence                                                     AS mod_confidence,
    CASE o.metric
        WHEN 'casualties_daily_avg' THEN g.mod_daily_avg
        ELSE g.mod_casualties
    END                                                              AS genstaff_value,
    g.mod_casualties                                                 AS genstaff_casualties,
    g.mod_daily_avg                                                  AS genstaff_daily_avg,
    g.mod_open_date                                                  AS genstaff_from_report,
    g.mod_close_date                                                 AS genstaff_to_report,
    o.published_at,
    o.quote,
    o.url
FROM observations_latest AS o
LEFT JOIN genstaff_monthly_casualties AS g ON g.month = o.period_start
WHERE o.source = 'ukmod'
  AND o.metric IN ('casualties_daily_avg', 'casualties_in_period')
  AND o.subject = 'RU'
  AND o.assessment = 'assessed'
  AND day(o.period_start) = 1
  AND o.period_end = last_day(o.period_start)
ORDER BY month, o.metric;

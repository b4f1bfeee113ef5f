-- What each square kilometre gained costs: General Staff casualties of a calendar month divided
-- by the territory a source says Russian forces gained in exactly that month (issue 4).
--
-- One row per month and pairing:
--   genstaff/isw   - ISW's km2 with casualties under ISW's convention (last day of the month
--                    minus last day of the previous month);
--   genstaff/ukmod - the MoD's km2 with casualties under the MoD's convention (1st of the next
--                    month minus 1st of the month).
-- Only territory statements covering exactly one calendar month count ("in March 2025"; not
-- "since November 1"). The inputs are shown beside the ratio; the ratio is NULL when the
-- casualty figure is missing or the gain is zero.
-- Depends on the view genstaff_monthly_casualties (create that first).
CREATE OR REPLACE VIEW casualties_per_km2 AS
WITH monthly_gains AS (
    SELECT
        CAST(period_start AS DATE) AS month,
        source                     AS territory_source,
        value                      AS km2_gained,
        qualifier                  AS km2_qualifier,
        published_at               AS km2_published_at,
        url                        AS km2_url
    FROM observations_latest
    WHERE metric = 'territory_gained'
      AND source IN ('isw', 'ukmod')
      AND subject = 'RU'
      AND assessment = 'assessed'
      AND day(period_start) = 1
      AND period_end = last_day(period_start)
)
SELECT
    g.month,
    'genstaff/' || g.territory_source                                AS pairing,
    g.territory_source,
    CASE g.territory_source WHEN 'isw' THEN 'isw' ELSE 'mod' END      AS casualties_convention,
    CASE g.territory_source WHEN 'isw' THEN c.isw_open_date ELSE c.mod_open_date END
                                                                      AS casualties_from_report,
    CASE g.territory_source WHEN 'isw' THEN c.isw_close_date ELSE c.mod_close_date END
                                                                      AS casualties_to_report,
    CASE g.territory_source WHEN 'isw' THEN c.isw_casualties ELSE c.mod_casualties END
                                                                      AS genstaff_casualties,
    g.km2_gained,
    g.km2_qualifier,
    CASE g.territory_source WHEN 'isw' THEN c.isw_casualties ELSE c.mod_casualties END
        / NULLIF(g.km2_gained, 0)                                     AS casualties_per_km2,
    g.km2_published_at,
    g.km2_url
FROM monthly_gains AS g
LEFT JOIN genstaff_monthly_casualties AS c ON c.month = g.month
ORDER BY g.month, pairing;

-- Chart 3 of `bulletins report`: General Staff casualties per km2 gained, per month and source
-- pairing (casualties_per_km2). The quote and link are the territory statement's.
-- A bound on the km2 bounds the ratio the other way: "over 700 km2" gives "under 65.3 per km2";
-- an "up to" or a range of km2 gives no qualifier the catalogue has, so NULL.
-- Columns as in report_territory_monthly.sql; y is NULL when an input is missing or zero.
SELECT
    c.pairing                 AS series,
    c.month                   AS x,
    c.casualties_per_km2      AS y,
    CASE c.km2_qualifier
        WHEN 'over'  THEN 'under'
        WHEN 'under' THEN 'over'
        WHEN 'exact' THEN 'exact'
        WHEN 'approximately' THEN 'approximately'
    END                       AS qualifier,
    t.quote,
    c.km2_url                 AS url,
    c.genstaff_casualties,
    c.km2_gained,
    c.km2_qualifier,
    c.casualties_convention
FROM casualties_per_km2 AS c
LEFT JOIN territory_monthly AS t ON t.month = c.month AND t.source = c.territory_source
ORDER BY series, x;

-- known_by_evidence_date(dated): whether a figure dated so was public by the evidence date.
-- After SET VARIABLE evidence_until = DATE 'YYYY-MM-DD', a date on or before that day is;
-- unset, every date is. The one evidence-time comparison of the claims, prices, market_caps
-- and estimates views.
CREATE MACRO known_by_evidence_date(dated) AS
    dated <= coalesce(getvariable('evidence_until')::DATE, DATE '9999-12-31');

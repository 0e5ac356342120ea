-- market_caps: close x the shares-outstanding claim in force on that date. A price older
-- than every shares claim for its ticker uses the earliest one (shares move slowly); the
-- claim used is named in shares_claim_id so the number can be traced.
-- Evidence time: after SET VARIABLE evidence_until = DATE 'YYYY-MM-DD' only the prices dated
-- and the shares claims stated on or before that day (unset: all of them). The same
-- comparison as the claims and prices views'.
CREATE VIEW market_caps AS
WITH shares AS (
    SELECT subject AS ticker, stated_on, value AS shares_outstanding, claim_id
    FROM claim_records
    WHERE metric = 'shares_outstanding' AND value IS NOT NULL
      AND stated_on <= coalesce(getvariable('evidence_until')::DATE, DATE '9999-12-31')
    QUALIFY row_number() OVER (PARTITION BY subject, stated_on ORDER BY claim_id) = 1
), earliest AS (
    SELECT ticker, arg_min(shares_outstanding, stated_on) AS shares_outstanding,
           arg_min(claim_id, stated_on) AS claim_id
    FROM shares GROUP BY ticker
)
SELECT p.ticker, p.date, p.close, p.adjusted,
       coalesce(s.shares_outstanding, e.shares_outstanding) AS shares_outstanding,
       p.close * coalesce(s.shares_outstanding, e.shares_outstanding) AS market_cap,
       coalesce(s.claim_id, e.claim_id) AS shares_claim_id
FROM price_records AS p
ASOF LEFT JOIN shares AS s ON p.ticker = s.ticker AND p.date >= s.stated_on
LEFT JOIN earliest AS e ON p.ticker = e.ticker
WHERE p.date <= coalesce(getvariable('evidence_until')::DATE, DATE '9999-12-31');

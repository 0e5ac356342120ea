-- claim_gaps: how far each claim falls outside the ranges of the estimators it is compared
-- with (the reconciliation view's rows: the same frames and method matching), one row per
-- frame, claim and estimator. gap is |log10| of claim / the nearest end of the estimate's
-- range, 0 inside it, with the claim's bound respected: a floor ("more than") below the range
-- or a ceiling ("up to") above it is no gap. A claim that gave only a range (no value) is
-- compared by its range: 0 when the two ranges overlap, else the log10 distance between their
-- nearest ends. direction: above, below or inside. claim_gap is the claim's gap to the
-- nearest of its estimators' ranges in that frame (0 when any range agrees), nearest marks
-- the row that gives it (the first estimator by name on a tie). Claims that are never
-- evidence (misattributed, retracted) and non-positive figures are left out.
CREATE VIEW claim_gaps AS
WITH rows AS (
    SELECT r.frame, r.subject, s.kind, r.claim_id, r.claimant, r.stated_on, r.metric, r.scope,
           r.method, r.bound, r.claim_value, r.claim_low, r.claim_high, r.unit,
           c.source_url, c.source_title, r.estimator, r.as_of, r.value, r.low, r.high,
           CASE WHEN c.value IS NULL AND r.claim_low IS NOT NULL AND r.claim_high IS NOT NULL
                THEN r.claim_low ELSE r.claim_value END AS at_least,
           CASE WHEN c.value IS NULL AND r.claim_low IS NOT NULL AND r.claim_high IS NOT NULL
                THEN r.claim_high ELSE r.claim_value END AS at_most
    FROM reconciliation AS r
    JOIN claims AS c USING (claim_id)
    LEFT JOIN subjects AS s ON s.subject = r.subject
    WHERE r.estimator IS NOT NULL AND NOT never_evidence(r.status)
      AND r.claim_value > 0 AND r.low > 0 AND r.high > 0
), gaps AS (
    SELECT *,
           CASE WHEN at_least > high AND bound IS DISTINCT FROM 'upper'
                    THEN log10(at_least / high)
                WHEN at_most < low AND bound IS DISTINCT FROM 'lower'
                    THEN log10(low / at_most)
                ELSE 0.0
           END AS gap
    FROM rows
)
SELECT *,
       CASE WHEN gap = 0 THEN 'inside' WHEN at_least > high THEN 'above' ELSE 'below' END
           AS direction,
       min(gap) OVER claim AS claim_gap,
       row_number() OVER (PARTITION BY frame, claim_id ORDER BY gap, estimator) = 1 AS nearest
FROM gaps
WINDOW claim AS (PARTITION BY frame, claim_id);

-- reconciliation: every claim against each estimate of the same subject, metric and scope
-- at the claim's date: the estimator's latest estimate at or before it (an estimate holds
-- until the subject's next evidence date, and used only evidence public by then; a claim left
-- out of the evidence has no evidence date of its own). claim_value is the
-- claim's point (claim_point: its value, or the geometric middle of its range when it gave
-- only a range).
-- ratio = claim_value / estimate. inside_range says whether the claim agrees with the
-- estimate's [low, high], by the claim's bound: an exact or approximate figure lies inside it;
-- a lower bound ("more than $500M") agrees when the range reaches above it (high >= value);
-- an upper bound ("up to $944M") when it reaches below it (low <= value). status says whether
-- the claim is current, disputed, misattributed or retracted (the last two are never evidence:
-- never_evidence).
CREATE VIEW reconciliation AS
WITH claim_points AS (
    SELECT claim_id, subject, metric, scope, qualifier, claimant, stated_on, unit, bound, status,
           low AS claim_low, high AS claim_high,
           claim_point(value, low, high) AS claim_value
    FROM claims
)
SELECT c.claim_id, c.subject, c.metric, c.scope, c.qualifier, c.claimant, c.stated_on,
       e.estimator, e.estimator_version,
       c.claim_value, c.claim_low, c.claim_high,
       e.value, e.low, e.high, c.unit,
       c.claim_value / nullif(e.value, 0) AS ratio,
       CASE c.bound
           WHEN 'lower' THEN e.high >= c.claim_value
           WHEN 'upper' THEN e.low <= c.claim_value
           ELSE c.claim_value BETWEEN e.low AND e.high
       END AS inside_range,
       e.snapshot_id, e.inputs, e.assumed, c.bound, c.status
FROM claim_points AS c
JOIN (SELECT DISTINCT subject, metric, scope, estimator FROM estimates) AS k
  USING (subject, metric, scope)
ASOF JOIN estimates AS e
  ON e.subject = c.subject AND e.metric = c.metric AND e.scope = c.scope
 AND e.estimator = k.estimator AND c.stated_on >= e.as_of;

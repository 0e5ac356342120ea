-- reconciliation: every claim of an amount in dollars (unit usd: a price per GPU-hour is an
-- input, not a cost) or of a metric some estimate gives, against
-- the estimates of the same subject, metric and scope, in two frames (the frame column):
--   at_claim_date  each estimator's latest estimate at or before the claim's date (an estimate
--                  holds until the subject's next evidence date, and used only evidence public
--                  by then): was the figure plausible when it was said?
--   latest         each estimator's newest estimate (its latest as_of in the estimates view):
--                  where does the figure sit against the models now?
-- Methods: a claim whose qualifier names a method (claim_method) is compared only with the
-- estimates of estimators that declare it; a claim with no method with every estimator of its
-- metric and scope (method_matches).
-- A claim with nothing to compare with in a frame gets one row with no estimator and a reason
-- (reason_kind, and reason in words):
--   no_estimator   no stored estimate, of any subject, has this metric and scope (and method)
--   missing_input  some do, none for this subject: reason names the kinds of input (metric and
--                  scope of the subject's own claims) those estimators used for other subjects
--                  that this subject has no claim of. The warehouse records what each estimate
--                  used (estimates.inputs), not why an estimator skipped a subject, so this is
--                  the honest source: what the same estimators needed elsewhere.
--   not_yet        (at_claim_date only) the subject has estimates, but none at or before the
--                  claim's date: reason names the first estimate's date
-- claim_value is the claim's point (claim_point: its value, or the geometric middle of its
-- range when it gave only a range). ratio = claim_value / estimate. inside_range says whether
-- the claim agrees with the estimate's [low, high], by the claim's bound: an exact or
-- approximate figure lies inside it; a lower bound ("more than $500M") agrees when the range
-- reaches above it (high >= value); an upper bound ("up to $944M") when it reaches below it
-- (low <= value). status says whether the claim is current, disputed, misattributed or
-- retracted (the last two are never evidence: never_evidence). as_of is the estimate's
-- evidence date.
CREATE VIEW reconciliation AS
WITH claim_points AS (
    SELECT claim_id, subject, metric, scope, qualifier, claim_method(qualifier) AS method,
           claimant, stated_on, unit, bound, status,
           low AS claim_low, high AS claim_high,
           claim_point(value, low, high) AS claim_value
    FROM claims
    WHERE unit = 'usd' OR metric IN (SELECT metric FROM estimates)
), series AS (
    -- each estimator's series of a subject, metric and scope, with the methods it models
    SELECT subject, metric, scope, estimator, list_distinct(flatten(list(methods))) AS methods,
           min(as_of) AS first_as_of
    FROM estimates
    GROUP BY subject, metric, scope, estimator
), newest AS (
    SELECT * FROM estimates
    QUALIFY row_number() OVER (PARTITION BY subject, metric, scope, estimator
                               ORDER BY as_of DESC) = 1
), at_date AS (
    SELECT 'at_claim_date' AS frame, c.*, e.estimator, e.estimator_version, e.as_of,
           e.value, e.low, e.high, e.snapshot_id, e.inputs, e.assumed
    FROM claim_points AS c
    JOIN series AS k
      ON k.subject = c.subject AND k.metric = c.metric AND k.scope = c.scope
     AND method_matches(c.method, k.methods)
    ASOF JOIN estimates AS e
      ON e.subject = c.subject AND e.metric = c.metric AND e.scope = c.scope
     AND e.estimator = k.estimator AND c.stated_on >= e.as_of
), at_latest AS (
    SELECT 'latest' AS frame, c.*, e.estimator, e.estimator_version, e.as_of,
           e.value, e.low, e.high, e.snapshot_id, e.inputs, e.assumed
    FROM claim_points AS c
    JOIN newest AS e
      ON e.subject = c.subject AND e.metric = c.metric AND e.scope = c.scope
     AND method_matches(c.method, e.methods)
), compared AS (
    SELECT * FROM at_date UNION ALL BY NAME SELECT * FROM at_latest
), modelled AS (
    -- the estimators of each claim's metric, scope and method, of any subject
    SELECT DISTINCT c.claim_id, k.estimator
    FROM claim_points AS c
    JOIN series AS k
      ON k.metric = c.metric AND k.scope = c.scope AND method_matches(c.method, k.methods)
), used AS (
    -- the kinds of the subject's own evidence each estimator's estimates used
    SELECT DISTINCT e.estimator, e.metric, e.scope, i.metric || ' ' || i.scope AS input
    FROM (SELECT estimator, subject, metric, scope, unnest(inputs) AS claim_id FROM estimates) AS e
    JOIN claims AS i ON i.claim_id = e.claim_id AND i.subject = e.subject
), own AS (
    SELECT DISTINCT subject, metric || ' ' || scope AS input FROM claims
), needed AS (
    SELECT c.claim_id, c.subject, m.estimator, u.input
    FROM claim_points AS c
    JOIN modelled AS m USING (claim_id)
    LEFT JOIN used AS u ON u.estimator = m.estimator AND u.metric = c.metric AND u.scope = c.scope
), lacking AS (
    SELECT n.claim_id,
           string_agg(DISTINCT n.input, ', ' ORDER BY n.input)
               FILTER (WHERE o.input IS NULL AND n.input IS NOT NULL) AS inputs,
           string_agg(DISTINCT n.estimator, ', ' ORDER BY n.estimator) AS estimators
    FROM needed AS n
    LEFT JOIN own AS o ON o.subject = n.subject AND o.input = n.input
    GROUP BY n.claim_id
), frames AS (
    SELECT unnest(['at_claim_date', 'latest']) AS frame
), uncompared AS (
    SELECT f.frame, c.*,
           CASE WHEN l.claim_id IS NULL THEN 'no_estimator'
                WHEN NOT EXISTS (SELECT 1 FROM series AS k
                                 WHERE k.subject = c.subject AND k.metric = c.metric
                                   AND k.scope = c.scope AND method_matches(c.method, k.methods))
                     THEN 'missing_input'
                ELSE 'not_yet'
           END AS reason_kind,
           l.inputs AS lacked, l.estimators AS modelled_by
    FROM frames AS f
    CROSS JOIN claim_points AS c
    LEFT JOIN lacking AS l USING (claim_id)
    WHERE NOT EXISTS (SELECT 1 FROM compared AS r
                      WHERE r.claim_id = c.claim_id AND r.frame = f.frame)
), reasons AS (
    SELECT u.*,
           CASE u.reason_kind
               WHEN 'no_estimator' THEN printf('no estimator models %s %s', u.metric, u.scope)
                   || CASE WHEN u.method IS NULL THEN ''
                           ELSE printf(' by the %s method', u.method) END
               WHEN 'missing_input' THEN printf('%s give no estimate for %s', u.modelled_by,
                                                u.subject)
                   || CASE WHEN u.lacked IS NULL
                           THEN ': its inputs are not recorded'
                           ELSE printf(': it has no claim of %s (what they used for other '
                                       'subjects)', u.lacked) END
               ELSE printf('no estimate yet on %s: the first is of %s', u.stated_on,
                           (SELECT min(k.first_as_of) FROM series AS k
                            WHERE k.subject = u.subject AND k.metric = u.metric
                              AND k.scope = u.scope AND method_matches(u.method, k.methods)))
           END AS reason
    FROM uncompared AS u
)
SELECT r.frame, r.claim_id, r.subject, r.metric, r.scope, r.qualifier, r.method, r.claimant,
       r.stated_on, r.estimator, r.estimator_version, r.as_of,
       r.claim_value, r.claim_low, r.claim_high,
       r.value, r.low, r.high, r.unit,
       r.claim_value / nullif(r.value, 0) AS ratio,
       CASE WHEN r.estimator IS NULL THEN NULL
           WHEN r.bound = 'lower' THEN r.high >= r.claim_value
           WHEN r.bound = 'upper' THEN r.low <= r.claim_value
           ELSE r.claim_value BETWEEN r.low AND r.high
       END AS inside_range,
       r.snapshot_id, r.inputs, r.assumed, r.bound, r.status,
       r.reason_kind, r.reason
FROM (SELECT *, NULL::VARCHAR AS reason_kind, NULL::VARCHAR AS reason FROM compared
      UNION ALL BY NAME SELECT * FROM reasons) AS r;

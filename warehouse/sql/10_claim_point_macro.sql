-- claim_point(value, low, high): a claim's point value: its value, else the geometric middle
-- of its range when both ends are positive, else whichever end it gave. The reconciliation
-- view's claim_value and the claim_checks view's point; the polars form, for the estimators,
-- the ladder and the dashboard, is costboard.warehouse.point_value.claim_point (a test holds
-- the two equal).
CREATE MACRO claim_point(value, low, high) AS
    coalesce(value, CASE WHEN low > 0 AND high > 0 THEN sqrt(low * high) END, low, high);

-- estimates: what every estimator computed from the latest evidence snapshot that has
-- estimates (as seen from the snapshot this view is read at). snapshot_id is that input
-- snapshot; inputs are the claim ids each estimate used; parameters is JSON naming every
-- parameter's value and where it came from (default and its source, a claim, an override);
-- assumed lists what the estimate assumed in place of the subject's own evidence; methods the
-- claim methods its estimator models (claim_methods; empty for records stored before them).
-- Evidence time: after SET VARIABLE evidence_until = DATE 'YYYY-MM-DD' only the estimates at
-- evidence dates (as_of) on or before that day, which used only claims stated by then
-- (unset: all of them): known_by_evidence_date.
-- estimates_input_snapshot (a variable too, set by `costboard estimate --explain --as-of`)
-- reads the estimates of that evidence snapshot in place of the latest one.
CREATE VIEW estimates AS
SELECT subject, as_of, estimator, estimator_version, metric, scope,
       value, low, high, unit,
       input_snapshot_id AS snapshot_id, inputs, parameters, params_hash, note,
       coalesce(assumed, []::VARCHAR[]) AS assumed,
       coalesce(methods, []::VARCHAR[]) AS methods
FROM estimate_records
WHERE input_snapshot_id = coalesce(getvariable('estimates_input_snapshot')::BIGINT,
                                   (SELECT max(input_snapshot_id) FROM estimate_records))
  AND known_by_evidence_date(as_of);

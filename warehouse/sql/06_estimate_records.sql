-- estimate_records: what the estimator plugins computed.
-- Natural key: (input_snapshot_id, estimator, estimator_version, params_hash, subject, as_of,
-- metric, scope). input_snapshot_id is the latest snapshot that changed evidence (subjects,
-- claims or prices): writing estimates is not new evidence.
CREATE TABLE estimate_records (
    input_snapshot_id BIGINT NOT NULL,
    estimator         VARCHAR NOT NULL,
    estimator_version VARCHAR NOT NULL,
    params_hash       VARCHAR NOT NULL,
    subject           VARCHAR NOT NULL,
    as_of             DATE NOT NULL,
    metric            VARCHAR NOT NULL,
    scope             VARCHAR NOT NULL,
    value             DOUBLE NOT NULL,
    low               DOUBLE NOT NULL,
    high              DOUBLE NOT NULL,
    unit              VARCHAR NOT NULL,
    inputs            VARCHAR[],      -- claim ids the estimate used
    parameters        VARCHAR,        -- JSON: the parameter values and where each came from
    note              VARCHAR,
    assumed           VARCHAR[],      -- what the estimate assumed in place of the subject's
                                      -- own evidence (added in 0.2: see schema.upgrade)
    methods           VARCHAR[]       -- the claim methods its estimator models (claim_methods;
                                      -- added with issue 19: NULL in older records)
);

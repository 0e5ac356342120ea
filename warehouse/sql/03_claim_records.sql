-- claim_records: the current version of every claim. Natural key: claim_id.
-- A claim ingested again with other values replaces its row; earlier versions stay readable
-- through time travel (AT (VERSION => n)) and show up in `costboard diff`.
CREATE TABLE claim_records (
    claim_id         VARCHAR NOT NULL,
    subject          VARCHAR NOT NULL,
    metric           VARCHAR NOT NULL,
    scope            VARCHAR NOT NULL,
    qualifier        VARCHAR,          -- NULL when the claim has none
    value            DOUBLE,           -- in the metric's base unit
    low              DOUBLE,
    high             DOUBLE,
    unit             VARCHAR NOT NULL, -- the metric's base unit
    value_as_written DOUBLE,           -- as the source wrote it, in unit_as_written
    low_as_written   DOUBLE,
    high_as_written  DOUBLE,
    unit_as_written  VARCHAR NOT NULL,
    claimant         VARCHAR NOT NULL,
    stated_on        DATE NOT NULL,    -- evidence time: when the figure was made public
    source_url       VARCHAR NOT NULL,
    quote            VARCHAR,
    note             VARCHAR
);

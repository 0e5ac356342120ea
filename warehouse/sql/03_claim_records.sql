-- claim_records: the current version of every claim. Natural key: claim_id.
-- A claim ingested again with other values replaces its row; earlier versions stay readable
-- through time travel (AT (VERSION => n)) and show up in `costboard diff`.
-- How a claim reached us (bound, source_kind, cites, status, outlet) came later: those columns
-- are NULL in rows written before them, read as the defaults by the claims view.
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
                                       -- (the period's last day when only a month or year is known)
    source_url       VARCHAR,          -- NULL for a source without one (print, a talk)
    quote            VARCHAR,
    note             VARCHAR,
    bound            VARCHAR,          -- exact | approximate | lower | upper (NULL: exact)
    source_kind      VARCHAR,          -- primary | analysis | secondary (NULL: unclassified)
    cites            VARCHAR[],        -- the claim ids a secondary claim restates
    status           VARCHAR,          -- current | disputed | misattributed | retracted (NULL: current)
    status_note      VARCHAR,          -- why; for misattributed, which claim it really is
    outlet           VARCHAR,          -- the publication the claim appeared in
    stated_on_precision VARCHAR,       -- day | month | year (NULL: day)
    source_title     VARCHAR           -- only when source_url is NULL (else in sources)
);

-- subjects: what a figure is about. Natural key: subject.
CREATE TABLE subjects (
    subject     VARCHAR NOT NULL,  -- slug (deepseek-v3, h800) or ticker (NVDA)
    name        VARCHAR,
    kind        VARCHAR NOT NULL,  -- model | company | chip | ticker | group
    developer   VARCHAR,
    members     VARCHAR[],         -- the tickers of a group subject
    released_on DATE,
    note        VARCHAR,
    related     VARCHAR[]          -- subjects whose figures belong to this one's story
);

-- sources: the documents figures come from. Natural key: source_url.
CREATE TABLE sources (
    source_url   VARCHAR NOT NULL,  -- http(s) only
    source_title VARCHAR
);

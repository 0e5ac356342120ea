-- tags: names for snapshots (DuckLake has none of its own). Natural key: tag.
CREATE TABLE tags (
    tag         VARCHAR NOT NULL,
    snapshot_id BIGINT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    author      VARCHAR,
    message     VARCHAR
);

-- snapshots: the warehouse's history, one row per DuckLake snapshot. costboard's writer
-- records its row counts in the commit's extra info (JSON); snapshots written by other
-- clients show NULL counts.
CREATE VIEW snapshots AS
SELECT snapshot_id,
       snapshot_time,
       author,
       commit_message AS message,
       json_extract_string(commit_extra_info, '$.kind') AS kind,
       CAST(json_extract(commit_extra_info, '$.rows_added') AS BIGINT) AS rows_added,
       CAST(json_extract(commit_extra_info, '$.rows_changed') AS BIGINT) AS rows_changed,
       CAST(json_extract(commit_extra_info, '$.rows_removed') AS BIGINT) AS rows_removed,
       CAST(json_extract(commit_extra_info, '$.evidence') AS BOOLEAN) AS changes_evidence
FROM snapshots();

-- snapshot_changes: rows added, changed and removed per table, per snapshot.
CREATE VIEW snapshot_changes AS
WITH per_table AS (
    SELECT snapshot_id, commit_extra_info AS info,
           unnest(json_keys(commit_extra_info, '$.changes')) AS table_name
    FROM snapshots()
    WHERE commit_extra_info IS NOT NULL
)
SELECT snapshot_id, table_name,
       CAST(json_extract(info, '$.changes.' || table_name || '.added') AS BIGINT) AS added,
       CAST(json_extract(info, '$.changes.' || table_name || '.changed') AS BIGINT) AS changed,
       CAST(json_extract(info, '$.changes.' || table_name || '.removed') AS BIGINT) AS removed
FROM per_table;

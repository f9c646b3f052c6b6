-- Landscape schema version 4: elspeth_run_aggregates, what the web console shows of a settled run
-- (counts per DAG node and edge, outcomes per sink, external calls and LLM tokens per step,
-- error groups, the reconciliation), recorded by the launcher in the transaction that marks the
-- run completed or failed. ELSPETH has no such table; it holds nothing the other tables do not:
-- every figure is derived from the run's records, and a run without a row here (written before
-- this version, or whose aggregates could not be read when it ended) is computed from them.
-- One JSON document per run (format_version says its shape), so a page reads one row by key.
-- Released once applied: never edit this file; change the schema in a new V<n>__<what>.sql.
CREATE TABLE elspeth_run_aggregates (
    run_id VARCHAR(64) NOT NULL PRIMARY KEY,
    format_version INTEGER NOT NULL,
    recorded_ms BIGINT NOT NULL,
    aggregates_json TEXT NOT NULL
);

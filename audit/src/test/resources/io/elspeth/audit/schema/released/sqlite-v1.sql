-- Landscape schema, version 1, SQLite.
-- The ELSPETH Landscape at HEAD (de732358): 20 tables, see spec/landscape.md section 2,
-- plus landscape_schema_version, which is ours.
-- Loaded by LandscapeSchema: one statement per chunk, each ending with a semicolon at the end of
-- a line; whole-line comments are dropped; no semicolon may appear inside a statement.
-- Timestamps are TEXT holding ISO-8601 UTC strings; floats are REAL.
-- Every primary-key column is NOT NULL explicitly: SQLite otherwise allows NULL in a non-INTEGER
-- primary key. Foreign keys are enforced only on connections with PRAGMA foreign_keys=ON.
-- Same table order as the PostgreSQL script, so both read alike.

-- Foreign keys between the tables written while rows flow (rows, tokens, token_parents,
-- node_states, operations, calls, routing_events, artifacts, token_outcomes, batches,
-- batch_members, batch_outputs, transform_errors, checkpoints) are not declared: Beam commits each
-- bundle's records independently, so a child may commit before its parent. The launcher checks
-- that referential integrity holds when the run ends (RunReconciliation) and fails the run if it
-- does not. Foreign keys to runs, nodes and edges, written before any row moves, are declared.

-- 2.1 runs
CREATE TABLE runs (
    run_id VARCHAR(64) NOT NULL,
    started_at TEXT NOT NULL,
    completed_at TEXT,
    config_hash VARCHAR(64) NOT NULL,
    settings_json TEXT NOT NULL,
    reproducibility_grade VARCHAR(32),
    canonical_version VARCHAR(64) NOT NULL,
    source_schema_json TEXT,
    source_field_resolution_json TEXT,
    status VARCHAR(32) NOT NULL,
    export_status VARCHAR(32),
    export_error TEXT,
    exported_at TEXT,
    export_format VARCHAR(16),
    export_sink VARCHAR(128),
    schema_contract_json TEXT,
    -- ELSPETH declares String(16) but stores SchemaContract.version_hash(), which is 32 hex
    -- characters (spec section 11, item 4); 32 keeps PostgreSQL from rejecting every contract.
    schema_contract_hash VARCHAR(32),
    PRIMARY KEY (run_id)
);

-- 2.2 nodes
CREATE TABLE nodes (
    node_id VARCHAR(64) NOT NULL,
    run_id VARCHAR(64) NOT NULL,
    plugin_name VARCHAR(128) NOT NULL,
    node_type VARCHAR(32) NOT NULL,
    plugin_version VARCHAR(32) NOT NULL,
    determinism VARCHAR(32) NOT NULL,
    config_hash VARCHAR(64) NOT NULL,
    config_json TEXT NOT NULL,
    schema_hash VARCHAR(64),
    sequence_in_pipeline INTEGER,
    registered_at TEXT NOT NULL,
    schema_mode VARCHAR(16),
    schema_fields_json TEXT,
    input_contract_json TEXT,
    output_contract_json TEXT,
    PRIMARY KEY (node_id, run_id),
    FOREIGN KEY (run_id) REFERENCES runs (run_id)
);

-- 2.3 edges
CREATE TABLE edges (
    edge_id VARCHAR(64) NOT NULL,
    run_id VARCHAR(64) NOT NULL,
    from_node_id VARCHAR(64) NOT NULL,
    to_node_id VARCHAR(64) NOT NULL,
    label VARCHAR(64) NOT NULL,
    default_mode VARCHAR(16) NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (edge_id),
    UNIQUE (run_id, from_node_id, label),
    FOREIGN KEY (run_id) REFERENCES runs (run_id),
    FOREIGN KEY (from_node_id, run_id) REFERENCES nodes (node_id, run_id),
    FOREIGN KEY (to_node_id, run_id) REFERENCES nodes (node_id, run_id)
);

-- 2.4 rows
CREATE TABLE rows (
    row_id VARCHAR(64) NOT NULL,
    run_id VARCHAR(64) NOT NULL,
    source_node_id VARCHAR(64) NOT NULL,
    row_index INTEGER NOT NULL,
    source_data_hash VARCHAR(64) NOT NULL,
    source_data_ref VARCHAR(256),
    created_at TEXT NOT NULL,
    PRIMARY KEY (row_id),
    UNIQUE (run_id, row_index),
    FOREIGN KEY (run_id) REFERENCES runs (run_id),
    FOREIGN KEY (source_node_id, run_id) REFERENCES nodes (node_id, run_id)
);

-- 2.5 tokens
CREATE TABLE tokens (
    token_id VARCHAR(64) NOT NULL,
    row_id VARCHAR(64) NOT NULL,
    run_id VARCHAR(64) NOT NULL,
    fork_group_id VARCHAR(64),
    join_group_id VARCHAR(64),
    expand_group_id VARCHAR(32),
    branch_name VARCHAR(64),
    step_in_pipeline INTEGER,
    created_at TEXT NOT NULL,
    PRIMARY KEY (token_id),
    -- target of the composite (token_id, run_id) foreign keys
    UNIQUE (token_id, run_id),
    FOREIGN KEY (run_id) REFERENCES runs (run_id)
);

-- 2.6 token_parents
CREATE TABLE token_parents (
    token_id VARCHAR(64) NOT NULL,
    parent_token_id VARCHAR(64) NOT NULL,
    ordinal INTEGER NOT NULL,
    PRIMARY KEY (token_id, parent_token_id),
    UNIQUE (token_id, ordinal)
);

-- 2.8 node_states
CREATE TABLE node_states (
    state_id VARCHAR(64) NOT NULL,
    token_id VARCHAR(64) NOT NULL,
    run_id VARCHAR(64) NOT NULL,
    node_id VARCHAR(64) NOT NULL,
    step_index INTEGER NOT NULL,
    attempt INTEGER NOT NULL DEFAULT 0,
    status VARCHAR(32) NOT NULL,
    input_hash VARCHAR(64) NOT NULL,
    output_hash VARCHAR(64),
    context_before_json TEXT,
    context_after_json TEXT,
    duration_ms REAL,
    error_json TEXT,
    success_reason_json TEXT,
    started_at TEXT NOT NULL,
    completed_at TEXT,
    PRIMARY KEY (state_id),
    UNIQUE (token_id, node_id, attempt),
    UNIQUE (token_id, step_index, attempt),
    FOREIGN KEY (run_id) REFERENCES runs (run_id),
    FOREIGN KEY (node_id, run_id) REFERENCES nodes (node_id, run_id)
);

-- 2.9 operations
CREATE TABLE operations (
    operation_id VARCHAR(64) NOT NULL,
    run_id VARCHAR(64) NOT NULL,
    node_id VARCHAR(64) NOT NULL,
    operation_type VARCHAR(32) NOT NULL,
    started_at TEXT NOT NULL,
    completed_at TEXT,
    status VARCHAR(16) NOT NULL,
    input_data_ref VARCHAR(256),
    input_data_hash VARCHAR(64),
    output_data_ref VARCHAR(256),
    output_data_hash VARCHAR(64),
    error_message TEXT,
    duration_ms REAL,
    PRIMARY KEY (operation_id),
    FOREIGN KEY (run_id) REFERENCES runs (run_id),
    FOREIGN KEY (node_id, run_id) REFERENCES nodes (node_id, run_id)
);

-- 2.10 calls
CREATE TABLE calls (
    call_id VARCHAR(64) NOT NULL,
    state_id VARCHAR(64),
    operation_id VARCHAR(64),
    call_index INTEGER NOT NULL,
    call_type VARCHAR(32) NOT NULL,
    status VARCHAR(32) NOT NULL,
    request_hash VARCHAR(64) NOT NULL,
    request_ref VARCHAR(256),
    response_hash VARCHAR(64),
    response_ref VARCHAR(256),
    error_json TEXT,
    latency_ms REAL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (call_id),
    CONSTRAINT calls_has_parent CHECK (
        (state_id IS NOT NULL AND operation_id IS NULL)
        OR (state_id IS NULL AND operation_id IS NOT NULL))
);

-- 2.11 artifacts
CREATE TABLE artifacts (
    artifact_id VARCHAR(64) NOT NULL,
    run_id VARCHAR(64) NOT NULL,
    produced_by_state_id VARCHAR(64) NOT NULL,
    sink_node_id VARCHAR(64) NOT NULL,
    artifact_type VARCHAR(64) NOT NULL,
    path_or_uri VARCHAR(512) NOT NULL,
    content_hash VARCHAR(64) NOT NULL,
    size_bytes INTEGER NOT NULL,
    idempotency_key VARCHAR(256),
    created_at TEXT NOT NULL,
    PRIMARY KEY (artifact_id),
    FOREIGN KEY (run_id) REFERENCES runs (run_id),
    FOREIGN KEY (sink_node_id, run_id) REFERENCES nodes (node_id, run_id)
);

-- 2.12 routing_events
CREATE TABLE routing_events (
    event_id VARCHAR(64) NOT NULL,
    state_id VARCHAR(64) NOT NULL,
    edge_id VARCHAR(64) NOT NULL,
    routing_group_id VARCHAR(64) NOT NULL,
    ordinal INTEGER NOT NULL,
    mode VARCHAR(16) NOT NULL,
    reason_hash VARCHAR(64),
    reason_ref VARCHAR(256),
    created_at TEXT NOT NULL,
    PRIMARY KEY (event_id),
    UNIQUE (routing_group_id, ordinal),
    FOREIGN KEY (edge_id) REFERENCES edges (edge_id)
);

-- 2.13 batches
CREATE TABLE batches (
    batch_id VARCHAR(64) NOT NULL,
    run_id VARCHAR(64) NOT NULL,
    aggregation_node_id VARCHAR(64) NOT NULL,
    aggregation_state_id VARCHAR(64),
    trigger_reason VARCHAR(128),
    trigger_type VARCHAR(32),
    attempt INTEGER NOT NULL DEFAULT 0,
    status VARCHAR(32) NOT NULL,
    created_at TEXT NOT NULL,
    completed_at TEXT,
    PRIMARY KEY (batch_id),
    FOREIGN KEY (run_id) REFERENCES runs (run_id),
    FOREIGN KEY (aggregation_node_id, run_id) REFERENCES nodes (node_id, run_id)
);

-- 2.14 batch_members
CREATE TABLE batch_members (
    batch_id VARCHAR(64) NOT NULL,
    token_id VARCHAR(64) NOT NULL,
    ordinal INTEGER NOT NULL,
    PRIMARY KEY (batch_id, token_id),
    UNIQUE (batch_id, ordinal)
);

-- 2.15 batch_outputs
CREATE TABLE batch_outputs (
    batch_output_id VARCHAR(64) NOT NULL,
    batch_id VARCHAR(64) NOT NULL,
    output_type VARCHAR(32) NOT NULL,
    output_id VARCHAR(64) NOT NULL,
    PRIMARY KEY (batch_output_id),
    UNIQUE (batch_id, output_type, output_id)
);

-- 2.7 token_outcomes (after batches, which its batch_id references)
CREATE TABLE token_outcomes (
    outcome_id VARCHAR(64) NOT NULL,
    run_id VARCHAR(64) NOT NULL,
    token_id VARCHAR(64) NOT NULL,
    outcome VARCHAR(32) NOT NULL,
    is_terminal INTEGER NOT NULL,
    recorded_at TEXT NOT NULL,
    sink_name VARCHAR(128),
    batch_id VARCHAR(64),
    fork_group_id VARCHAR(64),
    join_group_id VARCHAR(64),
    expand_group_id VARCHAR(64),
    error_hash VARCHAR(64),
    context_json TEXT,
    expected_branches_json TEXT,
    PRIMARY KEY (outcome_id),
    CONSTRAINT ck_token_outcomes_is_terminal CHECK (is_terminal IN (0, 1))
);

-- 2.16 validation_errors
CREATE TABLE validation_errors (
    error_id VARCHAR(32) NOT NULL,
    run_id VARCHAR(64) NOT NULL,
    node_id VARCHAR(64),
    row_hash VARCHAR(64) NOT NULL,
    row_data_json TEXT,
    error TEXT NOT NULL,
    schema_mode VARCHAR(16) NOT NULL,
    destination VARCHAR(255) NOT NULL,
    created_at TEXT NOT NULL,
    violation_type VARCHAR(32),
    original_field_name VARCHAR(256),
    normalized_field_name VARCHAR(256),
    expected_type VARCHAR(32),
    actual_type VARCHAR(32),
    PRIMARY KEY (error_id),
    FOREIGN KEY (run_id) REFERENCES runs (run_id),
    FOREIGN KEY (node_id, run_id) REFERENCES nodes (node_id, run_id) ON DELETE RESTRICT
);

-- 2.17 transform_errors
CREATE TABLE transform_errors (
    error_id VARCHAR(32) NOT NULL,
    run_id VARCHAR(64) NOT NULL,
    token_id VARCHAR(64) NOT NULL,
    transform_id VARCHAR(64) NOT NULL,
    row_hash VARCHAR(64) NOT NULL,
    row_data_json TEXT,
    error_details_json TEXT,
    destination VARCHAR(255) NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (error_id),
    FOREIGN KEY (transform_id, run_id) REFERENCES nodes (node_id, run_id) ON DELETE RESTRICT
);

-- 2.18 checkpoints
CREATE TABLE checkpoints (
    checkpoint_id VARCHAR(64) NOT NULL,
    run_id VARCHAR(64) NOT NULL,
    token_id VARCHAR(64) NOT NULL,
    node_id VARCHAR(64) NOT NULL,
    sequence_number INTEGER NOT NULL,
    aggregation_state_json TEXT,
    coalesce_state_json TEXT,
    created_at TEXT NOT NULL,
    upstream_topology_hash VARCHAR(64) NOT NULL,
    checkpoint_node_config_hash VARCHAR(64) NOT NULL,
    format_version INTEGER,
    PRIMARY KEY (checkpoint_id),
    FOREIGN KEY (run_id) REFERENCES runs (run_id),
    FOREIGN KEY (node_id, run_id) REFERENCES nodes (node_id, run_id)
);

-- 2.19 secret_resolutions
CREATE TABLE secret_resolutions (
    resolution_id VARCHAR(64) NOT NULL,
    run_id VARCHAR(64) NOT NULL,
    "timestamp" REAL NOT NULL,
    env_var_name VARCHAR(256) NOT NULL,
    source VARCHAR(32) NOT NULL,
    vault_url TEXT,
    secret_name VARCHAR(256),
    fingerprint VARCHAR(64) NOT NULL,
    resolution_latency_ms REAL,
    PRIMARY KEY (resolution_id),
    FOREIGN KEY (run_id) REFERENCES runs (run_id)
);

-- 2.19 preflight_results
CREATE TABLE preflight_results (
    result_id VARCHAR(64) NOT NULL,
    run_id VARCHAR(64) NOT NULL,
    result_type VARCHAR(32) NOT NULL,
    name VARCHAR(256) NOT NULL,
    result_json TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (result_id),
    FOREIGN KEY (run_id) REFERENCES runs (run_id),
    CONSTRAINT ck_preflight_result_type
        CHECK (result_type IN ('dependency_run', 'commencement_gate', 'readiness_check'))
);

-- Indexes named in the spec, plus the ones ELSPETH gets from index=True (ix_<table>_<column>).
CREATE INDEX ix_nodes_run_id ON nodes (run_id);
CREATE INDEX ix_edges_run_id ON edges (run_id);
CREATE INDEX ix_rows_run_id ON rows (run_id);
CREATE INDEX ix_tokens_row_id ON tokens (row_id);
CREATE INDEX ix_tokens_expand_group_id ON tokens (expand_group_id);
CREATE INDEX ix_token_parents_parent ON token_parents (parent_token_id);
CREATE INDEX ix_token_outcomes_run_id ON token_outcomes (run_id);
CREATE INDEX ix_token_outcomes_token_id ON token_outcomes (token_id);
-- At most one terminal outcome per token; any number of non-terminal (buffered) rows.
CREATE UNIQUE INDEX ix_token_outcomes_terminal_unique ON token_outcomes (token_id)
    WHERE is_terminal = 1;
CREATE INDEX ix_node_states_token ON node_states (token_id);
CREATE INDEX ix_node_states_node ON node_states (node_id);
CREATE INDEX ix_operations_run_id ON operations (run_id);
CREATE INDEX ix_operations_node_run ON operations (node_id, run_id);
CREATE INDEX ix_calls_state ON calls (state_id);
CREATE INDEX ix_calls_operation ON calls (operation_id);
CREATE UNIQUE INDEX ix_calls_state_call_index_unique ON calls (state_id, call_index)
    WHERE state_id IS NOT NULL;
CREATE UNIQUE INDEX ix_calls_operation_call_index_unique ON calls (operation_id, call_index)
    WHERE operation_id IS NOT NULL;
CREATE INDEX ix_artifacts_run ON artifacts (run_id);
CREATE INDEX ix_routing_events_state ON routing_events (state_id);
CREATE INDEX ix_routing_events_group ON routing_events (routing_group_id);
CREATE INDEX ix_batches_run_status ON batches (run_id, status);
CREATE INDEX ix_batch_members_batch ON batch_members (batch_id);
CREATE INDEX ix_batch_outputs_batch ON batch_outputs (batch_id);
CREATE INDEX ix_validation_errors_run ON validation_errors (run_id);
CREATE INDEX ix_validation_errors_node ON validation_errors (node_id);
CREATE INDEX ix_transform_errors_run ON transform_errors (run_id);
CREATE INDEX ix_transform_errors_token ON transform_errors (token_id);
CREATE INDEX ix_transform_errors_transform ON transform_errors (transform_id);
CREATE INDEX ix_checkpoints_run ON checkpoints (run_id);
CREATE INDEX ix_checkpoints_run_seq ON checkpoints (run_id, sequence_number);
CREATE INDEX ix_secret_resolutions_run_id ON secret_resolutions (run_id);
-- Not in the spec: run lookups of preflight results would otherwise scan the table.
CREATE INDEX ix_preflight_results_run ON preflight_results (run_id);

-- Ours: which schema version this database holds. One row per applied version.
CREATE TABLE landscape_schema_version (
    version INTEGER NOT NULL,
    applied_at TEXT NOT NULL,
    description TEXT,
    PRIMARY KEY (version)
);

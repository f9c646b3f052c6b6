-- Landscape schema version 3 on SQLite: transform_errors gets the foreign key to tokens that
-- ELSPETH's own Landscape opener requires. ELSPETH (RC2 and current) refuses a SQLite Landscape
-- without it: "SchemaCompatibilityError: Missing foreign keys: transform_errors.token_id ->
-- tokens" (its _REQUIRED_FOREIGN_KEYS; see docs/elspeth-compatibility.md). The key is ELSPETH's
-- current one, composite (token_id, run_id) -> tokens (token_id, run_id), which also satisfies
-- RC2's check (the column is among the constrained ones and the referenced table is tokens).
--
-- Our writers open SQLite without PRAGMA foreign_keys=ON, so SQLite does not enforce the key
-- while a run commits its bundles (a transform error may commit before its token; the launcher
-- checks every reference when the run ends, RunReconciliation). ELSPETH's readers turn
-- enforcement on for their own connections, which only read these rows.
--
-- SQLite cannot add a constraint to an existing table: the table is copied into a new one with
-- the key, its indexes are made again. Flyway runs this file in one transaction.
-- Released once applied: never edit this file.

CREATE TABLE transform_errors_v3 (
    error_id VARCHAR(32) NOT NULL,
    run_id VARCHAR(64) NOT NULL,
    token_id VARCHAR(64) NOT NULL,
    transform_id VARCHAR(64) NOT NULL,
    row_hash VARCHAR(64) NOT NULL,
    row_data_json TEXT,
    error_details_json TEXT,
    destination VARCHAR(255) NOT NULL,
    created_at ${timestamp_type} NOT NULL,
    PRIMARY KEY (error_id),
    FOREIGN KEY (token_id, run_id) REFERENCES tokens (token_id, run_id) ON DELETE RESTRICT,
    FOREIGN KEY (transform_id, run_id) REFERENCES nodes (node_id, run_id) ON DELETE RESTRICT
);

INSERT INTO transform_errors_v3 (error_id, run_id, token_id, transform_id, row_hash,
    row_data_json, error_details_json, destination, created_at)
SELECT error_id, run_id, token_id, transform_id, row_hash, row_data_json, error_details_json,
    destination, created_at
FROM transform_errors;

DROP TABLE transform_errors;

ALTER TABLE transform_errors_v3 RENAME TO transform_errors;

CREATE INDEX ix_transform_errors_run ON transform_errors (run_id);
CREATE INDEX ix_transform_errors_token ON transform_errors (token_id);
CREATE INDEX ix_transform_errors_transform ON transform_errors (transform_id);

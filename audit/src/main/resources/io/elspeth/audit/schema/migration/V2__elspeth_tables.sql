-- Landscape schema version 2: our tables beside ELSPETH's 20, for what ELSPETH does not record:
-- who owns a run (its lease), which run resumed which, and what each sink was about to publish
-- (ExtensionTables names them). Times are epoch milliseconds; the DDL is the same on both dialects.
-- Released: never edit this file; change the schema in a new V<n>__<what>.sql.
--
-- Before migrations existed, the first release created these tables "when missing" in every
-- Landscape it opened, so a version-1 Landscape may hold them already or not: IF NOT EXISTS takes
-- both to the same place.
CREATE TABLE IF NOT EXISTS elspeth_run_leases (
    run_id VARCHAR(64) NOT NULL PRIMARY KEY,
    owner_id VARCHAR(64) NOT NULL,
    host VARCHAR(255) NOT NULL,
    pid BIGINT NOT NULL,
    process_started_ms BIGINT,
    acquired_ms BIGINT NOT NULL,
    heartbeat_ms BIGINT NOT NULL,
    released_ms BIGINT
);

CREATE TABLE IF NOT EXISTS elspeth_resumptions (
    resumed_run_id VARCHAR(64) NOT NULL PRIMARY KEY,
    resumed_by_run_id VARCHAR(64) NOT NULL,
    claimed_ms BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS elspeth_sink_publications (
    publication_id VARCHAR(64) NOT NULL PRIMARY KEY,
    run_id VARCHAR(64) NOT NULL,
    node_id VARCHAR(128) NOT NULL,
    sink_name VARCHAR(128) NOT NULL,
    step_index INTEGER NOT NULL,
    artifact_type VARCHAR(64) NOT NULL,
    target TEXT NOT NULL,
    staged TEXT,
    manifest TEXT,
    token_count BIGINT NOT NULL,
    base_size BIGINT,
    base_hash VARCHAR(64),
    new_size BIGINT NOT NULL,
    new_hash VARCHAR(64) NOT NULL,
    recorded_ms BIGINT NOT NULL,
    settled_ms BIGINT,
    resolution VARCHAR(16)
);

CREATE INDEX IF NOT EXISTS ix_elspeth_sink_publications_run
    ON elspeth_sink_publications (run_id);

-- The first release recorded its version in landscape_schema_version; Flyway's
-- landscape_schema_history does that now (a version-1 Landscape is baselined at version 1 from
-- it, its applied_at kept in the baseline's description). The old table is dropped so that a
-- release that predates migrations refuses this Landscape (it finds Landscape tables without
-- its version table) instead of writing into a schema it does not know.
-- Qualified: an unqualified name would follow PostgreSQL's search_path into other schemas.
DROP TABLE IF EXISTS ${flyway:defaultSchema}.landscape_schema_version;

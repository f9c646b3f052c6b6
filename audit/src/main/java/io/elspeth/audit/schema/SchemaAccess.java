package io.elspeth.audit.schema;

/**
 * What an opener of the Landscape may do to its schema. Only the launcher, the process that opens a
 * run, migrates; every other opener (Flink workers, DoFns, the read commands) checks.
 */
public enum SchemaAccess {
  /**
   * Applies the pending migrations (once per start of a run), after checking the database is a
   * Landscape this code can migrate.
   */
  MIGRATE,
  /**
   * Accepts only a Landscape at {@link LandscapeSchema#CURRENT_VERSION} and refuses one that is
   * newer or not yet migrated. An empty database gets the current schema: creating a Landscape
   * changes no record, and keeps a Beam program that writes the Landscape without the launcher (for
   * example a TestPipeline) working.
   */
  CHECK
}

package io.elspeth.audit.schema;

import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Applies the Landscape's migrations with Flyway: the SQL files under {@value #LOCATION}, written
 * once for both dialects with {@link Dialect#placeholders() placeholders} for the two column types
 * that differ, recorded in {@value LandscapeSchema#VERSION_TABLE}.
 *
 * <p>Why Flyway and plain SQL rather than Liquibase's dialect-neutral changesets: the Landscape
 * needs composite foreign keys, named CHECK constraints and partial unique indexes ({@code CREATE
 * UNIQUE INDEX ... WHERE}), and SQLite accepts constraints only inside {@code CREATE TABLE}.
 * Liquibase's neutral changes cannot say a composite foreign key or a partial index, and refuse to
 * add constraints on SQLite after the fact, so most of the schema would have been raw SQL per
 * database again; the subset of SQL that SQLite and PostgreSQL read alike says all of it, once.
 * Flyway also takes a lock on PostgreSQL while it migrates (concurrent starts do not both migrate)
 * and refuses a database whose applied migrations' checksums no longer match the files.
 */
final class LandscapeMigrations {
  /** Where the migrations live on the class path. */
  static final String LOCATION = "classpath:io/elspeth/audit/schema/migration";

  /**
   * Where the migrations of one dialect live, beside {@link #LOCATION}: from version 3, for what
   * the two databases must do differently (a foreign key SQLite can only get by copying the table,
   * and PostgreSQL must not enforce while bundles commit in any order).
   */
  static String dialectLocation(Dialect dialect) {
    return LOCATION + "-" + dialect.name().toLowerCase(java.util.Locale.ROOT);
  }

  private LandscapeMigrations() {}

  /**
   * Applies the pending migrations in {@code location}'s schema.
   *
   * @param baselineVersion the version to record first when the schema holds tables but no history:
   *     {@code 1} for a Landscape of the first release, {@code 0} for a database that holds only
   *     tables that are not the Landscape's
   * @param baselineDescription what that first record says
   * @return the number of migrations applied
   */
  static int migrate(
      DataSource dataSource,
      SchemaInspection.Location location,
      String baselineVersion,
      String baselineDescription) {
    Flyway flyway =
        Flyway.configure(LandscapeMigrations.class.getClassLoader())
            .dataSource(dataSource)
            .locations(LOCATION, dialectLocation(location.dialect()))
            .failOnMissingLocations(true)
            .table(LandscapeSchema.VERSION_TABLE)
            // Exactly the place SchemaInspection looked at; never create or switch schemas.
            .defaultSchema(location.schema())
            .schemas(location.schema())
            .createSchemas(false)
            .placeholders(location.dialect().placeholders())
            .baselineOnMigrate(true)
            .baselineVersion(baselineVersion)
            .baselineDescription(baselineDescription)
            .validateMigrationNaming(true)
            .cleanDisabled(true)
            .load();
    try {
      MigrateResult result = flyway.migrate();
      return result.migrationsExecuted;
    } catch (FlywayException e) {
      throw new SchemaVersionException(
          location.description()
              + ": migrating the Landscape schema failed, and the failed step was rolled back: "
              + e.getMessage(),
          SchemaVersionException.NO_VERSION,
          LandscapeSchema.CURRENT_VERSION);
    }
  }
}

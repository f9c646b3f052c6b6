package io.elspeth.audit.schema;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Landscape schema: the 20 tables of ELSPETH's audit database at HEAD (spec/landscape.md
 * section 2) and our extension tables, for SQLite and PostgreSQL, brought to {@link
 * #CURRENT_VERSION} by versioned migrations ({@link LandscapeMigrations}, Flyway) whose history is
 * the {@value #VERSION_TABLE} table.
 *
 * <p>{@link #apply} is the only way in. With {@link SchemaAccess#MIGRATE} (the launcher, once per
 * start) it migrates: an empty database gets the whole schema, an older one the missing steps, and
 * a Landscape of the first release (which recorded version 1 in {@code landscape_schema_version}
 * and had no migration history) is baselined at version 1 and migrated from there. With {@link
 * SchemaAccess#CHECK} (everything else) it only reads, and refuses a Landscape that is newer than
 * this code or not yet migrated. Either way a database it cannot account for (Landscape tables
 * without a recorded version, a recorded version with tables missing, a newer version) is refused
 * with a {@link SchemaVersionException} and left exactly as it was.
 *
 * <p>On PostgreSQL everything happens in the connection's current schema ({@code current_schema()},
 * set with the {@code currentSchema} JDBC parameter or {@code search_path}); tables of other
 * schemas are neither seen nor touched.
 */
public final class LandscapeSchema {
  private static final Logger LOG = LoggerFactory.getLogger(LandscapeSchema.class);

  /** The schema version this code migrates to and works with: the highest migration's. */
  public static final int CURRENT_VERSION = 4;

  /** Flyway's history of the applied migrations; ours, not one of ELSPETH's tables. */
  public static final String VERSION_TABLE = "landscape_schema_history";

  private static final List<String> TABLE_NAMES =
      List.of(
          "runs",
          "nodes",
          "edges",
          "rows",
          "tokens",
          "token_parents",
          "token_outcomes",
          "node_states",
          "operations",
          "calls",
          "artifacts",
          "routing_events",
          "batches",
          "batch_members",
          "batch_outputs",
          "validation_errors",
          "transform_errors",
          "checkpoints",
          "secret_resolutions",
          "preflight_results");

  /** The version the first release's hand-written schema recorded; migration 1 reproduces it. */
  private static final int FIRST_RELEASED_VERSION = 1;

  private LandscapeSchema() {}

  /**
   * Makes sure the database behind {@code dataSource} holds the Landscape schema of {@link
   * #CURRENT_VERSION}, migrating it only when {@code access} is {@link SchemaAccess#MIGRATE}.
   *
   * <p>Each migration is one transaction on both dialects, so a failure leaves the schema at the
   * last version that completed. On PostgreSQL Flyway holds a lock while it migrates, so concurrent
   * starts against one Landscape migrate once; the others find the work done. SQLite enforces the
   * declared foreign keys only on connections opened with {@code PRAGMA foreign_keys=ON}, a
   * property of the connection this method does not change.
   *
   * @param dataSource connections to the Landscape; on PostgreSQL their current schema holds it
   * @param access whether this opener may migrate
   * @return the number of migrations applied (0 when the schema was current)
   * @throws SchemaVersionException if the database holds something this code must not use or
   *     change; the message says what was found, what was expected and what to do
   * @throws SQLException if the database fails, including when PostgreSQL has no current schema
   */
  public static int apply(DataSource dataSource, SchemaAccess access) throws SQLException {
    Objects.requireNonNull(dataSource, "dataSource");
    Objects.requireNonNull(access, "access");
    SchemaInspection found;
    try (Connection c = dataSource.getConnection()) {
      found = SchemaInspection.of(c);
    }
    SchemaInspection.Location where = found.location();
    if (found.managed()) {
      return applyToManaged(dataSource, access, found);
    }
    if (found.legacy()) {
      checkFirstRelease(found);
      if (access == SchemaAccess.CHECK) {
        throw new SchemaVersionException(
            where.description()
                + ": this Landscape was written by"
                + " the first release (schema version 1, before migrations) and is not migrated yet"
                + " (expected version "
                + CURRENT_VERSION
                + "). "
                + howToMigrate(where)
                + " Nothing was changed.",
            FIRST_RELEASED_VERSION,
            CURRENT_VERSION);
      }
      int applied =
          LandscapeMigrations.migrate(
              dataSource,
              where,
              Integer.toString(FIRST_RELEASED_VERSION),
              "Landscape schema v1 of the first release,"
                  + " created "
                  + found.legacyAppliedAt()
                  + " (was landscape_schema_version)");
      LOG.info(
          "Landscape schema migrated landscape={} from=1 to={}",
          where.description(),
          CURRENT_VERSION);
      return applied;
    }
    List<String> present = found.landscapeTablesPresent();
    if (!present.isEmpty()) {
      throw new SchemaVersionException(
          where.description()
              + ": Landscape tables exist ("
              + String.join(", ", present)
              + ") but no "
              + VERSION_TABLE
              + " table records their"
              + " version (found no version, expected version "
              + CURRENT_VERSION
              + "). The database"
              + " was not created by this software (for example by ELSPETH itself), or it was"
              + " damaged; it is refused rather than modified, and nothing was changed. Point the"
              + " Landscape at a new, empty database (or PostgreSQL schema).",
          SchemaVersionException.NO_VERSION,
          CURRENT_VERSION);
    }
    // No Landscape yet. Tables that are not ours may share the database: baseline at 0 below
    // them so that Flyway, which otherwise refuses a non-empty schema, creates ours beside them.
    return LandscapeMigrations.migrate(dataSource, where, "0", "no Landscape before this version");
  }

  private static int applyToManaged(
      DataSource dataSource, SchemaAccess access, SchemaInspection found) {
    SchemaInspection.Location where = found.location();
    int version = found.managedVersion();
    if (version == SchemaVersionException.NO_VERSION && found.landscapeTablesPresent().isEmpty()) {
      // A start that is creating the Landscape right now has committed Flyway's empty history
      // but not yet the tables: let Flyway wait for its lock and find the work done.
      return LandscapeMigrations.migrate(
          dataSource, where, "0", "no Landscape before this version");
    }
    if (version == SchemaVersionException.NO_VERSION) {
      throw new SchemaVersionException(
          where.description()
              + ": the table "
              + VERSION_TABLE
              + " exists but records no applied version (found none, expected version "
              + CURRENT_VERSION
              + "). The state of this schema is unknown, so nothing was changed."
              + " Point the Landscape at a new, empty database (or PostgreSQL schema), or restore"
              + " this one from a backup.",
          version,
          CURRENT_VERSION);
    }
    if (version > CURRENT_VERSION) {
      throw new SchemaVersionException(
          where.description()
              + ": Landscape schema version mismatch: found version "
              + version
              + ", expected"
              + " version "
              + CURRENT_VERSION
              + ". The database was written by a newer release of"
              + " this software; run that release against it, or point this one at a new, empty"
              + " database. Nothing was changed.",
          version,
          CURRENT_VERSION);
    }
    if (version == CURRENT_VERSION) {
      List<String> missing = found.landscapeTablesMissing();
      if (!missing.isEmpty()) {
        throw new SchemaVersionException(
            where.description()
                + ": found version "
                + version
                + " recorded (expected version "
                + CURRENT_VERSION
                + ") but Landscape tables are"
                + " missing: "
                + String.join(", ", missing)
                + ". The schema was damaged after it"
                + " was created; nothing was changed. Restore the database from a backup, or point"
                + " the Landscape at a new, empty database.",
            version,
            CURRENT_VERSION);
      }
      // Current: nothing to migrate, so Flyway is not started (it costs the launcher about 0.7 s
      // of CPU per start, mostly loading its classes and plugins). Its checksum validation runs
      // whenever there is something to apply.
      return 0;
    } else if (access == SchemaAccess.CHECK) {
      throw new SchemaVersionException(
          where.description()
              + ": the Landscape is at schema"
              + " version "
              + version
              + " and not migrated yet (expected version "
              + CURRENT_VERSION
              + "). "
              + howToMigrate(where)
              + " Nothing was changed.",
          version,
          CURRENT_VERSION);
    }
    // Flyway validates the applied migrations' checksums and applies what is pending under its
    // lock; a concurrent start that got there first leaves nothing to apply.
    int applied = LandscapeMigrations.migrate(dataSource, where, "0", "unused");
    if (applied > 0) {
      LOG.info(
          "Landscape schema migrated landscape={} from={} to={}",
          where.description(),
          version,
          CURRENT_VERSION);
    }
    return applied;
  }

  /**
   * What a checking opener tells the operator to do with a Landscape that is not migrated yet: the
   * command that migrates it (with the SQLite file it names; a PostgreSQL URL is left for the
   * operator to fill in, since its password must not be printed), or a run's start.
   */
  static String howToMigrate(SchemaInspection.Location where) {
    String database = "URL";
    String sqlitePrefix = "jdbc:sqlite:";
    if (where.dialect() == Dialect.SQLITE && where.description().contains(sqlitePrefix)) {
      String file =
          where
              .description()
              .substring(where.description().indexOf(sqlitePrefix) + sqlitePrefix.length());
      if (file.indexOf('?') >= 0) {
        file = file.substring(0, file.indexOf('?'));
      }
      database =
          file.matches("[A-Za-z0-9_./:=+@%-]+") ? file : "'" + file.replace("'", "'\\''") + "'";
    }
    return "Migrate it once with `elspeth landscape migrate --database "
        + database
        + "` (or"
        + " start a run against it: `elspeth run --execute` and `elspeth resume --execute`"
        + " migrate too), then retry.";
  }

  /** Accepts a first-release Landscape only when it is complete and says version 1. */
  private static void checkFirstRelease(SchemaInspection found) {
    SchemaInspection.Location where = found.location();
    int version = found.legacyVersion();
    if (version == SchemaVersionException.NO_VERSION) {
      throw new SchemaVersionException(
          where.description()
              + ": the table "
              + SchemaInspection.LEGACY_VERSION_TABLE
              + " exists but records no version (found"
              + " none, expected version "
              + FIRST_RELEASED_VERSION
              + " to migrate from). The state"
              + " of this schema is unknown, so nothing was changed. Point the Landscape at a new,"
              + " empty database (or PostgreSQL schema), or restore this one from a backup.",
          version,
          CURRENT_VERSION);
    }
    if (version != FIRST_RELEASED_VERSION) {
      throw new SchemaVersionException(
          where.description()
              + ": Landscape schema version mismatch: found version "
              + version
              + " in "
              + SchemaInspection.LEGACY_VERSION_TABLE
              + ", expected version "
              + FIRST_RELEASED_VERSION
              + " (the only one recorded there) to migrate to version "
              + CURRENT_VERSION
              + ". No release of this software wrote it; nothing was changed.",
          version,
          CURRENT_VERSION);
    }
    List<String> missing = found.landscapeTablesMissing();
    if (!missing.isEmpty()) {
      throw new SchemaVersionException(
          where.description()
              + ": found version "
              + version
              + " recorded (expected version "
              + CURRENT_VERSION
              + ") but Landscape tables are"
              + " missing: "
              + String.join(", ", missing)
              + ". The schema was damaged after it was"
              + " created; nothing was changed. Restore the database from a backup, or point the"
              + " Landscape at a new, empty database.",
          version,
          CURRENT_VERSION);
    }
  }

  /**
   * The schema version the database behind {@code c} holds: the highest applied migration in
   * {@value #VERSION_TABLE}, else the version a first-release Landscape recorded, else {@code -1}
   * (nothing recorded, or on PostgreSQL no current schema). Reads only.
   */
  public static int readVersion(Connection c) throws SQLException {
    Objects.requireNonNull(c, "c");
    SchemaInspection found;
    try {
      found = SchemaInspection.of(c);
    } catch (SQLException e) {
      if (SchemaInspection.Location.NO_CURRENT_SCHEMA.equals(e.getSQLState())) {
        return SchemaVersionException.NO_VERSION;
      }
      throw e;
    }
    return found.managed() ? found.managedVersion() : found.legacyVersion();
  }

  /** The names of the 20 Landscape tables, in the order of spec/landscape.md section 2. */
  public static List<String> tableNames() {
    return TABLE_NAMES;
  }
}

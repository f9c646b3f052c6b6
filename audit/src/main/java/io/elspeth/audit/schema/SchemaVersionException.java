package io.elspeth.audit.schema;

/**
 * The database holds something this code must not use or change: a newer schema version, an older
 * one a non-launcher opener may not migrate, Landscape tables without a recorded version, or a
 * recorded version with tables missing (thrown before anything is changed); or a migration failed
 * (its transaction was rolled back, so the schema stays at the last version that completed). The
 * message says what was found, what was expected, and what the operator can do.
 */
public class SchemaVersionException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** {@link #foundVersion()} when no version is recorded at all. */
  public static final int NO_VERSION = -1;

  private final int foundVersion;
  private final int expectedVersion;

  /**
   * @param message what was found, what was expected and what to do
   * @param foundVersion the recorded version, or {@link #NO_VERSION}
   * @param expectedVersion the version this code works with
   */
  public SchemaVersionException(String message, int foundVersion, int expectedVersion) {
    super(message);
    this.foundVersion = foundVersion;
    this.expectedVersion = expectedVersion;
  }

  /** The version recorded in the database, or {@link #NO_VERSION} if none is recorded. */
  public int foundVersion() {
    return foundVersion;
  }

  /** The version this code creates and works with. */
  public int expectedVersion() {
    return expectedVersion;
  }
}

package io.elspeth.testkit.beam;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * A fresh SQLite Landscape for one test: a database file in the test's own folder, created by the
 * first run that records in it. Hand {@link #url()} to the pipeline (the extension sets it as the
 * {@code landscapeUrl} option of its TestPipeline) and check what a run recorded with {@link
 * #assertRun(String)}.
 */
public final class TestLandscape {
  private final Path file;

  /** A Landscape in the SQLite file {@code file} (created when first written). */
  public TestLandscape(Path file) {
    this.file = file.toAbsolutePath();
  }

  /**
   * The Landscape URL, as the settings' {@code landscape.url} or the {@code landscapeUrl} option.
   */
  public String url() {
    return "sqlite:///" + file;
  }

  /** The database file. */
  public Path file() {
    return file;
  }

  /** A new connection to the Landscape; the caller closes it. */
  public Connection connect() throws SQLException {
    return DriverManager.getConnection("jdbc:sqlite:" + file);
  }

  /** Assertions on what run {@code runId} recorded here. */
  public LandscapeAssert assertRun(String runId) {
    return new LandscapeAssert(this::connect, runId);
  }

  @Override
  public String toString() {
    return url();
  }
}

package io.elspeth.pipelines.cli;

import io.elspeth.audit.store.LandscapeUrl;
import io.elspeth.pipelines.settings.SettingsValidator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The {@code --database} option shared by the commands that read an existing Landscape: a
 * Landscape URL or a SQLite file path, defaulting to ELSPETH's location. Reading commands never
 * create a database, so a SQLite file that does not exist is reported instead of opened.
 */
final class LandscapeOption {
  static final String DESCRIPTION = "Landscape URL (sqlite:///path.db, postgresql://...) or"
      + " SQLite file path (default: " + SettingsValidator.DEFAULT_LANDSCAPE_URL + ").";

  private LandscapeOption() {}

  /** The URL of {@code database} (null: the default); a bare path is a SQLite file. */
  static LandscapeUrl url(@Nullable String database) {
    String db = database == null ? SettingsValidator.DEFAULT_LANDSCAPE_URL : database;
    if (!db.contains(":")) {
      db = "sqlite:///" + Path.of(db).toAbsolutePath();
    }
    return LandscapeUrl.parse(db);
  }

  /** The error to print when {@code url} is a SQLite file that does not exist. */
  static Optional<String> missing(LandscapeUrl url) {
    if (url.jdbcUrl().startsWith("jdbc:sqlite:")) {
      Path file = Path.of(url.jdbcUrl().substring("jdbc:sqlite:".length()));
      if (!Files.exists(file)) {
        return Optional.of("no Landscape database at " + file);
      }
    }
    return Optional.empty();
  }
}

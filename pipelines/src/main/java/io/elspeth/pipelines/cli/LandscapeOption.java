package io.elspeth.pipelines.cli;

import io.elspeth.audit.store.LandscapeUrl;
import io.elspeth.pipelines.settings.FileIdentity;
import io.elspeth.pipelines.settings.SettingsValidator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The {@code --database} option shared by the commands that read an existing Landscape: a Landscape
 * URL or a SQLite file path, defaulting to ELSPETH's location. Reading commands never create a
 * database, so a SQLite file that does not exist is reported instead of opened.
 */
final class LandscapeOption {
  static final String DESCRIPTION =
      "Landscape URL (sqlite:///path.db, postgresql://...) or"
          + " SQLite file path (default: "
          + SettingsValidator.DEFAULT_LANDSCAPE_URL
          + ").";

  private LandscapeOption() {}

  /** The URL of {@code database} (null: the default); a bare path is a SQLite file. */
  static LandscapeUrl url(@Nullable String database) {
    String db = database == null ? SettingsValidator.DEFAULT_LANDSCAPE_URL : database;
    if (!db.contains(":")) {
      db = "sqlite:///" + Path.of(db).toAbsolutePath();
    }
    return LandscapeUrl.parse(db);
  }

  /**
   * The error to print when {@code output} (the file a command writes, named by {@code option}) is
   * the SQLite Landscape it reads, or one of its journal files: writing it would destroy the audit
   * record.
   */
  static Optional<String> overwrites(@Nullable Path output, String option, LandscapeUrl url) {
    if (output == null || !url.jdbcUrl().startsWith("jdbc:sqlite:")) {
      return Optional.empty();
    }
    Optional<FileIdentity> out = FileIdentity.of(output.toString());
    Optional<FileIdentity> db = FileIdentity.of(url.jdbcUrl().substring("jdbc:sqlite:".length()));
    if (out.isEmpty() || db.isEmpty()) {
      return Optional.empty();
    }
    for (String suffix : List.of("", "-wal", "-shm", "-journal")) {
      FileIdentity f = suffix.isEmpty() ? db.get() : db.get().sibling(suffix);
      if (out.get().sameFileAs(f)) {
        return Optional.of(
            option
                + " "
                + output
                + " and --database resolve to the same file "
                + f
                + ": writing it would destroy the Landscape; write elsewhere");
      }
    }
    return Optional.empty();
  }

  /** The error to print when a {@code --payload-dir} was given that is not a folder. */
  static Optional<String> missingPayloadDir(@Nullable Path payloadDir) {
    return payloadDir != null && !Files.isDirectory(payloadDir)
        ? Optional.of("no payload store at " + payloadDir)
        : Optional.empty();
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

package io.elspeth.pipelines.cli;

import io.elspeth.audit.schema.LandscapeSchema;
import io.elspeth.audit.schema.SchemaAccess;
import io.elspeth.audit.schema.SchemaVersionException;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.store.LandscapeUrl;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.checkerframework.checker.nullness.qual.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code elspeth landscape migrate}: maintenance of a Landscape database. */
@Command(
    name = "landscape",
    mixinStandardHelpOptions = true,
    description = "Maintain a Landscape database (migrate its schema).",
    subcommands = LandscapeCommand.MigrateCommand.class)
final class LandscapeCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /**
   * {@code elspeth landscape migrate [--database URL]}: brings a Landscape written by an older
   * release to the schema this release reads, without starting a run, so that {@code explain},
   * {@code runs}, {@code export}, the web console and Flink workers (which only check the schema)
   * accept it. A current Landscape is left as it is.
   */
  @Command(
      name = "migrate",
      mixinStandardHelpOptions = true,
      description =
          "Migrate a Landscape written by an older release to this release's schema"
              + " (version "
              + LandscapeSchema.CURRENT_VERSION
              + ").")
  static final class MigrateCommand implements Callable<Integer> {
    @Option(names = "--database", paramLabel = "URL", description = LandscapeOption.DESCRIPTION)
    @Nullable String database;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      LandscapeUrl url = LandscapeOption.url(database);
      Optional<String> missing = LandscapeOption.missing(url);
      if (missing.isPresent()) {
        CliErrors.print(spec.commandLine().getErr(), missing.get());
        return 1;
      }
      // Checking first tells which version the Landscape was at; a refusal for any other reason
      // than a pending migration (newer, damaged, not a Landscape) is the error to print.
      int from;
      try (LandscapeStore current = LandscapeStore.open(url, SchemaAccess.CHECK)) {
        out.println(
            "Landscape "
                + url
                + " is at schema version "
                + LandscapeSchema.CURRENT_VERSION
                + ", the current one: nothing to migrate.");
        return 0;
      } catch (SchemaVersionException e) {
        if (e.foundVersion() == SchemaVersionException.NO_VERSION
            || e.foundVersion() >= e.expectedVersion()) {
          throw e;
        }
        from = e.foundVersion();
      }
      try (LandscapeStore migrated = LandscapeStore.open(url, SchemaAccess.MIGRATE)) {
        out.println(
            "Landscape "
                + url
                + " migrated from schema version "
                + from
                + " to version "
                + LandscapeSchema.CURRENT_VERSION
                + ".");
      }
      return 0;
    }
  }
}

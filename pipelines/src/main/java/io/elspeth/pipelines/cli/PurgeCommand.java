package io.elspeth.pipelines.cli;

import io.elspeth.audit.payload.FilesystemPayloadStore;
import io.elspeth.audit.retention.PayloadRetention;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.store.LandscapeUrl;
import io.elspeth.pipelines.settings.SettingsValidator;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code elspeth purge --retention-days N [--database URL] [--payload-dir DIR] [--execute]}:
 * deletes payload blobs that only runs completed more than N days ago reference. The Landscape
 * keeps every row and hash. Without {@code --execute} it is a dry run that lists what would go, as
 * ELSPETH's {@code --dry-run}.
 */
@Command(
    name = "purge",
    mixinStandardHelpOptions = true,
    description = "Delete payloads past retention (the Landscape keeps every hash).")
final class PurgeCommand implements Callable<Integer> {
  /** How many references a dry run lists. */
  static final int SHOWN = 10;

  @Option(
      names = "--retention-days",
      required = true,
      paramLabel = "N",
      description = "Keep the payloads of runs completed in the last N days (N >= 1).")
  int retentionDays;

  @Option(names = "--database", paramLabel = "URL", description = LandscapeOption.DESCRIPTION)
  String database;

  @Option(
      names = "--payload-dir",
      paramLabel = "DIR",
      description =
          "The payload store folder (default: "
              + SettingsValidator.DEFAULT_PAYLOAD_BASE_PATH
              + ").")
  Path payloadDir;

  @Option(
      names = "--execute",
      description = "Delete; without it, only report what would be" + " deleted.")
  boolean execute;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (retentionDays < 1) {
      CliErrors.print(err, "--retention-days must be at least 1, got " + retentionDays);
      return 2;
    }
    LandscapeUrl url = LandscapeOption.url(database);
    Optional<String> missing = LandscapeOption.missing(url);
    if (missing.isPresent()) {
      CliErrors.print(err, missing.get());
      return 1;
    }
    FilesystemPayloadStore store =
        FilesystemPayloadStore.at(
            payloadDir == null ? Path.of(SettingsValidator.DEFAULT_PAYLOAD_BASE_PATH) : payloadDir);
    PayloadRetention.Plan plan;
    try (LandscapeStore landscape = LandscapeStore.open(url);
        Connection c = landscape.connection()) {
      plan = PayloadRetention.plan(c, retentionDays, Instant.now());
    }
    String scope =
        plan.refs().size()
            + " payloads referenced only by "
            + plan.expiredRuns().size()
            + " runs completed before "
            + plan.cutoff()
            + " ("
            + plan.keptShared()
            + " shared with newer runs are kept), store "
            + store.basePath();
    if (!execute) {
      out.println("dry run: would delete " + scope);
      plan.refs().stream().limit(SHOWN).forEach(ref -> out.println("  " + ref));
      if (plan.refs().size() > SHOWN) {
        out.println("  ... and " + (plan.refs().size() - SHOWN) + " more");
      }
      out.println("run again with --execute to delete them");
      return 0;
    }
    PayloadRetention.Result result = PayloadRetention.purge(store, plan.refs());
    out.println(
        "purged "
            + scope
            + ": "
            + result.deleted()
            + " deleted, "
            + result.skipped()
            + " already absent, "
            + result.failures().size()
            + " failed");
    result.failures().forEach(f -> err.println("  failed: " + f));
    return result.failures().isEmpty() ? 0 : 1;
  }
}

package io.elspeth.pipelines.cli;

import io.elspeth.audit.export.ExportWriter;
import io.elspeth.audit.export.LandscapeExporter;
import io.elspeth.audit.export.SigningKey;
import io.elspeth.audit.lineage.LineageQuery;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.store.LandscapeUrl;
import java.io.BufferedWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code elspeth export --run RUN --database URL [--output FILE] [--sign]}: the whole run as JSON
 * lines in ELSPETH's record order; with {@code --sign}, every record carries an HMAC-SHA256
 * signature keyed by {@code ELSPETH_SIGNING_KEY} and a manifest closes the file. Signing fails
 * closed: without the key nothing is written. A file output is written to a temporary file and
 * renamed into place, so a failed export never leaves a partial file under the name.
 */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = "Export a run of the Landscape as JSON lines, optionally signed.")
final class ExportCommand implements Callable<Integer> {
  @Option(
      names = "--run",
      required = true,
      paramLabel = "RUN_ID",
      description = "Run id, or 'latest'.")
  String run;

  @Option(names = "--database", paramLabel = "URL", description = LandscapeOption.DESCRIPTION)
  String database;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FILE",
      description = "Write the export to FILE instead of standard output.")
  Path output;

  @Option(
      names = "--sign",
      description =
          "Sign every record and add a manifest (HMAC-SHA256"
              + " keyed by the environment variable "
              + SigningKey.ENV
              + ").")
  boolean sign;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    SigningKey key = sign ? SigningKey.fromEnvironment(System.getenv()) : null;
    LandscapeUrl url = LandscapeOption.url(database);
    Optional<String> missing = LandscapeOption.missing(url);
    if (missing.isPresent()) {
      CliErrors.print(err, missing.get());
      return 1;
    }
    Optional<String> overwrites = LandscapeOption.overwrites(output, "--output", url);
    if (overwrites.isPresent()) {
      CliErrors.print(err, overwrites.get());
      return 1;
    }
    String runId;
    ExportWriter.Summary summary;
    try (LandscapeStore store = LandscapeStore.open(url);
        Connection c = store.connection()) {
      Optional<String> resolved = LineageQuery.resolveRun(c, run);
      if (resolved.isEmpty()) {
        CliErrors.print(err, "no run '" + run + "' in " + url);
        return 1;
      }
      runId = resolved.get();
      // Streamed from the Landscape a window of rows at a time: a run of any size.
      Instant now = Instant.now();
      if (output == null) {
        Writer out = spec.commandLine().getOut();
        summary = ExportWriter.write(runId, LandscapeExporter.records(c, runId), out, key, now);
        out.flush();
      } else {
        Path target = output.toAbsolutePath();
        Files.createDirectories(target.getParent());
        Path temp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
        try {
          try (BufferedWriter out = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
            summary = ExportWriter.write(runId, LandscapeExporter.records(c, runId), out, key, now);
          }
          Files.move(
              temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
          Files.deleteIfExists(temp);
        }
      }
    }
    err.println(
        "exported "
            + summary.recordCount()
            + " records of run "
            + runId
            + (output == null ? "" : " to " + output)
            + (key == null ? " (unsigned)" : " (signed, final hash " + summary.finalHash() + ")"));
    return 0;
  }
}

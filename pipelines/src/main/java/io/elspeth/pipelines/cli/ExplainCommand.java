package io.elspeth.pipelines.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.elspeth.audit.lineage.LineageHtml;
import io.elspeth.audit.lineage.LineageQuery;
import io.elspeth.audit.lineage.LineageRenderer;
import io.elspeth.audit.lineage.RowLineage;
import io.elspeth.audit.lineage.RunGraph;
import io.elspeth.audit.ownership.Resumptions;
import io.elspeth.audit.payload.FilesystemPayloadStore;
import io.elspeth.audit.payload.PayloadLookup;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.store.LandscapeUrl;
import io.elspeth.pipelines.settings.SettingsValidator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.checkerframework.checker.nullness.qual.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code elspeth explain --run RUN --row ROW --database URL}: the lineage of one source row, from
 * its source position and hash through every node state, gate decision and route, to the sink
 * artifact it reached.
 */
@Command(
    name = "explain",
    mixinStandardHelpOptions = true,
    description = "Explain the lineage of one source row of a run.")
final class ExplainCommand implements Callable<Integer> {
  @Option(
      names = "--run",
      required = true,
      paramLabel = "RUN_ID",
      description = "Run id, or 'latest'.")
  String run;

  /** Exactly one of a row or a token names what to explain. */
  static final class Target {
    @Option(
        names = "--row",
        required = true,
        paramLabel = "ROW",
        description = "Row id, or the row's 0-based index in the source.")
    String row;

    @Option(
        names = "--token",
        required = true,
        paramLabel = "TOKEN",
        description = "Token id: explains the row it belongs to, with all its tokens.")
    String token;
  }

  @picocli.CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
  Target target;

  @Option(names = "--database", paramLabel = "URL", description = LandscapeOption.DESCRIPTION)
  String database;

  @Option(names = "--json", description = "Machine-readable JSON instead of the text tree.")
  boolean json;

  @Option(
      names = "--html",
      paramLabel = "FILE",
      description =
          "Also write a self-contained" + " HTML page drawing the row's path through the DAG.")
  Path html;

  @Option(
      names = "--payload-dir",
      paramLabel = "DIR",
      description =
          "Payload store to read the"
              + " source row from (default: "
              + SettingsValidator.DEFAULT_PAYLOAD_BASE_PATH
              + " when it exists).")
  Path payloadDir;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    LandscapeUrl url = LandscapeOption.url(database);
    Optional<String> missing = LandscapeOption.missing(url);
    if (missing.isPresent()) {
      CliErrors.print(spec.commandLine().getErr(), missing.get());
      return 1;
    }
    Optional<String> overwrites = LandscapeOption.overwrites(html, "--html", url);
    if (overwrites.isPresent()) {
      CliErrors.print(spec.commandLine().getErr(), overwrites.get());
      return 1;
    }
    Optional<String> noPayloads = LandscapeOption.missingPayloadDir(payloadDir);
    if (noPayloads.isPresent()) {
      CliErrors.print(spec.commandLine().getErr(), noPayloads.get());
      return 1;
    }
    try (LandscapeStore store = LandscapeStore.open(url);
        Connection c = store.connection()) {
      Optional<String> runId = LineageQuery.resolveRun(c, run);
      if (runId.isEmpty()) {
        CliErrors.print(spec.commandLine().getErr(), "no run '" + run + "' in " + url);
        return 1;
      }
      String row =
          target.row != null
              ? target.row
              : LineageQuery.rowOfToken(c, runId.get(), target.token).orElse(null);
      if (row == null) {
        CliErrors.print(
            spec.commandLine().getErr(),
            "run " + runId.get() + " has no token '" + target.token + "'");
        return 1;
      }
      Optional<RowLineage> lineage = LineageQuery.explainRow(c, runId.get(), row);
      if (lineage.isEmpty() && target.row != null) {
        // A resumed run skips the rows the runs it resumes finished: explain the row where it was.
        List<String> chain = Resumptions.chainEndingAt(c, runId.get());
        for (int i = chain.size() - 2; i >= 0 && lineage.isEmpty(); i--) {
          lineage = LineageQuery.explainRow(c, chain.get(i), row);
          if (lineage.isPresent()) {
            spec.commandLine()
                .getErr()
                .println(
                    "run "
                        + runId.get()
                        + " has no row '"
                        + row
                        + "': it resumed run "
                        + chain.get(i)
                        + ", which finished it; explaining it"
                        + " there");
            runId = Optional.of(chain.get(i));
          }
        }
      }
      if (lineage.isEmpty()) {
        CliErrors.print(
            spec.commandLine().getErr(), "run " + runId.get() + " has no row '" + row + "'");
        return 1;
      }
      Optional<String> resumedBy = Resumptions.resumedBy(c, runId.get());
      PayloadLookup payload =
          PayloadLookup.find(payloadStore(), lineage.get().row().sourceDataRef());
      if (html != null) {
        Files.writeString(
            html,
            LineageHtml.page(lineage.get(), RunGraph.read(c, runId.get()), payload),
            StandardCharsets.UTF_8);
        spec.commandLine().getErr().println("wrote " + html);
      }
      long rowIndex = lineage.get().row().rowIndex();
      String resumeNote = null;
      if (resumedBy.isPresent()) {
        resumeNote =
            hasRow(c, resumedBy.get(), rowIndex)
                ? "this run did not finish the row: run "
                    + resumedBy.get()
                    + " resumed it and"
                    + " processed the row again (elspeth explain --run "
                    + resumedBy.get()
                    + " --row "
                    + rowIndex
                    + ")"
                : "run " + resumedBy.get() + " resumed this run and skipped the row, finished here";
      }
      spec.commandLine()
          .getOut()
          .println(
              json
                  ? withPayload(lineage.get(), payload, resumedBy)
                  : LineageRenderer.text(lineage.get())
                      + "source payload: "
                      + payload.describe()
                      + (resumeNote == null ? "" : "\n" + resumeNote));
      return 0;
    }
  }

  private @Nullable FilesystemPayloadStore payloadStore() {
    Path dir =
        payloadDir != null ? payloadDir : Path.of(SettingsValidator.DEFAULT_PAYLOAD_BASE_PATH);
    return payloadDir != null || Files.isDirectory(dir) ? FilesystemPayloadStore.at(dir) : null;
  }

  /** The lineage JSON with {@code source_payload}: status, ref and the stored row if any. */
  private static String withPayload(
      RowLineage lineage, PayloadLookup payload, Optional<String> resumedBy) throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode root = (ObjectNode) mapper.readTree(LineageRenderer.json(lineage));
    root.put("resumed_by_run_id", resumedBy.orElse(null));
    ObjectNode p = root.putObject("source_payload");
    p.put("status", payload.status().label());
    p.put("ref", payload.ref());
    p.set("data", payload.text() == null ? null : mapper.readTree(payload.text()));
    return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root);
  }

  private static boolean hasRow(Connection c, String runId, long rowIndex)
      throws java.sql.SQLException {
    try (java.sql.PreparedStatement ps =
        c.prepareStatement("SELECT 1 FROM rows WHERE run_id = ? AND row_index = ?")) {
      ps.setString(1, runId);
      ps.setLong(2, rowIndex);
      try (java.sql.ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }
}

package io.elspeth.pipelines.cli;

import io.elspeth.audit.lineage.LineageQuery;
import io.elspeth.audit.lineage.LineageRenderer;
import io.elspeth.audit.lineage.RowLineage;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.store.LandscapeUrl;
import io.elspeth.pipelines.settings.SettingsValidator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code elspeth explain --run RUN --row ROW --database URL}: the lineage of one source row,
 * from its source position and hash through every node state, gate decision and route, to the
 * sink artifact it reached.
 */
@Command(name = "explain", mixinStandardHelpOptions = true,
    description = "Explain the lineage of one source row of a run.")
final class ExplainCommand implements Callable<Integer> {
  @Option(names = "--run", required = true, paramLabel = "RUN_ID",
      description = "Run id, or 'latest'.")
  String run;

  @Option(names = "--row", required = true, paramLabel = "ROW",
      description = "Row id, or the row's 0-based index in the source.")
  String row;

  @Option(names = "--database", paramLabel = "URL",
      description = "Landscape URL (sqlite:///path.db, postgresql://...) or SQLite file path"
          + " (default: " + SettingsValidator.DEFAULT_LANDSCAPE_URL + ").")
  String database;

  @Option(names = "--json", description = "Machine-readable JSON instead of the text tree.")
  boolean json;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    String db = database == null ? SettingsValidator.DEFAULT_LANDSCAPE_URL : database;
    if (!db.contains(":")) {
      db = "sqlite:///" + Path.of(db).toAbsolutePath();
    }
    LandscapeUrl url = LandscapeUrl.parse(db);
    if (url.jdbcUrl().startsWith("jdbc:sqlite:")) {
      Path file = Path.of(url.jdbcUrl().substring("jdbc:sqlite:".length()));
      if (!Files.exists(file)) {
        spec.commandLine().getErr().println("error: no Landscape database at " + file);
        return 1;
      }
    }
    try (LandscapeStore store = LandscapeStore.open(url); Connection c = store.connection()) {
      Optional<String> runId = LineageQuery.resolveRun(c, run);
      if (runId.isEmpty()) {
        spec.commandLine().getErr().println("error: no run '" + run + "' in " + url);
        return 1;
      }
      Optional<RowLineage> lineage = LineageQuery.explainRow(c, runId.get(), row);
      if (lineage.isEmpty()) {
        spec.commandLine().getErr().println("error: run " + runId.get() + " has no row '" + row
            + "'");
        return 1;
      }
      spec.commandLine().getOut().println(json ? LineageRenderer.json(lineage.get())
          : LineageRenderer.text(lineage.get()));
      return 0;
    }
  }
}

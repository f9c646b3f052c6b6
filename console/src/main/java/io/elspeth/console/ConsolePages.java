package io.elspeth.console;

import io.elspeth.audit.export.ExportWriter;
import io.elspeth.audit.export.LandscapeExporter;
import io.elspeth.audit.export.SigningKey;
import io.elspeth.audit.lineage.LineageQuery;
import io.elspeth.audit.lineage.RowLineage;
import io.elspeth.audit.lineage.RunGraph;
import io.elspeth.audit.lineage.RunGraph.GraphNode;
import io.elspeth.audit.payload.PayloadStore;
import io.elspeth.audit.reconcile.RunReconciliation;
import io.elspeth.audit.store.LandscapeStore;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The console's pages that read the Landscape: the runs list, a run, its reconciliation and its
 * export, a row's lineage, and the search that finds a run or a row by id. Each handler reads on
 * one connection of the store; a settled run's expensive counts come from {@link SettledRuns}.
 */
final class ConsolePages {
  private static final int ROWS_PER_PAGE = 50;

  /** A page of a run's rows, by the (run_id, row_index) key. */
  static final String ROWS_PAGE =
      "SELECT row_index, row_id FROM rows WHERE run_id = ? AND"
          + " row_index > ? ORDER BY row_index LIMIT "
          + (ROWS_PER_PAGE + 1);

  static final String ROW_BY_ID = "SELECT run_id, row_id FROM rows WHERE row_id = ?";
  static final String ROW_BY_TOKEN = "SELECT run_id, row_id FROM tokens WHERE token_id = ?";

  private final LandscapeStore store;
  private final @Nullable PayloadStore payloads;
  private final @Nullable SigningKey signingKey;
  private final LlmPrices llmPrices;
  private final SettledRuns settled;

  ConsolePages(
      LandscapeStore store,
      @Nullable PayloadStore payloads,
      @Nullable SigningKey signingKey,
      LlmPrices llmPrices,
      SettledRuns settled) {
    this.store = store;
    this.payloads = payloads;
    this.signingKey = signingKey;
    this.llmPrices = llmPrices;
    this.settled = settled;
  }

  void runsList(Context ctx) throws SQLException {
    RunFilter filter =
        RunFilter.parse(
            ctx.queryParam("status"),
            ctx.queryParam("from"),
            ctx.queryParam("to"),
            ctx.queryParam("page"));
    try (Connection c = store.connection()) {
      ctx.html(
          RunsListPage.render(
              filter, RunSummaries.read(c, filter, System.currentTimeMillis(), settled)));
    }
  }

  /** A run id, a row id or a token id: the page of the run or the row it names. */
  void find(Context ctx) throws SQLException {
    String q = Optional.ofNullable(ctx.queryParam("q")).map(String::trim).orElse("");
    try (Connection c = store.connection()) {
      if (LineageQuery.resolveRun(c, q).isPresent() && !q.isEmpty()) {
        ctx.redirect("/runs/" + Page.enc(LineageQuery.resolveRun(c, q).get()));
        return;
      }
      Optional<String[]> hit = firstRow(c, ROW_BY_ID, q);
      if (hit.isEmpty()) {
        hit = firstRow(c, ROW_BY_TOKEN, q);
      }
      if (hit.isPresent()) {
        ctx.redirect("/runs/" + Page.enc(hit.get()[0]) + "/rows/" + Page.enc(hit.get()[1]));
        return;
      }
    }
    message(ctx, HttpStatus.NOT_FOUND, "Not found", "no run, row or token '" + q + "'");
  }

  void run(Context ctx) throws SQLException {
    String runId = ctx.pathParam("run");
    long after = parseLong(ctx.queryParam("after"), "after", -1);
    try (Connection c = store.connection()) {
      RunSummary summary = RunSummaries.one(c, runId, System.currentTimeMillis(), settled);
      if (summary == null) {
        message(ctx, HttpStatus.NOT_FOUND, "Not found", "no run '" + runId + "'");
        return;
      }
      RunGraph graph = RunGraph.read(c, runId);
      String status = summary.status();
      List<CallStats> calls = new ArrayList<>();
      List<LlmUsage> llm = new ArrayList<>();
      for (GraphNode n : graph.nodes()) {
        Map<String, CallStats> stats =
            settled.get(
                c,
                runId,
                status,
                SettledRuns.calls(n.nodeId()),
                () -> CallStats.read(c, runId, n.nodeId()));
        calls.addAll(stats.values());
        if (stats.containsKey("llm")) {
          List<LlmUsage> usage =
              settled.get(
                  c,
                  runId,
                  status,
                  SettledRuns.llm(n.nodeId()),
                  () -> LlmUsage.read(c, runId, n.nodeId(), payloads));
          usage.forEach(u -> llm.add(u.priced(llmPrices)));
        }
      }
      List<RunPage.RowRef> rows = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement(ROWS_PAGE)) {
        ps.setString(1, runId);
        ps.setLong(2, after);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            rows.add(new RunPage.RowRef(rs.getLong(1), rs.getString(2)));
          }
        }
      }
      Long nextAfter = null;
      if (rows.size() > ROWS_PER_PAGE) {
        rows = rows.subList(0, ROWS_PER_PAGE);
        nextAfter = rows.get(ROWS_PER_PAGE - 1).rowIndex();
      }
      ctx.html(
          RunPage.render(
              new RunPage.Content(
                  summary,
                  configHash(c, runId),
                  graph,
                  settled.get(
                      c, runId, status, SettledRuns.DAG, () -> RunDagCounts.read(c, runId, graph)),
                  settled.get(
                      c, runId, status, SettledRuns.ERRORS, () -> ErrorGroups.read(c, runId)),
                  calls,
                  llm,
                  !llmPrices.byModel().isEmpty(),
                  payloads != null,
                  TelemetryHealth.read(c, runId),
                  rows,
                  nextAfter,
                  signingKey != null)));
    }
  }

  void reconciliation(Context ctx) throws SQLException {
    String runId = ctx.pathParam("run");
    try (Connection c = store.connection()) {
      RunSummary summary = RunSummaries.one(c, runId, System.currentTimeMillis(), settled);
      if (summary == null) {
        message(ctx, HttpStatus.NOT_FOUND, "Not found", "no run '" + runId + "'");
        return;
      }
      // Every check scans the run: a settled run's was recorded when it ended, or is checked
      // once per console, not per view.
      ctx.html(
          ReconciliationPage.render(
              runId,
              settled.get(
                  c,
                  runId,
                  summary.status(),
                  SettledRuns.RECONCILIATION,
                  () -> RunReconciliation.of(c, runId))));
    }
  }

  /** The run as JSON lines in ELSPETH's record order, signed when a signing key is set. */
  void export(Context ctx) throws SQLException, IOException {
    String runId = ctx.pathParam("run");
    try (Connection c = store.connection()) {
      if (RunSummaries.one(c, runId, System.currentTimeMillis(), settled) == null) {
        message(ctx, HttpStatus.NOT_FOUND, "Not found", "no run '" + runId + "'");
        return;
      }
      ctx.contentType("application/x-ndjson; charset=utf-8");
      ctx.header(
          "Content-Disposition",
          "attachment; filename=\"run-"
              + runId.replaceAll("[^A-Za-z0-9_.-]", "_")
              + (signingKey == null ? "" : "-signed")
              + ".jsonl\"");
      // Streamed a window of rows at a time: a million-row run is sent in bounded memory.
      Writer out =
          new BufferedWriter(
              new OutputStreamWriter(ctx.outputStream(), StandardCharsets.UTF_8), 1 << 16);
      ExportWriter.write(
          runId, LandscapeExporter.records(c, runId), out, signingKey, Instant.now());
      out.flush();
    }
  }

  void rowSearch(Context ctx) {
    String q = Optional.ofNullable(ctx.queryParam("q")).map(String::trim).orElse("");
    if (q.isEmpty()) {
      throw new IllegalArgumentException("give a row id, a row index or a token id");
    }
    ctx.redirect("/runs/" + Page.enc(ctx.pathParam("run")) + "/rows/" + Page.enc(q));
  }

  void row(Context ctx) throws SQLException {
    String runId = ctx.pathParam("run");
    String wanted = ctx.pathParam("row");
    try (Connection c = store.connection()) {
      Optional<RowLineage> lineage = LineageQuery.explainRow(c, runId, wanted);
      if (lineage.isEmpty()) {
        Optional<String> byToken = LineageQuery.rowOfToken(c, runId, wanted);
        if (byToken.isPresent()) {
          lineage = LineageQuery.explainRow(c, runId, byToken.get());
        }
      }
      if (lineage.isEmpty()) {
        message(
            ctx,
            HttpStatus.NOT_FOUND,
            "Not found",
            "run '" + runId + "' has no row or" + " token '" + wanted + "'");
        return;
      }
      ctx.html(RowPage.render(lineage.get(), RunGraph.read(c, runId), payloads));
    }
  }

  private static String configHash(Connection c, String runId) throws SQLException {
    try (PreparedStatement ps =
            LandscapeReads.prepare(c, "SELECT config_hash FROM runs WHERE run_id = ?", runId);
        ResultSet rs = ps.executeQuery()) {
      return rs.next() ? rs.getString(1) : "-";
    }
  }

  private static Optional<String[]> firstRow(Connection c, String sql, String param)
      throws SQLException {
    try (PreparedStatement ps = LandscapeReads.prepare(c, sql, param);
        ResultSet rs = ps.executeQuery()) {
      return rs.next()
          ? Optional.of(new String[] {rs.getString(1), rs.getString(2)})
          : Optional.empty();
    }
  }

  private static long parseLong(@Nullable String value, String name, long absent) {
    if (value == null || value.isBlank()) {
      return absent;
    }
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a whole number, not '" + value + "'");
    }
  }

  static void message(Context ctx, HttpStatus status, String title, @Nullable String text) {
    ctx.status(status)
        .html(Page.frame(title, "<p class=\"bad\" id=\"message\">" + Page.esc(text) + "</p>\n"));
  }
}

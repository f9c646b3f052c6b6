package io.elspeth.pipelines.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.elspeth.audit.ownership.Resumptions;
import io.elspeth.audit.ownership.RunLease;
import io.elspeth.audit.ownership.RunLeases;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.store.LandscapeUrl;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code elspeth runs [--database URL] [--json]}: every run of a Landscape with its status, start,
 * rows recorded, owner and last heartbeat. A run recorded as running whose owner is gone is shown
 * {@code interrupted}: its process died, and {@code elspeth resume} may take it over.
 */
@Command(
    name = "runs",
    mixinStandardHelpOptions = true,
    description =
        "List the runs of a Landscape: status (a dead owner's running run shows as"
            + " interrupted), start, rows, owner, last heartbeat, resume links.")
final class RunsCommand implements Callable<Integer> {
  @Option(names = "--database", paramLabel = "URL", description = LandscapeOption.DESCRIPTION)
  String database;

  @Option(names = "--json", description = "One JSON object per run, one per line.")
  boolean json;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    LandscapeUrl url = LandscapeOption.url(database);
    Optional<String> missing = LandscapeOption.missing(url);
    if (missing.isPresent()) {
      CliErrors.print(err, missing.get());
      return 1;
    }
    List<Map<String, Object>> runs = new ArrayList<>();
    try (LandscapeStore store = LandscapeStore.open(url);
        Connection c = store.connection()) {
      Map<String, Long> rows = new HashMap<>();
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT run_id, COUNT(*) FROM rows GROUP BY run_id")) {
        while (rs.next()) {
          rows.put(rs.getString(1), rs.getLong(2));
        }
      }
      long now = System.currentTimeMillis();
      try (Statement s = c.createStatement();
          ResultSet rs =
              s.executeQuery(
                  "SELECT run_id, status, started_at, completed_at FROM runs"
                      + " ORDER BY started_at, run_id")) {
        while (rs.next()) {
          String runId = rs.getString(1);
          String status = RunLeases.displayStatus(c, runId, rs.getString(2), now);
          Optional<RunLease> lease = RunLeases.of(c, runId);
          Map<String, Object> run = new LinkedHashMap<>();
          run.put("run_id", runId);
          run.put("status", status);
          run.put("started_at", String.valueOf(rs.getObject(3)));
          Object completed = rs.getObject(4);
          run.put("completed_at", completed == null ? null : completed.toString());
          run.put("rows", rows.getOrDefault(runId, 0L));
          run.put("owner", lease.map(RunLease::describe).orElse(null));
          run.put(
              "last_heartbeat",
              lease.map(l -> Instant.ofEpochMilli(l.heartbeatMs()).toString()).orElse(null));
          run.put("resumes", Resumptions.resumedRun(c, runId).orElse(null));
          run.put("resumed_by", Resumptions.resumedBy(c, runId).orElse(null));
          runs.add(run);
        }
      }
    }
    if (json) {
      ObjectMapper mapper = new ObjectMapper();
      for (Map<String, Object> run : runs) {
        out.println(mapper.writeValueAsString(run));
      }
      return 0;
    }
    out.printf(
        "%-38s %-12s %-32s %10s  %-26s %s%n",
        "RUN", "STATUS", "STARTED", "ROWS", "LAST HEARTBEAT", "RESUME LINKS");
    for (Map<String, Object> run : runs) {
      String links =
          (run.get("resumes") == null ? "" : "resumes " + run.get("resumes") + " ")
              + (run.get("resumed_by") == null ? "" : "resumed by " + run.get("resumed_by"));
      out.printf(
          "%-38s %-12s %-32s %10d  %-26s %s%n",
          run.get("run_id"),
          run.get("status"),
          run.get("started_at"),
          (Long) run.get("rows"),
          run.get("last_heartbeat") == null ? "-" : run.get("last_heartbeat"),
          links.trim());
    }
    return 0;
  }
}

package io.elspeth.benchmarks.scenario;

import io.elspeth.audit.commit.LandscapeCommit;
import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.AuditRecordCoder;
import io.elspeth.audit.store.CopyText;
import io.elspeth.audit.store.LandscapeDriverSettings;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.store.LandscapeUrl;
import io.elspeth.benchmarks.report.Figure;
import io.elspeth.runners.RunnerProfile;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.GenerateSequence;
import org.apache.beam.sdk.transforms.FlatMapElements;
import org.apache.beam.sdk.values.TypeDescriptor;

/**
 * Scenario 2: records/s through the Landscape commit transform (Beam DirectRunner, per-bundle
 * transactions, idempotent inserts) ÷ records/s of a plain load of the same records into the same
 * tables on one connection, no idempotency check: raw JDBC batched inserts, or (PostgreSQL, {@link
 * Baseline#COPY}) plain COPY straight into the tables, the fastest way PostgreSQL loads.
 */
public final class LandscapeCommitScenario implements Scenario {
  /** Which database: a SQLite file, or a fresh schema on the PostgreSQL server. */
  public enum Database {
    SQLITE,
    POSTGRESQL
  }

  /** What the commit is compared with. */
  public enum Baseline {
    /** Batched JDBC INSERTs, transactions of {@value #RAW_BATCH} records. */
    JDBC_BATCH,
    /** PostgreSQL only: one COPY per table into the tables themselves, per {@value #RAW_BATCH}. */
    COPY
  }

  private static final String PG_SERVER = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
  private static final int RAW_BATCH = 5000;

  private final Database database;
  private final Baseline baseline;
  private final int rows;

  public LandscapeCommitScenario(Database database, int rows) {
    this(database, Baseline.JDBC_BATCH, rows);
  }

  public LandscapeCommitScenario(Database database, Baseline baseline, int rows) {
    if (baseline == Baseline.COPY && database != Database.POSTGRESQL) {
      throw new IllegalArgumentException("the COPY baseline is PostgreSQL's");
    }
    this.database = database;
    this.baseline = baseline;
    this.rows = rows;
  }

  @Override
  public String name() {
    return "landscape-commit-"
        + database.name().toLowerCase()
        + (baseline == Baseline.COPY ? "-copy" : "");
  }

  @Override
  public Figure run(int runs, Path workDir) throws Exception {
    long records = (long) rows * SyntheticAudit.RECORDS_PER_ROW;
    SideBySide.Rates rates =
        SideBySide.rates(
            runs,
            records,
            () -> timeCommit(fresh(workDir)),
            () -> baseline == Baseline.COPY ? timeCopy(fresh(workDir)) : timeRaw(fresh(workDir)));
    return new Figure(
        name(),
        "Landscape commit transform vs "
            + (baseline == Baseline.COPY
                ? "plain COPY into the same tables, "
                : "raw JDBC batched inserts, ")
            + rows
            + " rows x "
            + SyntheticAudit.RECORDS_PER_ROW
            + " records",
        "records/s",
        rates.measured(),
        rates.baseline(),
        0.8);
  }

  private LandscapeUrl fresh(Path workDir) throws Exception {
    LandscapeUrl url;
    if (database == Database.SQLITE) {
      url =
          LandscapeUrl.parse("sqlite:///" + workDir.resolve("commit-" + UUID.randomUUID() + ".db"));
    } else {
      String schema = "bench_" + UUID.randomUUID().toString().replace("-", "");
      try (Connection c = DriverManager.getConnection(PG_SERVER);
          Statement s = c.createStatement()) {
        s.execute("CREATE SCHEMA " + schema);
      }
      url = LandscapeUrl.parse("postgresql://postgres@127.0.0.1:5432/test?currentSchema=" + schema);
    }
    try (LandscapeStore store = LandscapeStore.open(url)) {
      store.commit(SyntheticAudit.graph());
    }
    return url;
  }

  /** Seconds to commit every record through the Beam commit transform. */
  private double timeCommit(LandscapeUrl url) {
    Pipeline p = Pipeline.create(RunnerProfile.DIRECT.options(0));
    p.apply(GenerateSequence.from(0).to(rows))
        .apply(
            FlatMapElements.into(TypeDescriptor.of(AuditRecord.class))
                .via((Long i) -> SyntheticAudit.forRow(i)))
        .setCoder(AuditRecordCoder.of())
        .apply(LandscapeCommit.to(url));
    long start = System.nanoTime();
    org.apache.beam.sdk.PipelineResult result = p.run();
    result.waitUntilFinish();
    double seconds = (System.nanoTime() - start) / 1e9;
    long tx = counter(result, "transactions");
    System.err.printf(
        "  commit: %d records in %d transactions (%.1f per transaction)%n",
        counter(result, "records_committed"),
        tx,
        tx == 0 ? 0.0 : counter(result, "records_committed") / (double) tx);
    return seconds;
  }

  private static long counter(org.apache.beam.sdk.PipelineResult result, String name) {
    var q =
        result
            .metrics()
            .queryMetrics(
                org.apache.beam.sdk.metrics.MetricsFilter.builder()
                    .addNameFilter(
                        org.apache.beam.sdk.metrics.MetricNameFilter.named(
                            LandscapeCommit.class, name))
                    .build());
    long total = 0;
    for (var c : q.getCounters()) {
      total += c.getAttempted();
    }
    return total;
  }

  /** Seconds to insert the same records with plain batched JDBC on one connection. */
  private double timeRaw(LandscapeUrl url) throws Exception {
    long start = System.nanoTime();
    try (Connection c =
        url.user() == null
            ? DriverManager.getConnection(url.jdbcUrl())
            : DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password())) {
      if (database == Database.SQLITE) {
        // The pragmas the Landscape's own connection runs with (WAL is a property of the file).
        try (Statement s = c.createStatement()) {
          for (Map.Entry<String, String> p : LandscapeDriverSettings.SQLITE_PRAGMAS.entrySet()) {
            s.execute("PRAGMA " + p.getKey() + " = " + p.getValue());
          }
        }
      }
      c.setAutoCommit(false);
      Map<String, PreparedStatement> statements = new LinkedHashMap<>();
      int pending = 0;
      for (long i = 0; i < rows; i++) {
        for (AuditRecord r : SyntheticAudit.forRow(i)) {
          PreparedStatement ps = statements.computeIfAbsent(r.table(), t -> prepare(c, r));
          int col = 1;
          for (Object v : r.columns().values()) {
            ps.setObject(
                col++,
                v instanceof java.time.Instant in
                    ? (database == Database.SQLITE
                        ? in.toString()
                        : in.atOffset(java.time.ZoneOffset.UTC))
                    : v);
          }
          ps.addBatch();
          pending++;
        }
        if (pending >= RAW_BATCH) {
          for (PreparedStatement ps : statements.values()) {
            ps.executeBatch();
          }
          c.commit();
          pending = 0;
        }
      }
      for (PreparedStatement ps : statements.values()) {
        ps.executeBatch();
        ps.close();
      }
      c.commit();
    }
    return (System.nanoTime() - start) / 1e9;
  }

  /**
   * Seconds to load the same records with plain COPY on one connection: per {@value #RAW_BATCH}
   * records one transaction, one COPY per table straight into it (no staging, no conflict check).
   */
  private double timeCopy(LandscapeUrl url) throws Exception {
    long start = System.nanoTime();
    try (Connection c = DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password())) {
      c.setAutoCommit(false);
      org.postgresql.copy.CopyManager copy =
          c.unwrap(org.postgresql.PGConnection.class).getCopyAPI();
      Map<String, StringBuilder> byTable = new LinkedHashMap<>();
      Map<String, String> columnsOf = new LinkedHashMap<>();
      int pending = 0;
      for (long i = 0; i < rows; i++) {
        for (AuditRecord r : SyntheticAudit.forRow(i)) {
          columnsOf.computeIfAbsent(r.table(), t -> String.join(", ", r.columns().keySet()));
          CopyText.appendRow(
              byTable.computeIfAbsent(r.table(), t -> new StringBuilder()), r.columns().values());
          pending++;
        }
        if (pending >= RAW_BATCH || i == rows - 1) {
          for (Map.Entry<String, StringBuilder> e : byTable.entrySet()) {
            copy.copyIn(
                "COPY " + e.getKey() + " (" + columnsOf.get(e.getKey()) + ") FROM STDIN",
                new java.io.StringReader(e.getValue().toString()));
          }
          c.commit();
          byTable.clear();
          pending = 0;
        }
      }
    }
    return (System.nanoTime() - start) / 1e9;
  }

  private static PreparedStatement prepare(Connection c, AuditRecord r) {
    List<String> cols = new ArrayList<>(r.columns().keySet());
    try {
      return c.prepareStatement(
          "INSERT INTO "
              + r.table()
              + " ("
              + String.join(", ", cols)
              + ") VALUES ("
              + String.join(", ", cols.stream().map(x -> "?").toList())
              + ")");
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException("cannot prepare insert into " + r.table(), e);
    }
  }
}

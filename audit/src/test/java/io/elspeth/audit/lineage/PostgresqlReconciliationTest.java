package io.elspeth.audit.lineage;

import static io.elspeth.audit.lineage.LineageFixture.at;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;

import io.elspeth.audit.reconcile.RunReconciliation;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.store.LandscapeUrl;
import io.elspeth.testkit.postgres.TestPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Reconciliation on PostgreSQL (TestPostgres, a fresh schema per test) plans its checks on fresh
 * statistics: the row tables a run bulk-loaded are analyzed first, or the planner takes them for
 * nearly empty and nests loops over sequential scans (quadratic in the run).
 */
class PostgresqlReconciliationTest {
  private static final String SERVER = TestPostgres.get().jdbcUrl();
  private String schema;

  @BeforeEach
  void createSchema() throws Exception {
    schema = "t_" + UUID.randomUUID().toString().replace("-", "");
    try (Connection c = DriverManager.getConnection(SERVER);
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    }
  }

  @AfterEach
  void dropSchema() throws Exception {
    try (Connection c = DriverManager.getConnection(SERVER);
        Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }
  }

  @Test
  void reconcilesOnFreshStatisticsOfTheRowTables() throws Exception {
    LineageFixture f = new LineageFixture("run-pg", at(0), null);
    f.node("src", "csv", "source").node("snk", "csv", "sink");
    f.row("row-0", 0, "src");
    f.token("tok-0", "row-0", null, null, at(1));
    f.completed("st-0", "tok-0", "src", 0, null, at(1), at(2));
    f.completed("st-1", "tok-0", "snk", 1, null, at(3), at(4));
    f.artifact("art-1", "st-1", "snk", "/out.csv", at(5));
    f.outcome("out-0", "tok-0", "completed", "out", null, null, null);
    try (LandscapeStore store =
        LandscapeStore.open(
            LandscapeUrl.parse(TestPostgres.get().url() + "?currentSchema=" + schema))) {
      f.commit(store);
      assertThat("never analyzed before", reltuples(store), everyItem(is(-1.0)));
      RunReconciliation r;
      try (Connection c = store.connection()) {
        String jit = show(c, "jit");
        String target = show(c, "default_statistics_target");
        r = RunReconciliation.of(c, "run-pg");
        assertThat(
            "the pooled connection's settings are left as they were", show(c, "jit"), is(jit));
        assertThat(show(c, "default_statistics_target"), is(target));
      }
      assertThat(r.problems(), empty());
      assertThat(r.rows(), is(1L));
      // reltuples is -1 until a table is first analyzed (or vacuumed).
      List<Double> after = reltuples(store);
      assertThat(after, hasSize(4));
      assertThat(after, everyItem(greaterThanOrEqualTo(1.0)));
    }
  }

  private static String show(Connection c, String setting) throws Exception {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SHOW " + setting)) {
      rs.next();
      return rs.getString(1);
    }
  }

  private List<Double> reltuples(LandscapeStore store) throws Exception {
    List<Double> values = new ArrayList<>();
    try (Connection c = store.connection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT c.reltuples FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                    + " WHERE n.nspname = ? AND c.relname IN ('rows', 'tokens', 'node_states',"
                    + " 'token_outcomes') ORDER BY c.relname")) {
      ps.setString(1, schema);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          values.add(rs.getDouble(1));
        }
      }
    }
    return values;
  }
}

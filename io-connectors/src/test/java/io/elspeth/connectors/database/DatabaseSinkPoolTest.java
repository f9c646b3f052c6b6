package io.elspeth.connectors.database;

import static io.elspeth.connectors.database.DatabaseSinkWriterTest.map;
import static io.elspeth.connectors.database.DatabaseSinkWriterTest.writer;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.not;

import io.elspeth.audit.token.Token;
import io.elspeth.audit.token.TokenCoder;
import io.elspeth.connectors.operation.OperationCalls;
import io.elspeth.connectors.sink.SinkWrite;
import io.elspeth.connectors.sink.SinkWriter;
import io.elspeth.plugin.StepContext;
import io.elspeth.testkit.BeamPipelines;
import io.elspeth.testkit.postgres.TestPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.beam.sdk.transforms.Create;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The database sink's connections, counted by the PostgreSQL server itself ({@code
 * pg_stat_activity}, by an {@code ApplicationName} unique to each test): a set-up writer keeps one
 * pool of at most {@link DatabaseSinkWriter#POOL_SIZE} connections across its writes, the sink step
 * sets it up once per DoFn instance and closes it at teardown, and a writer used without setup
 * leaves nothing open.
 */
class DatabaseSinkPoolTest {
  private String schema;
  private String application;
  private String[] target;

  @BeforeEach
  void createSchema() throws SQLException {
    String id = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    schema = "pool_" + id;
    application = "elspeth-pool-test-" + id;
    try (Connection c = TestPostgres.get().connect();
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    }
    target =
        new String[] {
          TestPostgres.get().url() + "?ApplicationName=" + application, schema + ".items"
        };
  }

  @AfterEach
  void dropSchema() throws SQLException {
    try (Connection c = TestPostgres.get().connect();
        Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }
  }

  /** The server processes of the connections open under {@code application}. */
  static Set<Integer> backends(String application) {
    try (Connection c = TestPostgres.get().connect();
        PreparedStatement ps =
            c.prepareStatement("SELECT pid FROM pg_stat_activity WHERE application_name = ?")) {
      ps.setString(1, application);
      Set<Integer> pids = new TreeSet<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          pids.add(rs.getInt(1));
        }
      }
      return pids;
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read pg_stat_activity: " + e.getMessage(), e);
    }
  }

  /** The backends of {@code application} once they are gone (a closed connection's exits soon). */
  private static Set<Integer> backendsOnceClosed(String application) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    Set<Integer> pids = backends(application);
    while (!pids.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(50);
      pids = backends(application);
    }
    return pids;
  }

  private static long count(String table) throws SQLException {
    try (Connection c = TestPostgres.get().connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /**
   * A publisher that, like the sink step's, asks the target about a publication while the write's
   * transaction is open (when {@code checking}), and notes the connections open at that moment.
   */
  private static final class CheckingPublisher implements SinkWriter.Publisher {
    private final SinkWriter writer;
    private final String application;
    private final boolean checking;
    final List<Set<Integer>> openWhilePublishing = new ArrayList<>();

    CheckingPublisher(SinkWriter writer, String application, boolean checking) {
      this.writer = writer;
      this.application = application;
      this.checking = checking;
    }

    @Override
    public String publicationId() {
      return UUID.randomUUID().toString().replace("-", "");
    }

    @Override
    public void beforePublish(SinkWriter.Staging staging) throws IOException {
      if (checking) {
        assertThat(writer.published("no-such-publication").orElseThrow(), is(false));
      }
      openWhilePublishing.add(backends(application));
    }
  }

  @Test
  void aSetUpWriterWritesThroughOnePoolOfAtMostTwoConnections() throws Exception {
    SinkWriter w = writer(target);
    w.setup();
    try {
      assertThat("setup connects to nothing", backends(application), is(empty()));
      // The first publication makes the sink's table and its commits table (in this schema).
      CheckingPublisher making = new CheckingPublisher(w, application, false);
      w.write(List.of(map("id", -1L, "name", "first")), new OperationCalls("r", "op"), making);
      assertThat("one write, one connection", making.openWhilePublishing.get(0), hasSize(1));
      CheckingPublisher publisher = new CheckingPublisher(w, application, true);
      Set<Integer> first = null;
      for (int i = 0; i < 5; i++) {
        w.write(
            List.of(map("id", (long) i, "name", "n" + i)),
            new OperationCalls("r", "op" + i),
            publisher);
        Set<Integer> open = backends(application);
        assertThat("the pool keeps its connections between writes", open, is(not(empty())));
        assertThat(open.size(), lessThanOrEqualTo(DatabaseSinkWriter.POOL_SIZE));
        if (first == null) {
          first = open;
        }
        assertThat("write " + i + " used the pool's connections, no new one", open, is(first));
      }
      for (Set<Integer> open : publisher.openWhilePublishing) {
        assertThat("the write and its publication check: two connections", open, is(first));
      }
      assertThat(first, hasSize(DatabaseSinkWriter.POOL_SIZE));
      assertThat(count(target[1]), is(6L));
    } finally {
      w.teardown();
    }
    assertThat("teardown closes the pool", backendsOnceClosed(application), is(empty()));
  }

  @Test
  void aWriterUsedWithoutSetupLeavesNoConnectionOpen() throws Exception {
    SinkWriter w = writer(target);
    w.write(List.of(map("id", 1L)), new OperationCalls("r", "op1"));
    assertThat(backendsOnceClosed(application), is(empty()));
    assertThat(w.published("nothing").orElseThrow(), is(false));
    assertThat(backendsOnceClosed(application), is(empty()));
    w.teardown();
    assertThat(count(target[1]), is(1L));
  }

  @Test
  void teardownIsSafeWithoutSetupAndASecondSetupSharesThePool() throws Exception {
    SinkWriter w = writer(target);
    w.teardown();
    w.setup();
    w.setup();
    w.write(List.of(map("id", 1L)), new OperationCalls("r", "op1"));
    Set<Integer> open = backends(application);
    w.teardown();
    assertThat("one setup still holds the pool", backends(application), is(open));
    w.teardown();
    assertThat(backendsOnceClosed(application), is(empty()));
  }

  /** What the sink step did with an {@link ObservedWriter}, by the writer's application name. */
  private static final Map<String, AtomicInteger> SETUPS = new ConcurrentHashMap<>();

  private static final Map<String, AtomicInteger> TEARDOWNS = new ConcurrentHashMap<>();
  private static final Map<String, Set<Integer>> OPEN_AFTER_WRITE = new ConcurrentHashMap<>();

  /**
   * The real database writer, noting its lifecycle calls and the connections open once a write
   * returned (in the DoFn instance's own deserialized copy, hence the static maps).
   */
  private static final class ObservedWriter implements SinkWriter {
    private final SinkWriter inner;
    private final String application;

    ObservedWriter(SinkWriter inner, String application) {
      this.inner = inner;
      this.application = application;
    }

    @Override
    public void setup() throws IOException {
      inner.setup();
      SETUPS.computeIfAbsent(application, k -> new AtomicInteger()).incrementAndGet();
    }

    @Override
    public void teardown() {
      inner.teardown();
      TEARDOWNS.computeIfAbsent(application, k -> new AtomicInteger()).incrementAndGet();
    }

    @Override
    public Artifact write(Iterable<Map<String, Object>> rows, OperationCalls calls)
        throws IOException {
      return write(rows, calls, null);
    }

    @Override
    public Artifact write(
        Iterable<Map<String, Object>> rows, OperationCalls calls, @Nullable Publisher publisher)
        throws IOException {
      Artifact a = inner.write(rows, calls, publisher);
      OPEN_AFTER_WRITE.put(application, backends(application));
      return a;
    }

    @Override
    public String target() {
      return inner.target();
    }
  }

  @Test
  void theSinkStepSetsThePoolUpOncePerDoFnAndClosesItAtTeardown() throws Throwable {
    StepContext ctx = new StepContext("run-pool", "sink-node", "db", 2, Map.of(), null);
    List<Token> tokens = new ArrayList<>();
    for (long i = 0; i < 50; i++) {
      tokens.add(
          Token.fromSource("row-" + i, i, map("id", i, "name", "n" + i))
              .routedTo("db", "completed", null));
    }
    ObservedWriter observed = new ObservedWriter(writer(target), application);
    BeamPipelines.test(
        p -> {
          p.apply(Create.of(tokens).withCoder(TokenCoder.of()))
              .apply(SinkWrite.to(observed).withContext(ctx));
          p.run().waitUntilFinish();
        });

    assertThat(count(target[1]), is(50L));
    int setups = SETUPS.get(application).get();
    assertThat(TEARDOWNS.get(application).get(), is(setups));
    Set<Integer> afterWrite = OPEN_AFTER_WRITE.get(application);
    // A per-call connection (or pool) would be closed by the time the write returned.
    assertThat("the DoFn's pool outlives the write", afterWrite, is(not(empty())));
    assertThat(afterWrite.size(), lessThanOrEqualTo(DatabaseSinkWriter.POOL_SIZE));
    assertThat("teardown closed the pool", backendsOnceClosed(application), is(empty()));
  }
}

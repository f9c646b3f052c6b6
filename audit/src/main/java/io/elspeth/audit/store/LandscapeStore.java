package io.elspeth.audit.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.NodeStateRecord;
import io.elspeth.audit.schema.Dialect;
import io.elspeth.audit.schema.LandscapeSchema;
import io.elspeth.audit.schema.SchemaAccess;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Landscape database: a pooled JDBC connection, the schema, and the one way records are
 * written. {@link #commit} writes a batch of records in one transaction with JDBC batching; records
 * are append-only and idempotent: a record whose key exists with the same content is a no-op (a
 * retried commit), with other content an integrity error.
 *
 * <p>SQLite allows one writer: the pool has one connection, the database runs in WAL mode with a
 * busy timeout, and commits are serialised in this JVM.
 */
public final class LandscapeStore implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LandscapeStore.class);

  /**
   * Columns a retried attempt legitimately records differently for the same fact (when it happened,
   * how long it took, which attempt it was); ignored when checking that a record already committed
   * is the same record.
   */
  private static final Set<String> VOLATILE_COLUMNS =
      Set.of(
          "created_at",
          "recorded_at",
          "started_at",
          "completed_at",
          "registered_at",
          "duration_ms",
          "latency_ms",
          "attempt");

  /** How long {@link #reachable} waits for the server. */
  private static final int PROBE_SECONDS = 5;

  /**
   * The Landscape URL's query parameter (PostgreSQL) naming how many seconds a server may stay
   * silent, neither answering a new connection nor closing its sockets, before the run stops
   * waiting for it (see {@link SilentServerGuard}); it is not passed to the driver.
   */
  public static final String SILENCE_TIMEOUT_PARAM = "serverSilenceTimeout";

  /** The default of {@link #SILENCE_TIMEOUT_PARAM}, in seconds. */
  public static final int DEFAULT_SILENCE_SECONDS = 60;

  /**
   * The PostgreSQL driver's settings a Landscape connection gets unless its URL sets them: TCP
   * keepalive (a peer host that is gone is noticed by the kernel), at most 10 s to open the TCP
   * connection and 30 s to log in, so that no new connection waits forever on a server that does
   * not answer. There is no socket timeout by default: a long query on a healthy server must not
   * fail; a silent server is caught by {@link SilentServerGuard} instead. Any of them, and the
   * driver's {@code socketTimeout}, can be set in the URL's query.
   */
  public static final Map<String, String> POSTGRES_DEFAULTS =
      orderedMap("tcpKeepAlive", "true", "connectTimeout", "10", "loginTimeout", "30");

  /**
   * The session settings of a SQLite Landscape connection (WAL, a property of the file, is set when
   * it is opened). {@code synchronous=NORMAL}: in WAL mode a commit survives a crash of the
   * process, and the WAL is synced at each checkpoint. A run's commits append to about twenty
   * B-trees (tables and their indexes): a 64 MiB page cache keeps their right edges and inner pages
   * in memory as the file grows past the default 2 MB cache (a 1M-row run's Landscape is about 4
   * GB). A checkpoint every 16,384 WAL pages (64 MiB) rather than 1,000: each checkpoint syncs the
   * WAL and the database file, and with the default a 200,000-row run checkpointed about 190 times,
   * whose syncs (which also wait for the payload files written meanwhile) took most of its commits'
   * time; a larger WAL also copies a page that many transactions rewrote (a B-tree's right edge) to
   * the database once per checkpoint instead of once per 4 MB.
   */
  public static final Map<String, String> SQLITE_PRAGMAS =
      orderedMap(
          "busy_timeout",
          "30000",
          "synchronous",
          "NORMAL",
          "cache_size",
          "-65536",
          "wal_autocheckpoint",
          "16384");

  /** The one of {@link #SQLITE_PRAGMAS} the driver takes no connection property for. */
  private static final String RUN_AT_CONNECT = "wal_autocheckpoint";

  private static Map<String, String> orderedMap(String... keysAndValues) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      m.put(keysAndValues[i], keysAndValues[i + 1]);
    }
    return java.util.Collections.unmodifiableMap(m);
  }

  private final LandscapeUrl url;

  /** The URL the driver gets: the Landscape URL without {@link #SILENCE_TIMEOUT_PARAM}. */
  private final String driverUrl;

  private final HikariDataSource dataSource;
  private final @Nullable SilentServerGuard guard;
  private final Object writeLock = new Object();

  /**
   * Set when the server stopped answering; then each request for a connection first tries a fresh
   * one outside the pool with a short timeout, instead of waiting the pool's 30 s for a connection
   * the dead server cannot give (three such waits made a failed run take minutes).
   */
  private volatile boolean lost;

  /** The run's change journal ({@code landscape.dump_to_jsonl}); null when there is none. */
  private volatile io.elspeth.audit.journal.@Nullable LandscapeJournal journal;

  private LandscapeStore(
      LandscapeUrl url, String driverUrl, HikariDataSource dataSource, @Nullable Duration silence) {
    this.url = url;
    this.driverUrl = driverUrl;
    this.dataSource = dataSource;
    this.guard =
        silence == null
            ? null
            : new SilentServerGuard(
                url.toString(), silence, () -> answers(silence), () -> lost = true);
  }

  /** The value of {@code param} in the query of {@code jdbcUrl}, if it is there. */
  static @Nullable String queryParam(String jdbcUrl, String param) {
    int q = jdbcUrl.indexOf('?');
    if (q < 0) {
      return null;
    }
    for (String pair : jdbcUrl.substring(q + 1).split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0 && pair.substring(0, eq).equals(param)) {
        return pair.substring(eq + 1);
      }
    }
    return null;
  }

  /** {@code jdbcUrl} without {@code param} in its query. */
  static String withoutQueryParam(String jdbcUrl, String param) {
    int q = jdbcUrl.indexOf('?');
    if (q < 0) {
      return jdbcUrl;
    }
    List<String> kept = new ArrayList<>();
    for (String pair : jdbcUrl.substring(q + 1).split("&")) {
      if (!pair.isEmpty() && !pair.equals(param) && !pair.startsWith(param + "=")) {
        kept.add(pair);
      }
    }
    return jdbcUrl.substring(0, q) + (kept.isEmpty() ? "" : "?" + String.join("&", kept));
  }

  /** How long a PostgreSQL Landscape's server may stay silent; null for SQLite (a file). */
  static @Nullable Duration silenceTimeout(LandscapeUrl url) {
    if (url.dialect() == Dialect.SQLITE) {
      return null;
    }
    String value = queryParam(url.jdbcUrl(), SILENCE_TIMEOUT_PARAM);
    if (value == null) {
      return Duration.ofSeconds(DEFAULT_SILENCE_SECONDS);
    }
    try {
      int seconds = Integer.parseInt(value);
      if (seconds >= 1) {
        return Duration.ofSeconds(seconds);
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new LandscapeWriteException(
        "the Landscape URL "
            + url
            + " sets "
            + SILENCE_TIMEOUT_PARAM
            + "="
            + value
            + ": expected a whole number of seconds, 1 or more",
        null);
  }

  /** The driver properties of a PostgreSQL connection: {@link #POSTGRES_DEFAULTS}. */
  private static Properties postgresDefaults() {
    Properties props = new Properties();
    POSTGRES_DEFAULTS.forEach(props::setProperty);
    return props;
  }

  /**
   * Opens the database and checks its schema ({@link SchemaAccess#CHECK}): what every opener but
   * the launcher does.
   */
  public static LandscapeStore open(LandscapeUrl url) {
    return open(url, SchemaAccess.CHECK);
  }

  /**
   * Opens the database and migrates ({@link SchemaAccess#MIGRATE}, the launcher, once per start) or
   * checks its schema.
   */
  public static LandscapeStore open(LandscapeUrl url, SchemaAccess access) {
    createSqliteFolder(url);
    Duration silence = silenceTimeout(url);
    String driverUrl = withoutQueryParam(url.jdbcUrl(), SILENCE_TIMEOUT_PARAM);
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(driverUrl);
    config.setPoolName("landscape");
    config.setAutoCommit(true);
    if (url.user() != null) {
      config.setUsername(url.user());
    }
    if (url.password() != null) {
      config.setPassword(url.password());
    }
    if (url.dialect() == Dialect.SQLITE) {
      config.setMaximumPoolSize(1);
      config.addDataSourceProperty("journal_mode", "WAL");
      // The connection's session settings: driver properties, and one statement (the driver
      // runs only the first of several) for the pragma it has no property for.
      SQLITE_PRAGMAS.forEach(
          (pragma, value) -> {
            if (pragma.equals(RUN_AT_CONNECT)) {
              config.setConnectionInitSql("PRAGMA " + pragma + " = " + value);
            } else {
              config.addDataSourceProperty(pragma, value);
            }
          });
    } else {
      config.setMaximumPoolSize(4);
      // Defaults only: the driver lets the URL's own parameters win over these properties.
      POSTGRES_DEFAULTS.forEach(config::addDataSourceProperty);
    }
    config.setConnectionTimeout(30_000);
    HikariDataSource ds;
    try {
      ds = new HikariDataSource(config);
    } catch (RuntimeException e) {
      throw new LandscapeWriteException(
          "cannot open the Landscape database " + url + ": " + rootMessage(e), e);
    }
    LandscapeStore store = new LandscapeStore(url, driverUrl, ds, silence);
    try {
      store.applySchema(access);
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    return store;
  }

  /**
   * Migrates or checks the schema of this open store ({@link LandscapeSchema#apply}); the launcher
   * calls it with {@link SchemaAccess#MIGRATE} when the store was already open in its JVM.
   */
  public void applySchema(SchemaAccess access) {
    try {
      LandscapeSchema.apply(dataSource, access);
    } catch (SQLException e) {
      throw new LandscapeWriteException(
          "cannot create or check the Landscape schema in " + url + ": " + rootMessage(e), e);
    }
  }

  private static void createSqliteFolder(LandscapeUrl url) {
    String prefix = "jdbc:sqlite:";
    if (url.dialect() != Dialect.SQLITE || url.jdbcUrl().contains(":memory:")) {
      return;
    }
    java.nio.file.Path parent =
        java.nio.file.Path.of(url.jdbcUrl().substring(prefix.length()))
            .toAbsolutePath()
            .getParent();
    try {
      if (parent != null) {
        java.nio.file.Files.createDirectories(parent);
      }
    } catch (java.io.IOException e) {
      throw new LandscapeWriteException(
          "cannot create the folder of the Landscape database " + url + ": " + e.getMessage(), e);
    }
  }

  public LandscapeUrl url() {
    return url;
  }

  public Dialect dialect() {
    return url.dialect();
  }

  /** A connection for reads (lineage, reconciliation); the caller closes it. */
  public Connection connection() throws SQLException {
    return pooledConnection();
  }

  /** A connection of the pool; fails at once while the server is known not to answer. */
  private Connection pooledConnection() throws SQLException {
    if (lost) {
      if (!reachable()) {
        throw new SQLNonTransientConnectionException(
            "the Landscape database " + url + " does not answer", "08001");
      }
      lost = false;
    }
    try {
      Connection c = dataSource.getConnection();
      return guard == null ? c : guard.watch(c);
    } catch (SQLException e) {
      noteFailure(e);
      throw e;
    }
  }

  /**
   * A connection of its own, outside the pool, for a reader that keeps it for the whole run (the
   * progress poller): with the driver's settings of the pool's connections, and watched for a
   * silent server as they are. The caller closes it.
   */
  public Connection separateConnection() throws SQLException {
    if (dialect() == Dialect.SQLITE) {
      return DriverManager.getConnection(driverUrl);
    }
    if (lost && !reachable()) {
      throw new SQLNonTransientConnectionException(
          "the Landscape database " + url + " does not answer", "08001");
    }
    Properties props = postgresDefaults();
    if (url.user() != null) {
      props.setProperty("user", url.user());
    }
    if (url.password() != null) {
      props.setProperty("password", url.password());
    }
    Connection c = DriverManager.getConnection(driverUrl, props);
    return guard == null ? c : guard.watch(c);
  }

  /** Remembers a failure that says the server is gone (SQL state class 08, or an I/O error). */
  private void noteFailure(SQLException e) {
    for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
      if (t instanceof java.io.IOException
          || t instanceof SQLTransientConnectionException
          || t instanceof SQLNonTransientConnectionException
          || (t instanceof SQLException q
              && q.getSQLState() != null
              && q.getSQLState().startsWith("08"))) {
        lost = dialect() != Dialect.SQLITE;
        return;
      }
    }
  }

  /**
   * Whether the database accepts a new connection now, tried outside the pool within about {@value
   * #PROBE_SECONDS} s (always true for SQLite, a local file).
   */
  public boolean reachable() {
    if (dialect() == Dialect.SQLITE) {
      return true;
    }
    Properties props = new Properties();
    if (url.user() != null) {
      props.setProperty("user", url.user());
    }
    if (url.password() != null) {
      props.setProperty("password", url.password());
    }
    String timeout = Integer.toString(PROBE_SECONDS);
    props.setProperty("connectTimeout", timeout);
    props.setProperty("loginTimeout", timeout);
    props.setProperty("socketTimeout", timeout);
    try (Connection c = DriverManager.getConnection(driverUrl, props)) {
      return c.isValid(PROBE_SECONDS);
    } catch (SQLException e) {
      return false;
    }
  }

  /**
   * Whether the server answers a new connection within {@code silence}: it lets one in, or it
   * refuses it with an error of its own (too many clients, starting up), which a silent server
   * cannot send. A refused TCP connection or a timeout is no answer.
   */
  private boolean answers(Duration silence) {
    Properties props = new Properties();
    if (url.user() != null) {
      props.setProperty("user", url.user());
    }
    if (url.password() != null) {
      props.setProperty("password", url.password());
    }
    String timeout = Long.toString(silence.toSeconds());
    props.setProperty("connectTimeout", timeout);
    props.setProperty("loginTimeout", timeout);
    props.setProperty("socketTimeout", timeout);
    try (Connection c = DriverManager.getConnection(driverUrl, props)) {
      return c.isValid((int) silence.toSeconds());
    } catch (SQLException e) {
      return e.getSQLState() != null && !e.getSQLState().startsWith("08");
    }
  }

  /**
   * Writes the records in one transaction, parents before children. Returns how many were new (the
   * rest were already there with the same content).
   */
  public int commit(List<? extends AuditRecord> records) {
    return commitNew(records).size();
  }

  /**
   * Writes the records in one transaction, parents before children, and returns the records this
   * transaction inserted (a node state of a retried visit recorded as its next attempt counts as
   * inserted), in parent-before-child order; the ones already there with the same content are left
   * out, so a retried bundle's re-commit returns nothing. When the driver cannot say whether a
   * batched row was inserted, the record counts as inserted.
   */
  public List<AuditRecord> commitNew(List<? extends AuditRecord> records) {
    if (records.isEmpty()) {
      return List.of();
    }
    List<AuditRecord> ordered = new ArrayList<>(records);
    ordered.sort(Comparator.comparingInt(AuditRecord::rank));
    Map<String, List<AuditRecord>> byTable =
        ordered.stream()
            .collect(
                Collectors.groupingBy(AuditRecord::table, LinkedHashMap::new, Collectors.toList()));
    // SQLite has one writer: commits are serialised in this JVM. PostgreSQL takes concurrent
    // transactions from the pool.
    if (dialect() == Dialect.SQLITE) {
      synchronized (writeLock) {
        return commitOrdered(byTable, records.size());
      }
    }
    return commitOrdered(byTable, records.size());
  }

  /**
   * Journals every write of this store from now on to {@code options}' file, after the write
   * committed (null: no journal). The launcher sets it for the run; every writer of this JVM shares
   * the store, and so the journal.
   */
  public void useJournal(io.elspeth.audit.journal.LandscapeJournal.@Nullable Options options) {
    io.elspeth.audit.journal.LandscapeJournal current = journal;
    if (options == null) {
      journal = null;
    } else if (current == null || !current.options().equals(options)) {
      journal = new io.elspeth.audit.journal.LandscapeJournal(options);
    }
  }

  private List<AuditRecord> commitOrdered(Map<String, List<AuditRecord>> byTable, int size) {
    List<AuditRecord> inserted = insertOrdered(byTable, size);
    // After the commit, never before: the journal must not hold a write that was rolled back.
    io.elspeth.audit.journal.LandscapeJournal j = journal;
    if (j != null) {
      j.inserted(inserted);
    }
    return inserted;
  }

  private List<AuditRecord> insertOrdered(Map<String, List<AuditRecord>> byTable, int size) {
    return transaction(
        "Landscape commit of " + size + " records to " + url + " failed",
        c -> {
          if (dialect() == Dialect.POSTGRESQL) {
            PostgresCopyInsert.ensureStaging(c, byTable.keySet());
          }
          return byTable.keySet();
        },
        c -> {
          List<AuditRecord> inserted = new ArrayList<>(size);
          for (List<AuditRecord> group : byTable.values()) {
            insertGroup(c, group, inserted);
          }
          return inserted;
        });
  }

  private void insertGroup(Connection c, List<AuditRecord> group, List<AuditRecord> inserted)
      throws SQLException {
    if (dialect() == Dialect.POSTGRESQL) {
      copyGroup(c, group, inserted);
      return;
    }
    AuditRecord first = group.get(0);
    List<String> columns = new ArrayList<>(first.columns().keySet());
    String sql =
        "INSERT INTO "
            + first.table()
            + " ("
            + String.join(", ", columns)
            + ") VALUES ("
            + String.join(", ", columns.stream().map(x -> "?").toList())
            + ") ON CONFLICT DO NOTHING";
    int[] counts;
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (AuditRecord r : group) {
        int i = 1;
        for (Object v : r.columns().values()) {
          SqlValues.bind(ps, i++, v, dialect());
        }
        ps.addBatch();
      }
      try {
        counts = ps.executeBatch();
      } catch (SQLException e) {
        throw new LandscapeIntegrityException(
            "Landscape refused a " + first.table() + " record: " + rootMessage(e), e);
      }
    }
    for (int i = 0; i < group.size(); i++) {
      // 0: the key was there (ON CONFLICT DO NOTHING); SUCCESS_NO_INFO counts as inserted.
      if (counts[i] == 0) {
        if (verifyIdentical(c, group.get(i))) {
          inserted.add(group.get(i));
        }
      } else {
        inserted.add(group.get(i));
      }
    }
  }

  /**
   * PostgreSQL: the group goes in through COPY and one idempotent INSERT ... SELECT ({@link
   * PostgresCopyInsert}); a record it did not insert is checked as a skipped batched insert is.
   */
  private void copyGroup(Connection c, List<AuditRecord> group, List<AuditRecord> inserted)
      throws SQLException {
    Map<String, Integer> keys;
    try {
      keys = PostgresCopyInsert.insert(c, group);
    } catch (SQLException e) {
      throw new LandscapeIntegrityException(
          "Landscape refused a " + group.get(0).table() + " record: " + rootMessage(e), e);
    }
    for (AuditRecord r : group) {
      String key = PostgresCopyInsert.key(r);
      Integer n = keys.get(key);
      if (n != null) {
        // The first record of a key in the group is the one inserted; a repeat is checked.
        if (n == 1) {
          keys.remove(key);
        } else {
          keys.put(key, n - 1);
        }
        inserted.add(r);
      } else if (verifyIdentical(c, r)) {
        inserted.add(r);
      }
    }
  }

  /**
   * A skipped insert is fine only when the stored row has exactly this content. Returns true when
   * the record was written after all (a retried visit's state, as the next attempt).
   */
  private boolean verifyIdentical(Connection c, AuditRecord record) throws SQLException {
    Map<String, Object> columns = record.columns();
    String where =
        record.keyColumns().stream().map(k -> k + " = ?").collect(Collectors.joining(" AND "));
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT "
                + String.join(", ", columns.keySet())
                + " FROM "
                + record.table()
                + " WHERE "
                + where)) {
      int i = 1;
      for (String k : record.keyColumns()) {
        SqlValues.bind(ps, i++, columns.get(k), dialect());
      }
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          if (record instanceof NodeStateRecord state) {
            insertAsNextAttempt(c, state);
            return true;
          }
          throw new LandscapeIntegrityException(
              "Landscape refused a "
                  + record.table()
                  + " record "
                  + keyOf(record)
                  + ": it conflicts with another record on a unique"
                  + " constraint (for token_outcomes: a second terminal outcome for one token)");
        }
        int col = 1;
        for (Map.Entry<String, Object> e : columns.entrySet()) {
          Object storedValue = rs.getObject(col++);
          if (VOLATILE_COLUMNS.contains(e.getKey())) {
            continue;
          }
          String stored = SqlValues.comparable(storedValue);
          String mine = SqlValues.comparable(e.getValue());
          if (!Objects.equals(stored, mine)) {
            throw new LandscapeIntegrityException(
                "Landscape integrity error: "
                    + record.table()
                    + " "
                    + keyOf(record)
                    + " exists with different content in column "
                    + e.getKey());
          }
        }
      }
    }
    LOG.debug("landscape record already committed table={} key={}", record.table(), keyOf(record));
    return false;
  }

  /**
   * A retried bundle visits the same token at the same step with a new state id: the visit is
   * recorded as the next attempt, so the abandoned attempt stays as a state no outcome refers to.
   */
  private void insertAsNextAttempt(Connection c, NodeStateRecord state) throws SQLException {
    int attempt;
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT COALESCE(MAX(attempt), -1) + 1 FROM"
                + " node_states WHERE token_id = ? AND (step_index = ? OR node_id = ?)")) {
      ps.setString(1, state.tokenId());
      ps.setInt(2, state.stepIndex());
      ps.setString(3, state.nodeId());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        attempt = rs.getInt(1);
      }
    }
    NodeStateRecord next = state.withAttempt(attempt);
    Map<String, Object> columns = next.columns();
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO node_states ("
                + String.join(", ", columns.keySet())
                + ") VALUES ("
                + String.join(", ", columns.keySet().stream().map(x -> "?").toList())
                + ")")) {
      int i = 1;
      for (Object v : columns.values()) {
        SqlValues.bind(ps, i++, v, dialect());
      }
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new LandscapeIntegrityException(
          "Landscape refused node state "
              + state.stateId()
              + " as attempt "
              + attempt
              + ": "
              + rootMessage(e),
          e);
    }
    LOG.info(
        "node state recorded as a retry attempt state_id={} token_id={} attempt={}",
        state.stateId(),
        state.tokenId(),
        attempt);
  }

  private static String keyOf(AuditRecord r) {
    Map<String, Object> cols = r.columns();
    return r.keyColumns().stream()
        .map(k -> k + "=" + cols.get(k))
        .collect(Collectors.joining(",", "(", ")"));
  }

  /**
   * Ends a run: sets its terminal status and completion time, only while it is still running
   * (terminal runs are immutable).
   */
  public boolean completeRun(String runId, String status, Instant completedAt) {
    return update("complete run " + runId, COMPLETE_RUN, List.of(status, completedAt, runId)) == 1;
  }

  private static final String COMPLETE_RUN =
      "UPDATE runs SET status = ?, completed_at = ?"
          + " WHERE run_id = ? AND status NOT IN ('completed', 'failed', 'interrupted')";

  /**
   * As {@link #completeRun(String, String, Instant)}, with {@code alongside} written in the same
   * transaction when the run was still running (the launcher records the run's aggregates so: a
   * completed run always has them). Either both commit or neither does.
   */
  public boolean completeRun(
      String runId, String status, Instant completedAt, TransactionWork<?> alongside) {
    List<Object> parameters = List.of(status, completedAt, runId);
    boolean completed;
    synchronized (writeLock) {
      completed =
          transaction(
              "cannot complete run " + runId + " in " + url,
              null,
              c -> {
                int changed;
                try (PreparedStatement ps = c.prepareStatement(COMPLETE_RUN)) {
                  for (int i = 0; i < parameters.size(); i++) {
                    SqlValues.bind(ps, i + 1, parameters.get(i), dialect());
                  }
                  changed = ps.executeUpdate();
                }
                if (changed == 1) {
                  alongside.apply(c);
                }
                return changed == 1;
              });
      // The journal keeps ELSPETH's statements: the run's status, not our derived aggregates.
      io.elspeth.audit.journal.LandscapeJournal j = journal;
      if (j != null && completed) {
        j.statement(COMPLETE_RUN, parameters);
      }
    }
    return completed;
  }

  /**
   * Records the post-run export's progress on a run (ELSPETH's {@code set_export_status}): {@code
   * pending} with its format and sink, then {@code completed} (with the time) or {@code failed}
   * with the error.
   */
  public void setExportStatus(
      String runId,
      String status,
      @Nullable String error,
      @Nullable String format,
      @Nullable String sink,
      Instant at) {
    switch (status) {
      case "pending" ->
          update(
              "set the export status of run " + runId,
              "UPDATE runs SET"
                  + " export_status = ?, export_error = NULL, export_format = ?, export_sink = ?"
                  + " WHERE run_id = ?",
              java.util.Arrays.asList(status, format, sink, runId));
      case "completed" ->
          update(
              "set the export status of run " + runId,
              "UPDATE runs SET"
                  + " export_status = ?, export_error = NULL, exported_at = ? WHERE run_id = ?",
              List.of(status, at, runId));
      case "failed" ->
          update(
              "set the export status of run " + runId,
              "UPDATE runs SET" + " export_status = ?, export_error = ? WHERE run_id = ?",
              java.util.Arrays.asList(status, error, runId));
      default ->
          throw new IllegalArgumentException(
              "export status must be pending, completed" + " or failed, got " + status);
    }
  }

  /** One UPDATE in its own transaction, journaled after it commits; returns the rows changed. */
  private int update(String what, String sql, List<Object> parameters) {
    int changed;
    synchronized (writeLock) {
      try (Connection c = pooledConnection();
          PreparedStatement ps = c.prepareStatement(sql)) {
        for (int i = 0; i < parameters.size(); i++) {
          SqlValues.bind(ps, i + 1, parameters.get(i), dialect());
        }
        changed = ps.executeUpdate();
      } catch (SQLException e) {
        noteFailure(e);
        throw new LandscapeWriteException(
            "cannot " + what + " in " + url + ": " + rootMessage(e), e);
      }
      io.elspeth.audit.journal.LandscapeJournal j = journal;
      if (j != null && changed > 0) {
        j.statement(sql, parameters);
      }
    }
    return changed;
  }

  /** Work on one connection inside a transaction. */
  @FunctionalInterface
  public interface TransactionWork<T> {
    T apply(Connection c) throws SQLException;
  }

  /**
   * Runs {@code work} in one transaction (committed when it returns, rolled back when it throws),
   * serialised with the other writers of this JVM on SQLite. For the few writes that are not
   * append-only audit records: leases, resume claims, sink publications.
   */
  public <T> T inTransaction(String what, TransactionWork<T> work) {
    String failure = "cannot " + what + " in " + url;
    if (dialect() == Dialect.SQLITE) {
      synchronized (writeLock) {
        return transaction(failure, null, work);
      }
    }
    return transaction(failure, null, work);
  }

  /**
   * Runs {@code work} in one transaction on a connection of the pool, after {@code prepare}
   * (outside the transaction); a failure is a LandscapeWriteException saying {@code failure}.
   */
  private <T> T transaction(
      String failure, @Nullable TransactionWork<?> prepare, TransactionWork<T> work) {
    try (Connection c = pooledConnection()) {
      if (prepare != null) {
        prepare.apply(c);
      }
      c.setAutoCommit(false);
      try {
        T result = work.apply(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
    } catch (SQLException e) {
      noteFailure(e);
      throw new LandscapeWriteException(failure + ": " + rootMessage(e), e);
    }
  }

  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    return LandscapeUrl.redact(m);
  }

  @Override
  public void close() {
    if (guard != null) {
      guard.close();
    }
    dataSource.close();
  }
}

package io.elspeth.connectors.database;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.crash.CrashPoint;
import io.elspeth.audit.jdbc.JdbcUrl;
import io.elspeth.audit.schema.Dialect;
import io.elspeth.connectors.operation.OperationCalls;
import io.elspeth.connectors.schema.FieldSpec;
import io.elspeth.connectors.schema.FieldType;
import io.elspeth.connectors.schema.SchemaSpec;
import io.elspeth.connectors.sink.CsvSinkWriter;
import io.elspeth.connectors.sink.SinkWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Inserts a sink's rows into a table of SQLite or PostgreSQL over JDBC. The table is prepared first
 * ({@code replace}: dropped and created; {@code append}: created if missing) from the schema's
 * fields and types, then every field the rows carry; rows go in batches of {@code batchSize}, each
 * batch one JDBC batch of INSERTs in its own transaction and one {@code sql} call under the
 * sink_write operation (row count, latency). With an {@code upsertKey} each INSERT is an upsert on
 * that key ({@code ON CONFLICT ... DO UPDATE}, the same in both dialects), so a retried write
 * replaces rather than duplicates its rows.
 *
 * <p>The artifact is {@code database}, its URI the database without credentials and the table
 * ({@code postgresql://host:5432/db#table}), its hash the SHA-256 of the inserted rows' canonical
 * JSON.
 *
 * <p>Connections come from one HikariCP pool per DoFn instance, opened by {@link #setup()} (the
 * DoFn's {@code @Setup}) and closed by {@link #teardown()}: a write borrows one connection for its
 * transaction, and the publication check it makes while that transaction is open borrows a second,
 * so the pool holds at most {@value #POOL_SIZE}, made when first needed and kept between bundles. A
 * writer used without {@code setup()} opens a pool for each call and closes it before returning.
 */
public final class DatabaseSinkWriter implements SinkWriter {
  /** What to do with a table that exists. */
  public enum IfExists {
    APPEND,
    REPLACE
  }

  public static final int DEFAULT_BATCH_SIZE = 1000;
  static final String PROVIDER = "jdbc";
  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private final JdbcUrl url;
  private final String table;
  private final IfExists ifExists;
  private final SchemaSpec schema;
  private final List<String> upsertKey;
  private final int batchSize;

  /** The pool of a set-up writer; null before {@link #setup()} and after {@link #teardown()}. */
  private transient @Nullable HikariDataSource pool;

  /** How many setups the pool serves: a writer shared by two DoFns in one JVM keeps one pool. */
  private transient int setups;

  /**
   * Connections a writer's pool holds at most: one for a write's transaction and one for the
   * publication check made while it is open (or a target check's trial).
   */
  public static final int POOL_SIZE = 2;

  /** How long a write waits for a connection before it fails. */
  static final long CONNECTION_TIMEOUT_MS = 15_000;

  /** The PostgreSQL {@code application_name} of the sink's connections, unless the URL sets one. */
  public static final String APPLICATION_NAME = "elspeth database sink";

  public DatabaseSinkWriter(
      JdbcUrl url,
      String table,
      IfExists ifExists,
      SchemaSpec schema,
      List<String> upsertKey,
      int batchSize) {
    this.url = url;
    this.table = table;
    this.ifExists = ifExists;
    this.schema = schema;
    this.upsertKey = List.copyOf(upsertKey);
    this.batchSize = batchSize;
  }

  /**
   * Whether {@code name} is a table name this sink accepts: {@code table} or {@code schema.table}.
   */
  public static boolean validTableName(String name) {
    String[] parts = name.split("\\.", -1);
    if (parts.length > 2) {
      return false;
    }
    for (String p : parts) {
      if (!IDENTIFIER.matcher(p).matches()) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String target() {
    return databaseUri() + "#" + table;
  }

  /** The table written: system the JDBC scheme, then the address without credentials, table. */
  @Override
  public io.elspeth.connectors.lineage.DatasetName dataset() {
    String uri = databaseUri();
    int colon = uri.indexOf(':');
    String scheme = colon > 0 ? uri.substring(0, colon) : "jdbc";
    return new io.elspeth.connectors.lineage.DatasetName(
        scheme, java.util.List.of(colon > 0 ? uri.substring(colon + 1) : uri, table));
  }

  /** The database's address without user or password. */
  String databaseUri() {
    return url.toString().replaceFirst("://[^/@]*@", "://");
  }

  @Override
  public synchronized void setup() {
    if (setups++ == 0) {
      pool = openPool();
    }
  }

  @Override
  public synchronized void teardown() {
    if (setups == 0) {
      return;
    }
    if (--setups == 0 && pool != null) {
      pool.close();
      pool = null;
    }
  }

  /**
   * A pool of at most {@value #POOL_SIZE} connections to the sink's database, none made yet: a
   * database that cannot be reached fails the statement that needs it, inside the write, not the
   * DoFn's setup. On SQLite each connection enforces foreign keys (SQLite's default is to ignore
   * them): a table that declares one means it.
   */
  private HikariDataSource openPool() {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url.jdbcUrl());
    if (url.user() != null) {
      config.setUsername(url.user());
    }
    if (url.password() != null) {
      config.setPassword(url.password());
    }
    // The pool's name shows in HikariCP's log lines: the table, never the URL's credentials.
    config.setPoolName("elspeth-database-sink:" + table);
    config.setMaximumPoolSize(POOL_SIZE);
    config.setMinimumIdle(0);
    config.setInitializationFailTimeout(-1);
    config.setConnectionTimeout(CONNECTION_TIMEOUT_MS);
    if (url.dialect() == Dialect.SQLITE) {
      config.setConnectionInitSql("PRAGMA foreign_keys = ON");
    } else {
      // A default only: the driver lets an ApplicationName in the URL win.
      config.addDataSourceProperty("ApplicationName", APPLICATION_NAME);
    }
    return new HikariDataSource(config);
  }

  /**
   * Connections for one call: from the pool of a set-up writer, else from a pool opened for the
   * call and closed with the lease.
   */
  Lease lease() {
    HikariDataSource p;
    synchronized (this) {
      p = pool;
    }
    return p != null ? new Lease(p, false) : new Lease(openPool(), true);
  }

  /** Connections borrowed for one call (see {@link #lease()}). */
  record Lease(HikariDataSource pool, boolean ownsPool) implements AutoCloseable {
    /** A connection of the pool; closing it gives it back, its transaction rolled back. */
    Connection connection() throws SQLException {
      return pool.getConnection();
    }

    @Override
    public void close() {
      if (ownsPool) {
        pool.close();
      }
    }
  }

  /**
   * The message of a failed statement or connection, credentials masked; a connection the pool
   * could not make is named by the driver's reason, not the pool's timeout.
   */
  static String messageOf(SQLException e) {
    Throwable reason =
        e instanceof SQLTransientConnectionException && e.getCause() != null ? e.getCause() : e;
    return JdbcUrl.redact(String.valueOf(reason.getMessage()));
  }

  @Override
  public Artifact write(Iterable<Map<String, Object>> rows, OperationCalls calls)
      throws IOException {
    return write(rows, calls, null);
  }

  /**
   * With a publisher, the table's preparation, every batch and a marker row naming the publication
   * ({@value #COMMITS_TABLE}) go in one transaction, committed only after the publisher recorded
   * the intent: a crash leaves either none of the rows or all of them and the marker, which {@link
   * #published} finds. Without one, each batch commits on its own.
   */
  @Override
  public Artifact write(
      Iterable<Map<String, Object>> rows, OperationCalls calls, @Nullable Publisher publisher)
      throws IOException {
    boolean oneTransaction = publisher != null;
    Insert insert = insertOf(rows);
    Artifact artifact = oneTransaction ? artifactOf(rows) : null;
    try (Lease lease = lease();
        Connection c = lease.connection()) {
      c.setAutoCommit(false);
      prepareTable(c, insert.types(), calls, !oneTransaction);
      if (!insert.fields().isEmpty()) {
        List<Map<String, Object>> batch = new ArrayList<>(batchSize);
        int batchIndex = 0;
        for (Map<String, Object> row : rows) {
          batch.add(row);
          if (batch.size() == batchSize) {
            insertBatch(c, insert, batch, batchIndex++, calls, !oneTransaction);
            batch.clear();
          }
        }
        if (!batch.isEmpty()) {
          insertBatch(c, insert, batch, batchIndex, calls, !oneTransaction);
        }
      }
      if (publisher != null && artifact != null) { // oneTransaction: both are set
        markCommitted(c, publisher.publicationId());
        publisher.beforePublish(new Staging(target(), null, null, artifact));
        c.commit();
        CrashPoint.reached("sink.published");
        return artifact;
      }
    } catch (SQLException e) {
      // The failed statement was recorded as a failed call; the message names the table only.
      throw new IOException("database write to table '" + table + "' failed: " + messageOf(e));
    }
    return artifactOf(rows);
  }

  /**
   * The INSERT of {@code rows}: every field of the schema and of the rows as a column, the SQL
   * column types (declared, else inferred from the values), and the statement (an upsert with an
   * {@code upsertKey}). Throws when a row's field cannot be a column or a key field is in no row.
   */
  Insert insertOf(Iterable<Map<String, Object>> rows) throws IOException {
    List<String> fields = CsvSinkWriter.fieldsOf(schema, rows);
    for (String key : upsertKey) {
      if (!fields.contains(key)) {
        throw new IOException("upsert_key field '" + key + "' is in no row and not in the schema");
      }
    }
    for (String f : fields) {
      if (f.isEmpty()) {
        throw new IOException("a row has an empty field name, which cannot be a column");
      }
    }
    return new Insert(
        fields,
        columnTypes(fields, rows),
        fields.isEmpty() ? "" : insertSql(fields),
        url.dialect());
  }

  /** An INSERT of rows with these fields, as columns of these SQL types. */
  record Insert(List<String> fields, Map<String, String> types, String sql, Dialect dialect) {
    /** Binds the values of {@code row} to {@code ps}, a statement of {@link #sql()}. */
    void bind(PreparedStatement ps, Map<String, Object> row) throws SQLException {
      for (int i = 0; i < fields.size(); i++) {
        String field = fields.get(i);
        DatabaseSinkWriter.bind(
            ps,
            i + 1,
            Objects.requireNonNull(types.get(field), () -> "no SQL type for field '" + field + "'"),
            row.get(field),
            dialect);
      }
    }
  }

  Dialect dialect() {
    return url.dialect();
  }

  String table() {
    return table;
  }

  /**
   * With {@code if_exists: append}, the rows are tried on the table first when it exists ({@link
   * DatabaseRowTrial}): its constraints are known only to the database. A table the sink creates
   * ({@code replace}, or a missing one) has no constraints but its column types, which {@link
   * #cannotWrite} checks.
   */
  @Override
  public java.util.Optional<TargetCheck> targetCheck() {
    return ifExists == IfExists.APPEND
        ? java.util.Optional.of(new DatabaseRowTrial(this, batchSize))
        : java.util.Optional.empty();
  }

  /**
   * A row cannot be written when a value does not fit the column type its schema declares (an int
   * column takes whole numbers within 64 bits, a float column numbers, a bool column booleans;
   * binding anything else would fail the whole write or silently truncate), when a whole number is
   * beyond 64 bits (no column type holds it exactly), when text holds a NUL character on PostgreSQL
   * (its text type refuses it), or a NaN on SQLite (stored as NULL); and a field whose name cannot
   * be a column (empty, or holding a NUL). Constraints of an existing table (NOT NULL, UNIQUE,
   * CHECK, ...) are not known here: the database itself is asked by the {@link #targetCheck()
   * target check}.
   */
  @Override
  public java.util.Optional<String> cannotWrite(Map<String, Object> row) {
    Map<String, FieldType> declared = new LinkedHashMap<>();
    if (schema.mode() != SchemaSpec.Mode.DYNAMIC) {
      for (FieldSpec f : schema.fields()) {
        declared.put(f.name(), f.type());
      }
    }
    for (Map.Entry<String, Object> e : row.entrySet()) {
      String field = io.elspeth.connectors.sink.Unwritable.field(e.getKey());
      if (e.getKey().isEmpty()) {
        return java.util.Optional.of("a field has an empty name, which cannot be a column");
      }
      if (e.getKey().indexOf('\0') >= 0) {
        return java.util.Optional.of(
            "field " + field + " has a NUL character in its name, which" + " cannot be a column");
      }
      Object v = e.getValue();
      if (v == null) {
        continue;
      }
      FieldType type = declared.get(e.getKey());
      String problem =
          type == null
              ? null
              : switch (type) {
                case INT ->
                    isWhole(v) ? null : "is not a whole number, which its INT column requires";
                case FLOAT ->
                    v instanceof Number
                        ? null
                        : "is not a number, which its FLOAT column" + " requires";
                case BOOL ->
                    v instanceof Boolean
                        ? null
                        : "is not a boolean, which its BOOLEAN column" + " requires";
                case STR, ANY -> null;
              };
      if (problem == null && v instanceof java.math.BigInteger b && b.bitLength() > 63) {
        problem = "is a whole number beyond 64 bits, which no column type holds exactly";
      }
      if (problem == null && url.dialect() == Dialect.POSTGRESQL && textOf(v).indexOf('\0') >= 0) {
        problem = "holds a NUL character, which PostgreSQL text cannot store";
      }
      if (problem == null
          && url.dialect() == Dialect.SQLITE
          && v instanceof Double d
          && d.isNaN()) {
        problem = "is NaN, which SQLite stores as NULL";
      }
      if (problem != null) {
        return java.util.Optional.of("the value of field " + field + " " + problem);
      }
    }
    return java.util.Optional.empty();
  }

  /** A whole number binding as a BIGINT exactly. */
  private static boolean isWhole(Object v) {
    if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
      return true;
    }
    if (v instanceof java.math.BigInteger b) {
      return b.bitLength() <= 63;
    }
    // 3.0 binds as 3 without loss; 3.5 would be truncated.
    return v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 9.2e18;
  }

  /** The text a value binds as (TEXT columns; nested values as canonical JSON). */
  private static String textOf(Object v) {
    if (v instanceof String s) {
      return s;
    }
    if (v instanceof Map<?, ?> || v instanceof List<?>) {
      return String.valueOf(v);
    }
    return "";
  }

  /** The artifact of {@code rows}: the canonical JSON array of the rows, hashed as it streams. */
  private Artifact artifactOf(Iterable<Map<String, Object>> rows) {
    // '[' row (',' row)* ']'
    java.security.MessageDigest digest;
    try {
      digest = java.security.MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by the Java platform", e);
    }
    long size = 0;
    boolean first = true;
    digest.update((byte) '[');
    size++;
    for (Map<String, Object> row : rows) {
      if (!first) {
        digest.update((byte) ',');
        size++;
      }
      first = false;
      byte[] canonical = CanonicalJson.canonicalize(row).getBytes(StandardCharsets.UTF_8);
      digest.update(canonical);
      size += canonical.length;
    }
    digest.update((byte) ']');
    size++;
    return new Artifact(
        "database", target(), java.util.HexFormat.of().formatHex(digest.digest()), size);
  }

  /** Name of the marker table a one-step publication inserts its id into, beside the rows. */
  public static final String COMMITS_TABLE = "elspeth_sink_commits";

  private String commitsTable() {
    int dot = table.indexOf('.');
    return dot < 0
        ? quote(COMMITS_TABLE)
        : quote(table.substring(0, dot)) + "." + quote(COMMITS_TABLE);
  }

  private void markCommitted(Connection c, String publicationId) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE IF NOT EXISTS "
              + commitsTable()
              + " (publication_id VARCHAR(64)"
              + " NOT NULL PRIMARY KEY, table_name VARCHAR(256) NOT NULL)");
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO " + commitsTable() + " (publication_id, table_name) VALUES (?, ?)")) {
      ps.setString(1, publicationId);
      ps.setString(2, table);
      ps.executeUpdate();
    }
  }

  /** {@code if_exists: append} keeps the table's rows and adds these (a resumed run's mode). */
  @Override
  public boolean appends() {
    return ifExists == IfExists.APPEND;
  }

  @Override
  public java.util.Optional<Boolean> published(String publicationId) throws IOException {
    try (Lease lease = lease();
        Connection c = lease.connection()) {
      try (PreparedStatement ps =
          c.prepareStatement("SELECT 1 FROM " + commitsTable() + " WHERE publication_id = ?")) {
        ps.setString(1, publicationId);
        try (java.sql.ResultSet rs = ps.executeQuery()) {
          return java.util.Optional.of(rs.next());
        }
      } catch (SQLException e) {
        // No marker table: no publication of this sink ever committed.
        if (tableMissing(c)) {
          return java.util.Optional.of(false);
        }
        throw e;
      }
    } catch (SQLException e) {
      throw new IOException(
          "cannot read " + COMMITS_TABLE + " in " + databaseUri() + ": " + messageOf(e));
    }
  }

  /**
   * Whether the commits table is missing from the schema this sink's statements name: the table's
   * own ({@code schema.table}), else the connection's current schema (PostgreSQL's {@code
   * current_schema()}, SQLite's {@code main}). A commits table in another schema is another sink's
   * and says nothing about this one's publications.
   */
  private boolean tableMissing(Connection c) throws SQLException {
    if (!c.getAutoCommit()) {
      c.rollback();
    }
    int dot = table.indexOf('.');
    @Nullable String schemaName =
        dot >= 0
            ? table.substring(0, dot)
            : url.dialect() == Dialect.SQLITE ? "main" : c.getSchema();
    if (schemaName == null) {
      // No schema on the search_path exists: an unqualified name resolves to no table at all.
      return true;
    }
    java.sql.DatabaseMetaData meta = c.getMetaData();
    String escape = meta.getSearchStringEscape();
    try (java.sql.ResultSet rs =
        meta.getTables(
            null, likeExactly(schemaName, escape), likeExactly(COMMITS_TABLE, escape), null)) {
      return !rs.next();
    }
  }

  /** {@code name} as a metadata search pattern matching only itself ({@code _} is a wildcard). */
  private static String likeExactly(String name, String escape) {
    return name.replace(escape, escape + escape)
        .replace("_", escape + "_")
        .replace("%", escape + "%");
  }

  private void prepareTable(
      Connection c, Map<String, String> types, OperationCalls calls, boolean commit)
      throws SQLException {
    List<String> ddl = new ArrayList<>();
    String quoted = quoteTable();
    if (ifExists == IfExists.REPLACE) {
      ddl.add("DROP TABLE IF EXISTS " + quoted);
    }
    String columns =
        types.entrySet().stream()
            .map(e -> quote(e.getKey()) + " " + e.getValue())
            .collect(Collectors.joining(", "));
    if (!columns.isEmpty()) {
      ddl.add("CREATE TABLE IF NOT EXISTS " + quoted + " (" + columns + ")");
    }
    upsertIndexSql().ifPresent(ddl::add);
    if (ddl.isEmpty()) {
      return;
    }
    Map<String, Object> request = request("prepare_table");
    request.put("statements", ddl);
    long t0 = System.nanoTime();
    try (Statement s = c.createStatement()) {
      for (String sql : ddl) {
        s.execute(sql);
      }
      if (commit) {
        c.commit();
      }
    } catch (SQLException e) {
      rollback(c);
      calls.error("sql", request, error(e), millisSince(t0));
      throw e;
    }
    calls.success("sql", request, Map.of("statements", ddl.size()), millisSince(t0));
  }

  /**
   * With an {@code upsertKey}, the unique index ON CONFLICT needs on the key (an appended-to table
   * may predate it).
   */
  java.util.Optional<String> upsertIndexSql() {
    if (upsertKey.isEmpty()) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(
        "CREATE UNIQUE INDEX IF NOT EXISTS "
            + quote("ux_" + table.replace('.', '_') + "_" + String.join("_", upsertKey))
            + " ON "
            + quoteTable()
            + " ("
            + upsertKey.stream().map(DatabaseSinkWriter::quote).collect(Collectors.joining(", "))
            + ")");
  }

  private void insertBatch(
      Connection c,
      Insert insert,
      List<Map<String, Object>> batch,
      int batchIndex,
      OperationCalls calls,
      boolean commit)
      throws SQLException {
    Map<String, Object> request = request("insert");
    request.put("statement", insert.sql());
    request.put("batch_index", batchIndex);
    request.put("row_count", batch.size());
    request.put("rows_hash", CanonicalJson.stableHash(batch));
    long t0 = System.nanoTime();
    long affected = 0;
    try (PreparedStatement ps = c.prepareStatement(insert.sql())) {
      for (Map<String, Object> row : batch) {
        insert.bind(ps, row);
        ps.addBatch();
      }
      for (int n : ps.executeBatch()) {
        affected += Math.max(n, 0);
      }
      if (commit) {
        c.commit();
      }
    } catch (SQLException e) {
      rollback(c);
      calls.error("sql", request, error(e), millisSince(t0));
      throw e;
    }
    Map<String, Object> response = new LinkedHashMap<>();
    response.put("rows_affected", affected);
    calls.success("sql", request, response, millisSince(t0));
  }

  private Map<String, Object> request(String operation) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("provider", PROVIDER);
    r.put("dialect", url.dialect().name().toLowerCase(Locale.ROOT));
    r.put("operation", operation);
    r.put("database", databaseUri());
    r.put("table", table);
    return r;
  }

  private static Map<String, Object> error(SQLException e) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", e.getClass().getSimpleName());
    m.put("sql_state", String.valueOf(e.getSQLState()));
    m.put("message", JdbcUrl.redact(String.valueOf(e.getMessage())));
    return m;
  }

  private static void rollback(Connection c) {
    try {
      c.rollback();
    } catch (SQLException ignored) {
      // The statement's own error is the one to report; the connection is closed next anyway.
    }
  }

  private String insertSql(List<String> fields) {
    String cols = fields.stream().map(DatabaseSinkWriter::quote).collect(Collectors.joining(", "));
    String marks = fields.stream().map(f -> "?").collect(Collectors.joining(", "));
    String sql = "INSERT INTO " + quoteTable() + " (" + cols + ") VALUES (" + marks + ")";
    if (upsertKey.isEmpty()) {
      return sql;
    }
    String key =
        upsertKey.stream().map(DatabaseSinkWriter::quote).collect(Collectors.joining(", "));
    List<String> updates =
        fields.stream()
            .filter(f -> !upsertKey.contains(f))
            .map(f -> quote(f) + " = excluded." + quote(f))
            .toList();
    return sql
        + " ON CONFLICT ("
        + key
        + ") DO "
        + (updates.isEmpty() ? "NOTHING" : "UPDATE SET " + String.join(", ", updates));
  }

  /** SQL column types: the schema's declared types, else inferred from the values. */
  private Map<String, String> columnTypes(List<String> fields, Iterable<Map<String, Object>> rows) {
    Map<String, FieldType> declared = new LinkedHashMap<>();
    if (schema.mode() != SchemaSpec.Mode.DYNAMIC) {
      for (FieldSpec f : schema.fields()) {
        declared.put(f.name(), f.type());
      }
    }
    Map<String, FieldType> inferred =
        inferred(fields.stream().filter(f -> !declared.containsKey(f)).toList(), rows);
    Map<String, String> types = new LinkedHashMap<>();
    for (String field : fields) {
      FieldType type =
          declared.containsKey(field)
              ? declared.get(field)
              : inferred.getOrDefault(field, FieldType.STR);
      types.put(field, sqlType(type));
    }
    return types;
  }

  /**
   * The types of the undeclared fields, inferred from their values in one pass over the rows (they
   * may be streamed from disk): a field with values of one kind has that type, ints mixed with
   * floats are floats, anything else (or no value at all) is text.
   */
  private static Map<String, FieldType> inferred(
      List<String> fields, Iterable<Map<String, Object>> rows) {
    Map<String, FieldType> types = new LinkedHashMap<>();
    java.util.Set<String> mixed = new java.util.HashSet<>();
    for (Map<String, Object> row : rows) {
      for (String field : fields) {
        if (mixed.contains(field)) {
          continue;
        }
        Object v = row.get(field);
        FieldType t =
            v == null
                ? null
                : v instanceof Boolean
                    ? FieldType.BOOL
                    : v instanceof Long || v instanceof Integer
                        ? FieldType.INT
                        : v instanceof Number ? FieldType.FLOAT : FieldType.STR;
        FieldType type = types.get(field);
        if (t == null || t == type) {
          continue;
        }
        if (type == null) {
          types.put(field, t);
        } else if ((type == FieldType.INT && t == FieldType.FLOAT)
            || (type == FieldType.FLOAT && t == FieldType.INT)) {
          types.put(field, FieldType.FLOAT);
        } else {
          types.put(field, FieldType.STR);
          mixed.add(field);
        }
      }
    }
    return types;
  }

  private String sqlType(FieldType type) {
    boolean pg = url.dialect() == Dialect.POSTGRESQL;
    return switch (type) {
      case INT -> "BIGINT";
      case FLOAT -> pg ? "DOUBLE PRECISION" : "REAL";
      case BOOL -> "BOOLEAN";
      case STR, ANY -> "TEXT";
    };
  }

  /**
   * Binds one value. On PostgreSQL text goes untyped, as a literal would: the column of an existing
   * table decides its type (a date, a number, jsonb), and a text it cannot take is a refusal of
   * that row (invalid input syntax), not of every row of the batch for a mismatched parameter type.
   */
  private static void bind(
      PreparedStatement ps, int index, String sqlType, @Nullable Object value, Dialect dialect)
      throws SQLException {
    boolean untypedText = dialect == Dialect.POSTGRESQL && "TEXT".equals(sqlType);
    if (value == null) {
      ps.setNull(
          index,
          untypedText
              ? Types.OTHER
              : switch (sqlType) {
                case "BIGINT" -> Types.BIGINT;
                case "BOOLEAN" -> Types.BOOLEAN;
                case "TEXT" -> Types.VARCHAR;
                default -> Types.DOUBLE;
              });
      return;
    }
    switch (sqlType) {
      case "BIGINT" -> ps.setLong(index, ((Number) value).longValue());
      case "BOOLEAN" -> ps.setBoolean(index, (Boolean) value);
      case "TEXT" -> {
        String text =
            value instanceof String s
                ? s
                : value instanceof Map<?, ?> || value instanceof List<?>
                    ? CanonicalJson.canonicalize(value)
                    : String.valueOf(value);
        if (untypedText) {
          ps.setObject(index, text, Types.OTHER);
        } else {
          ps.setString(index, text);
        }
      }
      default -> ps.setDouble(index, ((Number) value).doubleValue());
    }
  }

  String quoteTable() {
    return java.util.Arrays.stream(table.split("\\."))
        .map(DatabaseSinkWriter::quote)
        .collect(Collectors.joining("."));
  }

  private static String quote(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }

  private static double millisSince(long t0) {
    return (System.nanoTime() - t0) / 1e6;
  }
}

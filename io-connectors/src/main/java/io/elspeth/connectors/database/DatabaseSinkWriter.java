package io.elspeth.connectors.database;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.crash.CrashPoint;
import io.elspeth.audit.jdbc.JdbcUrl;
import io.elspeth.audit.schema.Dialect;
import io.elspeth.connectors.operation.OperationCalls;
import io.elspeth.connectors.schema.SchemaSpec;
import io.elspeth.connectors.sink.CsvSinkWriter;
import io.elspeth.connectors.sink.SinkWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
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

  /**
   * Connections a writer's pool holds at most: one for a write's transaction and one for the
   * publication check made while it is open (or a target check's trial).
   */
  public static final int POOL_SIZE = 2;

  /** The PostgreSQL {@code application_name} of the sink's connections, unless the URL sets one. */
  public static final String APPLICATION_NAME = "elspeth database sink";

  /** Name of the marker table a one-step publication inserts its id into, beside the rows. */
  public static final String COMMITS_TABLE = "elspeth_sink_commits";

  private final JdbcUrl url;
  private final String table;
  private final IfExists ifExists;
  private final int batchSize;
  private final TableSql sql;
  private final AuditedTableStatements statements;
  private final SinkConnectionPool connections;

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
    this.batchSize = batchSize;
    this.sql = new TableSql(table, url.dialect(), schema, upsertKey);
    this.statements = new AuditedTableStatements(sql, ifExists, databaseUri());
    this.connections = new SinkConnectionPool(url, table);
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
  public void setup() {
    connections.setup();
  }

  @Override
  public void teardown() {
    connections.teardown();
  }

  /**
   * Connections for one call: from the pool of a set-up writer, else from a pool opened for the
   * call and closed with the lease.
   */
  SinkConnectionPool.Lease lease() {
    return connections.lease();
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
    RowInsert insert = insertOf(rows);
    Artifact artifact = oneTransaction ? artifactOf(rows) : null;
    try (SinkConnectionPool.Lease lease = lease();
        Connection c = lease.connection()) {
      c.setAutoCommit(false);
      statements.prepareTable(c, insert.types(), calls, !oneTransaction);
      if (!insert.fields().isEmpty()) {
        List<Map<String, Object>> batch = new ArrayList<>(batchSize);
        int batchIndex = 0;
        for (Map<String, Object> row : rows) {
          batch.add(row);
          if (batch.size() == batchSize) {
            statements.insertBatch(c, insert, batch, batchIndex++, calls, !oneTransaction);
            batch.clear();
          }
        }
        if (!batch.isEmpty()) {
          statements.insertBatch(c, insert, batch, batchIndex, calls, !oneTransaction);
        }
      }
      if (publisher != null && artifact != null) { // oneTransaction: both are set
        PublicationMarkers.mark(c, sql, publisher.publicationId());
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
  RowInsert insertOf(Iterable<Map<String, Object>> rows) throws IOException {
    List<String> fields = CsvSinkWriter.fieldsOf(sql.schema(), rows);
    for (String key : sql.upsertKey()) {
      if (!fields.contains(key)) {
        throw new IOException("upsert_key field '" + key + "' is in no row and not in the schema");
      }
    }
    for (String f : fields) {
      if (f.isEmpty()) {
        throw new IOException("a row has an empty field name, which cannot be a column");
      }
    }
    return new RowInsert(
        fields,
        sql.columnTypes(fields, rows),
        fields.isEmpty() ? "" : sql.insertSql(fields),
        url.dialect());
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
    return ColumnValueCheck.cannotWrite(row, sql.declaredTypes(), url.dialect());
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

  /** {@code if_exists: append} keeps the table's rows and adds these (a resumed run's mode). */
  @Override
  public boolean appends() {
    return ifExists == IfExists.APPEND;
  }

  @Override
  public java.util.Optional<Boolean> published(String publicationId) throws IOException {
    try (SinkConnectionPool.Lease lease = lease();
        Connection c = lease.connection()) {
      return java.util.Optional.of(PublicationMarkers.marked(c, sql, publicationId));
    } catch (SQLException e) {
      throw new IOException(
          "cannot read " + COMMITS_TABLE + " in " + databaseUri() + ": " + messageOf(e));
    }
  }

  /**
   * With an {@code upsertKey}, the unique index ON CONFLICT needs on the key (an appended-to table
   * may predate it).
   */
  java.util.Optional<String> upsertIndexSql() {
    return sql.upsertIndexSql();
  }

  String quoteTable() {
    return sql.quoteTable();
  }
}

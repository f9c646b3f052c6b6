package io.elspeth.pipelines.settings;

import io.elspeth.audit.jdbc.JdbcUrl;
import io.elspeth.audit.schema.Dialect;
import io.elspeth.audit.schema.LandscapeSchema;
import io.elspeth.audit.store.LandscapeUrl;
import io.elspeth.connectors.blob.AzureAuth;
import io.elspeth.connectors.blob.BlobGlob;
import io.elspeth.plugin.PluginOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Settings whose parts would destroy each other's data: two writers on one file, blob or table; a
 * sink over the source's input; a sink over the Landscape's SQLite file (or its journals) or inside
 * the payload store. Each problem names both settings keys and the file they share.
 *
 * <p>Paths are compared as {@link FileIdentity} resolves them (working directory, {@code ..},
 * symbolic links, hard links). Only the settings are compared, never an earlier run: a resume
 * appending to the files its first run wrote is what resume is for.
 *
 * <p>Database sinks: two on one table conflict unless both only append ({@code if_exists: append},
 * no {@code upsert_key}): a {@code replace} drops the other's rows and an upsert overwrites them,
 * while plain appends only add rows that each sink's artifact hashes for itself. A SQLite database
 * sink never shares the Landscape's file (one writer per SQLite file; the audit commit would wait
 * on, or fail against, the sink). On a server database the Landscape's own tables are refused and
 * other tables allowed.
 */
final class OutputConflicts {
  private static final Pattern PG_JDBC =
      Pattern.compile("jdbc:postgresql://([^/:?]+)(?::(\\d+))?/([^?]*)(\\?.*)?");

  /** What a file is to the run. */
  private enum Role {
    INPUT,
    SINK,
    DATABASE_SINK,
    LANDSCAPE,
    TELEMETRY
  }

  private record FileUse(String key, FileIdentity file, Role role, String what) {}

  private record TableUse(
      String key, String database, String table, String shown, boolean appendOnly) {}

  private record BlobUse(String key, String account, String container, String path) {}

  private final List<String> problems = new ArrayList<>();
  private final List<FileUse> files = new ArrayList<>();
  private final List<TableUse> tables = new ArrayList<>();
  private final List<BlobUse> blobSinks = new ArrayList<>();
  private @Nullable BlobUse blobSource;
  private @Nullable String landscapeDatabase;

  private OutputConflicts() {}

  /**
   * The conflicts among the parts that validated; {@code payloadBasePath} and {@code healthFile} as
   * configured (relative paths are relative to the working directory).
   */
  static List<String> find(
      PipelineSettings.@Nullable Source source,
      Map<String, PipelineSettings.Sink> sinks,
      @Nullable LandscapeUrl landscape,
      String payloadBasePath,
      @Nullable String healthFile) {
    OutputConflicts c = new OutputConflicts();
    if (landscape != null) {
      c.landscape(landscape);
    }
    if (source != null) {
      c.source(source);
    }
    sinks.forEach(c::sink);
    if (healthFile != null) {
      c.file("telemetry.health_file", healthFile, Role.TELEMETRY, "the telemetry health file");
    }
    c.compareFiles();
    c.compareTables();
    c.compareBlobs();
    FileIdentity.of(payloadBasePath).ifPresent(c::checkPayloadStore);
    return c.problems;
  }

  private void landscape(LandscapeUrl url) {
    landscapeDatabase = database(url.address());
    sqliteFile(url.address())
        .ifPresent(
            f ->
                FileIdentity.of(f)
                    .ifPresent(
                        db -> {
                          files.add(
                              new FileUse(
                                  "landscape.url", db, Role.LANDSCAPE, "the Landscape database"));
                          // SQLite keeps a transaction's pages beside the database; a file there is
                          // lost or corrupts it.
                          for (String suffix : List.of("-wal", "-shm", "-journal")) {
                            files.add(
                                new FileUse(
                                    "landscape.url",
                                    db.sibling(suffix),
                                    Role.LANDSCAPE,
                                    "the Landscape's SQLite journal"));
                          }
                        }));
  }

  private void source(PipelineSettings.Source source) {
    PluginOptions o = source.options();
    switch (source.plugin()) {
      case "csv", "json" ->
          file("source.options.path", o.string("path"), Role.INPUT, "the source's input");
      case "azure_blob" -> blobSource = blob("source.options", o);
      default -> {}
    }
  }

  private void sink(String name, PipelineSettings.Sink sink) {
    String key = "sinks." + name + ".options";
    PluginOptions o = sink.options();
    switch (sink.plugin()) {
      case "csv", "json" -> file(key + ".path", o.string("path"), Role.SINK, "sink output");
      case "azure_blob" -> {
        BlobUse b = blob(key, o);
        if (b != null) {
          blobSinks.add(b);
        }
      }
      case "database" -> database(key, o);
      default -> {}
    }
  }

  private void file(String key, @Nullable String path, Role role, String what) {
    if (path != null && !path.isBlank()) {
      FileIdentity.of(path).ifPresent(f -> files.add(new FileUse(key, f, role, what)));
    }
  }

  private void database(String key, PluginOptions o) {
    String url = o.string("url");
    String table = o.string("table");
    if (url == null || table == null) {
      return;
    }
    JdbcUrl parsed;
    try {
      parsed = JdbcUrl.parse(url);
    } catch (IllegalArgumentException e) {
      return; // the plugin's own validation reports it
    }
    sqliteFile(parsed)
        .ifPresent(f -> file(key + ".url", f, Role.DATABASE_SINK, "a database sink's SQLite file"));
    String t = table.toLowerCase(Locale.ROOT);
    if (!t.contains(".")) {
      t = (parsed.dialect() == Dialect.POSTGRESQL ? "public." : "main.") + t;
    }
    boolean appendOnly = !"replace".equals(o.string("if_exists")) && !o.has("upsert_key");
    tables.add(new TableUse(key, database(parsed), t, table, appendOnly));
  }

  private @Nullable BlobUse blob(String key, PluginOptions o) {
    String container = o.string("container");
    String path = o.string("blob_path");
    if (container == null || path == null) {
      return null;
    }
    String account;
    try {
      account = AzureAuth.from(o).account().toLowerCase(Locale.ROOT);
    } catch (IllegalArgumentException e) {
      return null; // the plugin's own validation reports it
    }
    return new BlobUse(key, account, container, path);
  }

  private void compareFiles() {
    for (int i = 0; i < files.size(); i++) {
      for (int j = i + 1; j < files.size(); j++) {
        FileUse a = files.get(i);
        FileUse b = files.get(j);
        if (!a.file().sameFileAs(b.file()) || !conflicting(a.role(), b.role())) {
          continue;
        }
        FileUse writer = a.role() == Role.INPUT || a.role() == Role.LANDSCAPE ? b : a;
        FileUse other = writer == a ? b : a;
        problems.add(
            writer.key()
                + " and "
                + other.key()
                + " resolve to the same file "
                + writer.file()
                + consequence(other));
      }
    }
  }

  /** Two uses of one file that cannot both hold. */
  private static boolean conflicting(Role a, Role b) {
    if (a == Role.INPUT && b == Role.INPUT || a == Role.LANDSCAPE && b == Role.LANDSCAPE) {
      return false; // reading twice is harmless; the Landscape's own files are listed once each
    }
    // Two database sinks on one SQLite file share it table by table (compareTables).
    return !(a == Role.DATABASE_SINK && b == Role.DATABASE_SINK);
  }

  private static String consequence(FileUse other) {
    return switch (other.role()) {
      case INPUT -> ": the run would overwrite its own input";
      case LANDSCAPE -> " (" + other.what() + "): the run would overwrite its audit record";
      default -> ": one would overwrite the other's rows";
    };
  }

  private void compareTables() {
    Set<String> landscapeTables = Set.copyOf(LandscapeSchema.tableNames());
    for (int i = 0; i < tables.size(); i++) {
      TableUse a = tables.get(i);
      if (a.database().equals(landscapeDatabase)
          && a.database().startsWith("postgresql:")
          && landscapeTables.contains(a.table().substring(a.table().indexOf('.') + 1))
          && a.table().startsWith("public.")) {
        problems.add(
            a.key()
                + ".table: '"
                + a.shown()
                + "' is a Landscape table and "
                + a.key()
                + ".url is the Landscape database (landscape.url); the sink would write"
                + " into the audit record: choose another table or database");
      }
      for (int j = i + 1; j < tables.size(); j++) {
        TableUse b = tables.get(j);
        if (a.database().equals(b.database())
            && a.table().equals(b.table())
            && !(a.appendOnly() && b.appendOnly())) {
          problems.add(
              a.key()
                  + ".table and "
                  + b.key()
                  + ".table name the same table '"
                  + a.shown()
                  + "' in one database: with if_exists: replace or an upsert_key one sink"
                  + " would drop or overwrite the other's rows (two sinks may share a table only when"
                  + " both just append)");
        }
      }
    }
  }

  private void compareBlobs() {
    for (int i = 0; i < blobSinks.size(); i++) {
      BlobUse a = blobSinks.get(i);
      if (blobSource != null && sameContainer(a, blobSource) && reads(blobSource, a.path())) {
        problems.add(
            a.key()
                + ".blob_path and "
                + blobSource.key()
                + ".blob_path name the same"
                + " blob "
                + a.container()
                + "/"
                + a.path()
                + " of "
                + a.account()
                + ": the run would overwrite its own input");
      }
      for (int j = i + 1; j < blobSinks.size(); j++) {
        BlobUse b = blobSinks.get(j);
        if (sameContainer(a, b) && a.path().equals(b.path())) {
          problems.add(
              a.key()
                  + ".blob_path and "
                  + b.key()
                  + ".blob_path name the same blob "
                  + a.container()
                  + "/"
                  + a.path()
                  + " of "
                  + a.account()
                  + ": one would overwrite the other's rows");
        }
      }
    }
  }

  private static boolean sameContainer(BlobUse a, BlobUse b) {
    return a.account().equals(b.account()) && a.container().equals(b.container());
  }

  /** Whether the source reads the blob a sink writes (its name, or a glob matching it). */
  private static boolean reads(BlobUse source, String sinkPath) {
    BlobGlob glob = new BlobGlob(source.path());
    return glob.isGlob()
        ? !sinkPath.contains("{{") && glob.matches(sinkPath)
        : source.path().equals(sinkPath);
  }

  private void checkPayloadStore(FileIdentity store) {
    for (FileUse f : files) {
      if ((f.role() == Role.SINK || f.role() == Role.DATABASE_SINK || f.role() == Role.TELEMETRY)
          && f.file().isWithin(store)) {
        problems.add(
            f.key()
                + " resolves to "
                + f.file()
                + ", inside the payload store "
                + store
                + " (payload_store.base_path): payloads are named by their hash and purged by"
                + " age; keep outputs elsewhere");
      }
    }
  }

  /** A SQLite database's file as configured, or empty (a server database, or in memory). */
  private static Optional<String> sqliteFile(JdbcUrl url) {
    if (url.dialect() != Dialect.SQLITE) {
      return Optional.empty();
    }
    String f = url.jdbcUrl().substring("jdbc:sqlite:".length());
    if (f.startsWith("file:")) {
      f = f.substring("file:".length());
    }
    int query = f.indexOf('?');
    if (query >= 0) {
      f = f.substring(0, query);
    }
    return f.isEmpty() || f.startsWith(":memory:") ? Optional.empty() : Optional.of(f);
  }

  /** One name per database: a SQLite file's resolved path, or a server's host, port and name. */
  private static String database(JdbcUrl url) {
    Optional<String> file = sqliteFile(url);
    if (file.isPresent()) {
      return "sqlite:" + FileIdentity.of(file.get()).map(FileIdentity::toString).orElse(file.get());
    }
    Matcher m = PG_JDBC.matcher(url.jdbcUrl());
    if (m.matches()) {
      return "postgresql://"
          + m.group(1).toLowerCase(Locale.ROOT)
          + ":"
          + (m.group(2) == null ? "5432" : m.group(2))
          + "/"
          + m.group(3);
    }
    return url.jdbcUrl();
  }
}

package io.elspeth.pipelines.openlineage;

import io.elspeth.connectors.lineage.DatasetName;
import io.elspeth.connectors.schema.FieldSpec;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A dataset of an OpenLineage event, named by OpenLineage's naming conventions
 * (https://openlineage.io/docs/spec/naming): a local file is namespace {@code file} and its
 * absolute path; a blob is namespace {@code wasbs://<container>@<account>.dfs.core.windows.net} and
 * its blob name; a PostgreSQL table is {@code postgres://<host>:<port>} and {@code
 * <database>.<schema>.<table>}. Built from the {@link DatasetName} the source or sink reports to
 * Beam's lineage metric, so both name the same dataset, and, like it, never holds a secret.
 *
 * @param fields the declared schema's fields (empty when the schema is dynamic)
 */
public record LineageDataset(String namespace, String name, List<FieldSpec> fields) {
  public LineageDataset {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(name, "name");
    fields = List.copyOf(fields);
  }

  /** The OpenLineage name of {@code dataset}, with {@code fields} as its schema. */
  public static LineageDataset of(DatasetName dataset, List<FieldSpec> fields) {
    List<String> s = dataset.segments();
    return switch (dataset.system()) {
      case "file" ->
          new LineageDataset(
              "file", Path.of(s.get(0)).toAbsolutePath().normalize().toString(), fields);
      case "abs" ->
          new LineageDataset(
              "wasbs://" + s.get(1) + "@" + storageAccount(s.get(0)) + ".dfs.core.windows.net",
              s.get(2),
              fields);
      default -> table(dataset.system(), s.get(0), s.get(s.size() - 1), fields);
    };
  }

  /**
   * A table of a database sink: {@code system} is the JDBC scheme and {@code address} the
   * database's address without credentials ({@code //host:port/db?...} or {@code ///file.db}).
   */
  private static LineageDataset table(
      String system, String address, String table, List<FieldSpec> fields) {
    URI uri = URI.create(system + ":" + address);
    String scheme = system.toLowerCase(Locale.ROOT);
    if (scheme.equals("sqlite")) {
      // OpenLineage names no SQLite convention: the file's path says which database it is.
      String file = uri.getPath() == null ? address : uri.getPath();
      return new LineageDataset(
          "sqlite://" + Path.of(file).toAbsolutePath().normalize(), table, fields);
    }
    String database = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
    if (scheme.startsWith("postgres")) {
      int port = uri.getPort() < 0 ? 5432 : uri.getPort();
      String qualified = table.contains(".") ? table : "public." + table;
      return new LineageDataset(
          "postgres://" + uri.getHost() + ":" + port, database + "." + qualified, fields);
    }
    String hostPort = uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
    return new LineageDataset(
        scheme + "://" + hostPort, database.isEmpty() ? table : database + "." + table, fields);
  }

  /**
   * The storage account of an account endpoint as {@code AzureAuth.account()} shows it: {@code
   * https://<account>.blob.core.windows.net}, or Azurite's {@code
   * http://127.0.0.1:10000/<account>}.
   */
  static String storageAccount(String endpoint) {
    URI uri;
    try {
      uri = URI.create(endpoint);
    } catch (IllegalArgumentException e) {
      return endpoint;
    }
    if (uri.getHost() == null) {
      return endpoint;
    }
    String host = uri.getHost();
    if (host.contains(".blob.")) {
      return host.substring(0, host.indexOf('.'));
    }
    String path = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
    return path.isEmpty() ? host : path.split("/")[0];
  }
}

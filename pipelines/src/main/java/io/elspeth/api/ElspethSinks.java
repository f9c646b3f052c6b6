package io.elspeth.api;

import io.elspeth.plugin.StepContext;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Elspeth's sink plugins as Beam transforms with typed options, one static factory each:
 *
 * <pre>{@code
 * PCollection<AuditRecord> written = tokens.apply(ElspethSinks.csv(Path.of("out.csv")).named("out"));
 * ElspethPipeline elspeth = ElspethPipeline.builder()
 *     ...
 *     .sink("out", ElspethSinks.database("postgresql://app@db:5432/shop", "orders")
 *         .withUpsertKey("id"))
 *     .sink("high", ElspethSinks.json(Path.of("high.jsonl")).withFormat("jsonl"))
 *     ...
 * }</pre>
 *
 * Each is the plugin a settings file names under {@code sinks:}, validated by the plugin's own
 * checks and written by the plugin's own writer.
 */
public final class ElspethSinks {
  private ElspethSinks() {}

  /** {@code csv}: a CSV file with a header row. */
  public static Csv csv(java.nio.file.Path path) {
    Objects.requireNonNull(path, "path");
    return new Csv(PluginEntry.of("csv"), null, null, null, null).with("path", path.toString());
  }

  /** {@code json}: a JSON array, or JSON Lines ({@link Json#withFormat}). */
  public static Json json(java.nio.file.Path path) {
    Objects.requireNonNull(path, "path");
    return new Json(PluginEntry.of("json"), null, null, null, null).with("path", path.toString());
  }

  /**
   * {@code database}: rows inserted (or upserted) into table {@code table} of the database at
   * {@code url} ({@code sqlite:///path.db}, {@code postgresql://user@host:port/db}).
   */
  public static Database database(String url, String table) {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(table, "table");
    return new Database(PluginEntry.of("database"), null, null, null, null)
        .with("url", url)
        .with("table", table);
  }

  /** {@code azure_blob}: one blob named by {@code blobPath} (a template over the run). */
  public static AzureBlob azureBlob(String container, String blobPath) {
    Objects.requireNonNull(container, "container");
    Objects.requireNonNull(blobPath, "blobPath");
    return new AzureBlob(PluginEntry.of("azure_blob"), null, null, null, null)
        .with("container", container)
        .with("blob_path", blobPath);
  }

  /** Any installed sink plugin by name (a plugin jar's too), options by settings name. */
  public static Any sink(String plugin) {
    return new Any(
        PluginEntry.of(Objects.requireNonNull(plugin, "plugin")), null, null, null, null);
  }

  /** The {@code csv} sink plugin with typed options. */
  public static final class Csv extends SinkTransform<Csv> {
    private static final long serialVersionUID = 1L;

    Csv(
        PluginEntry entry,
        @Nullable String name,
        @Nullable String onWriteFailure,
        @Nullable SinkTransform<?> fallback,
        @Nullable StepContext context) {
      super(entry, name, onWriteFailure, fallback, context);
    }

    @Override
    Csv copy(
        PluginEntry entry,
        @Nullable String name,
        @Nullable String onWriteFailure,
        @Nullable SinkTransform<?> fallback,
        @Nullable StepContext context) {
      return new Csv(entry, name, onWriteFailure, fallback, context);
    }

    /** The field delimiter ({@code delimiter}, default {@code ,}). */
    public Csv withDelimiter(String delimiter) {
      return with("delimiter", delimiter);
    }

    /** {@code write} (default: replace the file) or {@code append} ({@code mode}). */
    public Csv withMode(String mode) {
      return with("mode", mode);
    }

    /** The file's encoding ({@code encoding}, default utf-8). */
    public Csv withEncoding(String encoding) {
      return with("encoding", encoding);
    }
  }

  /** The {@code json} sink plugin with typed options. */
  public static final class Json extends SinkTransform<Json> {
    private static final long serialVersionUID = 1L;

    Json(
        PluginEntry entry,
        @Nullable String name,
        @Nullable String onWriteFailure,
        @Nullable SinkTransform<?> fallback,
        @Nullable StepContext context) {
      super(entry, name, onWriteFailure, fallback, context);
    }

    @Override
    Json copy(
        PluginEntry entry,
        @Nullable String name,
        @Nullable String onWriteFailure,
        @Nullable SinkTransform<?> fallback,
        @Nullable StepContext context) {
      return new Json(entry, name, onWriteFailure, fallback, context);
    }

    /** {@code json} (an array) or {@code jsonl} (a row per line) ({@code format}). */
    public Json withFormat(String format) {
      return with("format", format);
    }

    /** {@code write} (default: replace the file) or {@code append} ({@code mode}). */
    public Json withMode(String mode) {
      return with("mode", mode);
    }

    /** Spaces of indentation of the {@code json} format ({@code indent}). */
    public Json withIndent(long spaces) {
      return with("indent", spaces);
    }
  }

  /** The {@code database} sink plugin with typed options. */
  public static final class Database extends SinkTransform<Database> {
    private static final long serialVersionUID = 1L;

    Database(
        PluginEntry entry,
        @Nullable String name,
        @Nullable String onWriteFailure,
        @Nullable SinkTransform<?> fallback,
        @Nullable StepContext context) {
      super(entry, name, onWriteFailure, fallback, context);
    }

    @Override
    Database copy(
        PluginEntry entry,
        @Nullable String name,
        @Nullable String onWriteFailure,
        @Nullable SinkTransform<?> fallback,
        @Nullable StepContext context) {
      return new Database(entry, name, onWriteFailure, fallback, context);
    }

    /** {@code append} (default; the table made when missing) or {@code replace}. */
    public Database withIfExists(String ifExists) {
      return with("if_exists", ifExists);
    }

    /** Field(s) identifying a row: an existing row with the same key is updated. */
    public Database withUpsertKey(String... fields) {
      return with("upsert_key", fields.length == 1 ? fields[0] : List.of(fields));
    }

    /** Rows per INSERT batch, each one transaction and one call ({@code batch_size}). */
    public Database withBatchSize(long rows) {
      return with("batch_size", rows);
    }

    /** The table's columns and types, as a settings file writes a schema. */
    public Database withSchema(Map<String, Object> schema) {
      return with("schema", new java.util.LinkedHashMap<>(schema));
    }
  }

  /** The {@code azure_blob} sink plugin with typed options (authentication and format). */
  public static final class AzureBlob extends SinkTransform<AzureBlob> {
    private static final long serialVersionUID = 1L;

    AzureBlob(
        PluginEntry entry,
        @Nullable String name,
        @Nullable String onWriteFailure,
        @Nullable SinkTransform<?> fallback,
        @Nullable StepContext context) {
      super(entry, name, onWriteFailure, fallback, context);
    }

    @Override
    AzureBlob copy(
        PluginEntry entry,
        @Nullable String name,
        @Nullable String onWriteFailure,
        @Nullable SinkTransform<?> fallback,
        @Nullable StepContext context) {
      return new AzureBlob(entry, name, onWriteFailure, fallback, context);
    }

    /** {@code csv} (default), {@code json} or {@code jsonl} ({@code format}). */
    public AzureBlob withFormat(String format) {
      return with("format", format);
    }

    /** Whether an existing blob is replaced ({@code overwrite}, default true). */
    public AzureBlob withOverwrite(boolean overwrite) {
      return with("overwrite", overwrite);
    }

    /** {@code {delimiter, encoding, include_header}} ({@code csv_options}). */
    public AzureBlob withCsvOptions(Map<String, Object> options) {
      return with("csv_options", new java.util.LinkedHashMap<>(options));
    }

    /** Authenticates with a storage connection string ({@code connection_string}; a secret). */
    public AzureBlob withConnectionString(String connectionString) {
      return with("connection_string", connectionString);
    }

    /** Authenticates with a SAS token on {@code accountUrl} ({@code sas_token}, a secret). */
    public AzureBlob withSasToken(String accountUrl, String sasToken) {
      return with("account_url", accountUrl).with("sas_token", sasToken);
    }

    /** Authenticates with the host's managed identity on {@code accountUrl}. */
    public AzureBlob withManagedIdentity(String accountUrl) {
      return with("account_url", accountUrl).with("use_managed_identity", true);
    }
  }

  /** Any sink plugin, its options set with {@link #withOption}. */
  public static final class Any extends SinkTransform<Any> {
    private static final long serialVersionUID = 1L;

    Any(
        PluginEntry entry,
        @Nullable String name,
        @Nullable String onWriteFailure,
        @Nullable SinkTransform<?> fallback,
        @Nullable StepContext context) {
      super(entry, name, onWriteFailure, fallback, context);
    }

    @Override
    Any copy(
        PluginEntry entry,
        @Nullable String name,
        @Nullable String onWriteFailure,
        @Nullable SinkTransform<?> fallback,
        @Nullable StepContext context) {
      return new Any(entry, name, onWriteFailure, fallback, context);
    }
  }
}

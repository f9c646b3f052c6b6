package io.elspeth.api;

import io.elspeth.plugin.StepContext;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Elspeth's source plugins as Beam transforms with typed options, one static factory each:
 *
 * <pre>{@code
 * StepResult orders = p.apply(ElspethSources.csv(Path.of("orders.csv"))
 *     .withSchema(Map.of("mode", "fixed", "fields", List.of("id: int", "amount: float")))
 *     .withOnValidationFailure("discard"));
 * ElspethPipeline elspeth = ElspethPipeline.builder()
 *     .source(ElspethSources.json(Path.of("reviews.jsonl")).withObservedSchema()
 *         .withOnValidationFailure("discard"))
 *     ...
 * }</pre>
 *
 * Each is the plugin a settings file names under {@code source:}, validated by the plugin's own
 * checks and run by the plugin's own read.
 */
public final class ElspethSources {
  private ElspethSources() {}

  /** {@code csv}: a CSV file read with its header row (or {@link Csv#withColumns}). */
  public static Csv csv(java.nio.file.Path path) {
    Objects.requireNonNull(path, "path");
    return new Csv(PluginEntry.of("csv"), null).with("path", path.toString());
  }

  /** {@code json}: a JSON array, or JSON Lines ({@link Json#withFormat}). */
  public static Json json(java.nio.file.Path path) {
    Objects.requireNonNull(path, "path");
    return new Json(PluginEntry.of("json"), null).with("path", path.toString());
  }

  /** {@code azure_blob}: one blob, or every blob a glob names, in container {@code container}. */
  public static AzureBlob azureBlob(String container, String blobPath) {
    Objects.requireNonNull(container, "container");
    Objects.requireNonNull(blobPath, "blobPath");
    return new AzureBlob(PluginEntry.of("azure_blob"), null)
        .with("container", container)
        .with("blob_path", blobPath);
  }

  /** Any installed source plugin by name (a plugin jar's too), options by settings name. */
  public static Any source(String plugin) {
    return new Any(PluginEntry.of(Objects.requireNonNull(plugin, "plugin")), null);
  }

  /** The {@code csv} source plugin with typed options. */
  public static final class Csv extends SourceTransform<Csv> {
    private static final long serialVersionUID = 1L;

    Csv(PluginEntry entry, @Nullable StepContext context) {
      super(entry, context);
    }

    @Override
    Csv copy(PluginEntry entry, @Nullable StepContext context) {
      return new Csv(entry, context);
    }

    /** The field delimiter, one character ({@code delimiter}, default {@code ,}). */
    public Csv withDelimiter(String delimiter) {
      return with("delimiter", delimiter);
    }

    /** Lines skipped before the header ({@code skip_rows}). */
    public Csv withSkipRows(long rows) {
      return with("skip_rows", rows);
    }

    /** Field names of a file without a header row ({@code columns}). */
    public Csv withColumns(String... columns) {
      return with("columns", List.of(columns));
    }

    /** Header names made safe identifiers ({@code normalize_fields}). */
    public Csv withNormalizeFields(boolean normalize) {
      return with("normalize_fields", normalize);
    }

    /** Fields renamed after normalization, from to to ({@code field_mapping}). */
    public Csv withFieldMapping(Map<String, String> mapping) {
      return with("field_mapping", new java.util.LinkedHashMap<>(mapping));
    }

    /** The file's encoding ({@code encoding}, default utf-8). */
    public Csv withEncoding(String encoding) {
      return with("encoding", encoding);
    }
  }

  /** The {@code json} source plugin with typed options. */
  public static final class Json extends SourceTransform<Json> {
    private static final long serialVersionUID = 1L;

    Json(PluginEntry entry, @Nullable StepContext context) {
      super(entry, context);
    }

    @Override
    Json copy(PluginEntry entry, @Nullable StepContext context) {
      return new Json(entry, context);
    }

    /** {@code json} (an array) or {@code jsonl} (a row per line) ({@code format}). */
    public Json withFormat(String format) {
      return with("format", format);
    }

    /** The key of the array of rows in a JSON object ({@code data_key}). */
    public Json withDataKey(String key) {
      return with("data_key", key);
    }

    /** The file's encoding ({@code encoding}, default utf-8). */
    public Json withEncoding(String encoding) {
      return with("encoding", encoding);
    }
  }

  /** The {@code azure_blob} source plugin with typed options (authentication and format). */
  public static final class AzureBlob extends SourceTransform<AzureBlob> {
    private static final long serialVersionUID = 1L;

    AzureBlob(PluginEntry entry, @Nullable StepContext context) {
      super(entry, context);
    }

    @Override
    AzureBlob copy(PluginEntry entry, @Nullable StepContext context) {
      return new AzureBlob(entry, context);
    }

    /** {@code csv} (default), {@code json} or {@code jsonl} ({@code format}). */
    public AzureBlob withFormat(String format) {
      return with("format", format);
    }

    /** {@code {delimiter, has_header, encoding, skip_rows}} ({@code csv_options}). */
    public AzureBlob withCsvOptions(Map<String, Object> options) {
      return with("csv_options", new java.util.LinkedHashMap<>(options));
    }

    /** {@code {encoding, data_key}} ({@code json_options}). */
    public AzureBlob withJsonOptions(Map<String, Object> options) {
      return with("json_options", new java.util.LinkedHashMap<>(options));
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

    /** Authenticates as a service principal on {@code accountUrl}. */
    public AzureBlob withServicePrincipal(
        String accountUrl, String tenantId, String clientId, String clientSecret) {
      return with("account_url", accountUrl)
          .with("tenant_id", tenantId)
          .with("client_id", clientId)
          .with("client_secret", clientSecret);
    }
  }

  /** Any source plugin, its options set with {@link #withOption}. */
  public static final class Any extends SourceTransform<Any> {
    private static final long serialVersionUID = 1L;

    Any(PluginEntry entry, @Nullable StepContext context) {
      super(entry, context);
    }

    @Override
    Any copy(PluginEntry entry, @Nullable StepContext context) {
      return new Any(entry, context);
    }
  }
}

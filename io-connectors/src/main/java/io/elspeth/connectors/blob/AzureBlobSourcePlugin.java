package io.elspeth.connectors.blob;

import io.elspeth.connectors.plugins.SourceOptions;
import io.elspeth.connectors.source.CsvRecordReader;
import io.elspeth.connectors.source.JsonRecordReader;
import io.elspeth.connectors.source.RecordReader;
import io.elspeth.plugin.OptionSpec;
import io.elspeth.plugin.OptionType;
import io.elspeth.plugin.OptionsValidator;
import io.elspeth.plugin.PluginOptions;
import io.elspeth.plugin.SourcePlugin;
import io.elspeth.plugin.StepContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollectionTuple;

/**
 * {@code azure_blob} source: one blob (or every blob matching a glob) of a container, parsed as
 * CSV, JSON or JSONL with the file sources' options and schema modes.
 */
public final class AzureBlobSourcePlugin implements SourcePlugin {
  static final List<OptionSpec> CSV_OPTIONS =
      List.of(
          OptionSpec.optional("delimiter", OptionType.STRING, ",", "field delimiter"),
          OptionSpec.optional(
              "has_header",
              OptionType.BOOL,
              true,
              "the first row names the fields (false needs `columns`)"),
          OptionSpec.optional("encoding", OptionType.STRING, "utf-8", "text encoding"),
          OptionSpec.optional("skip_rows", OptionType.INT, 0L, "lines to skip before the header"));
  static final List<OptionSpec> JSON_OPTIONS =
      List.of(
          OptionSpec.optional("encoding", OptionType.STRING, "utf-8", "text encoding"),
          OptionSpec.optional(
              "data_key",
              OptionType.STRING,
              null,
              "read the array under this key of a top-level object (format json)"));

  @Override
  public String name() {
    return "azure_blob";
  }

  @Override
  public String description() {
    return "Reads CSV, JSON or JSONL blobs from Azure Blob Storage (streamed; a glob reads many"
        + " in parallel); every download is an audited call";
  }

  @Override
  public List<OptionSpec> options() {
    List<OptionSpec> options = new ArrayList<>(AzureAuth.OPTIONS);
    options.add(OptionSpec.required("container", OptionType.STRING, "blob container"));
    options.add(
        OptionSpec.required(
            "blob_path", OptionType.STRING, "blob name, or a glob (*, **, ?) naming many blobs"));
    options.add(
        OptionSpec.oneOf(
            "format", "csv", List.of("csv", "json", "jsonl"), "how the blob is parsed"));
    options.add(
        OptionSpec.optional(
            "csv_options",
            OptionType.OBJECT,
            null,
            "{delimiter: ',', has_header: true, encoding: utf-8, skip_rows: 0}"));
    options.add(
        OptionSpec.optional(
            "json_options", OptionType.OBJECT, null, "{encoding: utf-8, data_key}"));
    options.add(
        OptionSpec.optional(
            "columns", OptionType.STRING_LIST, null, "field names for CSV without a header row"));
    options.add(
        OptionSpec.optional(
            "normalize_fields",
            OptionType.BOOL,
            false,
            "turn CSV header names into safe identifiers"));
    options.add(
        OptionSpec.optional(
            "field_mapping",
            OptionType.STRING_MAP,
            null,
            "rename fields after normalization: {from: to}"));
    options.add(
        OptionSpec.optional(
            "download_block_size",
            OptionType.INT,
            (long) AzureBlobSource.DEFAULT_BLOCK_SIZE,
            "bytes fetched per download request"));
    options.add(SourceOptions.MAX_FIELD_BYTES);
    options.add(SourceOptions.MAX_ROW_BYTES);
    options.add(SourceOptions.SCHEMA);
    options.add(SourceOptions.ON_VALIDATION_FAILURE);
    return options;
  }

  @Override
  public List<String> validate(PluginOptions options) {
    List<String> problems = new ArrayList<>(AzureAuth.problems(options));
    problems.addAll(SourceOptions.limitProblems(options));
    OptionsValidator.Result csv = nested(options, "csv_options", CSV_OPTIONS);
    OptionsValidator.Result json = nested(options, "json_options", JSON_OPTIONS);
    problems.addAll(csv.problems());
    problems.addAll(json.problems());
    String format = options.string("format");
    if (csv.options() != null) {
      String d = csv.options().requiredString("delimiter");
      if (d.length() != 1) {
        problems.add("csv_options.delimiter: expected a single character, got '" + d + "'");
      }
      if (!csv.options().bool("has_header", true) && options.strings("columns").isEmpty()) {
        problems.add("csv_options.has_header: false needs `columns` to name the fields");
      }
      if (csv.options().bool("has_header", true) && options.has("columns")) {
        problems.add(
            "columns: names the fields of CSV without a header row; set"
                + " csv_options.has_header: false, or remove columns");
      }
      if (csv.options().integer("skip_rows", 0) < 0) {
        problems.add("csv_options.skip_rows: expected 0 or more");
      }
    }
    if (!"csv".equals(format) && options.has("csv_options")) {
      problems.add("csv_options: only applies to format csv, not " + format);
    }
    if ("csv".equals(format) && options.has("json_options")) {
      problems.add("json_options: only applies to formats json and jsonl, not csv");
    }
    if ("jsonl".equals(format) && json.options() != null && json.options().has("data_key")) {
      problems.add("json_options.data_key: only applies to format json, not jsonl");
    }
    if (options.integer("download_block_size", 1) < 1) {
      problems.add("download_block_size: expected 1 or more");
    }
    return problems;
  }

  static OptionsValidator.Result nested(PluginOptions options, String key, List<OptionSpec> specs) {
    return OptionsValidator.validate(options.map(key), specs, key, Set.of());
  }

  @Override
  public PTransform<PBegin, PCollectionTuple> create(PluginOptions options, StepContext context) {
    return AzureBlobSource.read()
        .withAuth(AzureAuth.from(options))
        .withContainer(options.requiredString("container"))
        .withBlobPath(options.requiredString("blob_path"))
        .withReader(reader(options))
        .withSchema(options.schema())
        .withContext(context)
        .withOnValidationFailure(options.requiredString("on_validation_failure"))
        .withBlockSize(
            (int) options.integer("download_block_size", AzureBlobSource.DEFAULT_BLOCK_SIZE));
  }

  /** The options of a nested block that {@link #validate} accepted. */
  private static PluginOptions validated(OptionsValidator.Result nested) {
    return Objects.requireNonNull(nested.options(), "nested options were validated");
  }

  static RecordReader reader(PluginOptions options) {
    String format = options.requiredString("format");
    if ("csv".equals(format)) {
      PluginOptions csv = validated(nested(options, "csv_options", CSV_OPTIONS));
      @SuppressWarnings("unchecked")
      Map<String, String> mapping = (Map<String, String>) (Map<?, ?>) options.map("field_mapping");
      // With a header row, `columns` would rename nothing: it names a headerless file's fields.
      List<String> columns = csv.bool("has_header", true) ? List.of() : options.strings("columns");
      return new CsvRecordReader(
              csv.requiredString("delimiter").charAt(0),
              csv.requiredString("encoding"),
              (int) csv.integer("skip_rows", 0),
              columns,
              options.bool("normalize_fields", false),
              mapping)
          .withLimits(SourceOptions.limits(options));
    }
    PluginOptions json = validated(nested(options, "json_options", JSON_OPTIONS));
    return new JsonRecordReader(
            "jsonl".equals(format) ? JsonRecordReader.Format.JSONL : JsonRecordReader.Format.JSON,
            json.string("data_key"),
            json.requiredString("encoding"))
        .withLimits(SourceOptions.limits(options));
  }
}

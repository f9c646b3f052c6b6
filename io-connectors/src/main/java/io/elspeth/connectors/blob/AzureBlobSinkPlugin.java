package io.elspeth.connectors.blob;

import io.elspeth.connectors.plugins.SourceOptions;
import io.elspeth.connectors.sink.SinkWriter;
import io.elspeth.plugin.OptionSpec;
import io.elspeth.plugin.OptionType;
import io.elspeth.plugin.OptionsValidator;
import io.elspeth.plugin.PluginOptions;
import io.elspeth.plugin.SinkPlugin;
import io.elspeth.plugin.SinkResume;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * {@code azure_blob} sink: all rows serialised as CSV, JSON or JSONL and uploaded as one block blob
 * at a templated path ({@code {{ run_id }}}, {@code {{ timestamp }}}).
 */
public final class AzureBlobSinkPlugin implements SinkPlugin {
  static final List<OptionSpec> CSV_OPTIONS =
      List.of(
          OptionSpec.optional("delimiter", OptionType.STRING, ",", "field delimiter"),
          OptionSpec.optional("encoding", OptionType.STRING, "utf-8", "text encoding"),
          OptionSpec.optional("include_header", OptionType.BOOL, true, "write a header row"));

  @Override
  public String name() {
    return "azure_blob";
  }

  @Override
  public String description() {
    return "Uploads rows as one CSV, JSON or JSONL block blob (staged blocks, committed once"
        + " after the Landscape recorded the intent); a resumed run appends; every request is an"
        + " audited call";
  }

  @Override
  public List<OptionSpec> options() {
    List<OptionSpec> options = new ArrayList<>(AzureAuth.OPTIONS);
    options.add(OptionSpec.required("container", OptionType.STRING, "blob container"));
    options.add(
        OptionSpec.required(
            "blob_path",
            OptionType.STRING,
            "blob name; a Jinja template over run_id and timestamp"));
    options.add(
        OptionSpec.oneOf(
            "format", "csv", List.of("csv", "json", "jsonl"), "how rows are serialised"));
    options.add(
        OptionSpec.optional(
            "overwrite",
            OptionType.BOOL,
            true,
            "replace an existing blob; false fails the write if the blob exists"));
    options.add(
        OptionSpec.optional(
            "csv_options",
            OptionType.OBJECT,
            null,
            "{delimiter: ',', encoding: utf-8, include_header: true}"));
    options.add(
        OptionSpec.optional(
            "upload_block_size",
            OptionType.INT,
            (long) AzureBlobSinkWriter.DEFAULT_BLOCK_SIZE,
            "bytes per staged block"));
    options.add(
        OptionSpec.optional(
            "validate_input",
            OptionType.BOOL,
            false,
            "accepted for compatibility; rows are validated at the source"));
    options.add(SourceOptions.SCHEMA);
    return options;
  }

  @Override
  public List<String> validate(PluginOptions options) {
    List<String> problems = new ArrayList<>(AzureAuth.problems(options));
    OptionsValidator.Result csv = csvOptions(options);
    problems.addAll(csv.problems());
    if (csv.options() != null && csv.options().requiredString("delimiter").length() != 1) {
      problems.add(
          "csv_options.delimiter: expected a single character, got '"
              + csv.options().requiredString("delimiter")
              + "'");
    }
    if (!"csv".equals(options.string("format")) && options.has("csv_options")) {
      problems.add("csv_options: only applies to format csv, not " + options.string("format"));
    }
    try {
      BlobPathTemplate.render(options.requiredString("blob_path"), "run", Instant.EPOCH);
    } catch (IllegalArgumentException e) {
      problems.add("blob_path: " + e.getMessage());
    }
    if (options.integer("upload_block_size", 1) < 1) {
      problems.add("upload_block_size: expected 1 or more");
    }
    return problems;
  }

  private static OptionsValidator.Result csvOptions(PluginOptions options) {
    return AzureBlobSourcePlugin.nested(options, "csv_options", CSV_OPTIONS);
  }

  /**
   * A resumed run appends to the blob its chain last published; when the chain published none,
   * {@code {{ run_id }}} in blob_path is the chain's first run.
   */
  @Override
  public SinkWriter createResuming(PluginOptions options, SinkResume resume) {
    return writer(options).resuming(resume.firstRunId(), resume.lastPublishedTarget());
  }

  @Override
  public SinkWriter create(PluginOptions options) {
    return writer(options);
  }

  private static AzureBlobSinkWriter writer(PluginOptions options) {
    PluginOptions csv =
        Objects.requireNonNull(csvOptions(options).options(), "csv_options were validated");
    return new AzureBlobSinkWriter(
        AzureAuth.from(options),
        options.requiredString("container"),
        options.requiredString("blob_path"),
        AzureBlobSinkWriter.Format.valueOf(options.requiredString("format").toUpperCase()),
        options.bool("overwrite", true),
        csv.requiredString("delimiter").charAt(0),
        csv.requiredString("encoding"),
        csv.bool("include_header", true),
        options.schema(),
        (int) options.integer("upload_block_size", AzureBlobSinkWriter.DEFAULT_BLOCK_SIZE));
  }
}

package io.elspeth.connectors.plugins;

import io.elspeth.connectors.schema.InferredFields;
import io.elspeth.connectors.source.CsvRecordReader;
import io.elspeth.connectors.source.FileSource;
import io.elspeth.plugin.OptionSpec;
import io.elspeth.plugin.OptionType;
import io.elspeth.plugin.PluginOptions;
import io.elspeth.plugin.SourcePlugin;
import io.elspeth.plugin.StepContext;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.checkerframework.checker.nullness.qual.Nullable;

/** {@code csv} source: a delimited text file with a header row or {@code columns}. */
public final class CsvSourcePlugin implements SourcePlugin {
  @Override
  public String name() {
    return "csv";
  }

  @Override
  public String description() {
    return "Reads a CSV file (quoted fields may span lines); rows failing the schema are quarantined";
  }

  @Override
  public List<OptionSpec> options() {
    List<OptionSpec> options = new ArrayList<>(SourceOptions.common());
    options.add(OptionSpec.optional("delimiter", OptionType.STRING, ",", "field delimiter"));
    options.add(
        OptionSpec.optional("skip_rows", OptionType.INT, 0L, "lines to skip before the header"));
    options.add(
        OptionSpec.optional(
            "columns",
            OptionType.STRING_LIST,
            null,
            "field names for a file without a header row"));
    options.add(
        OptionSpec.optional(
            "normalize_fields", OptionType.BOOL, false, "turn header names into safe identifiers"));
    options.add(
        OptionSpec.optional(
            "field_mapping",
            OptionType.STRING_MAP,
            null,
            "rename fields after normalization: {from: to}"));
    return options;
  }

  @Override
  public List<String> validate(PluginOptions options) {
    List<String> problems = new ArrayList<>(SourceOptions.limitProblems(options));
    String d = options.string("delimiter");
    if (d != null && d.length() != 1) {
      problems.add("delimiter: expected a single character, got '" + d + "'");
    } else if (d != null && "\"\r\n".contains(d)) {
      problems.add("delimiter: a quote or line break cannot separate fields");
    }
    if (options.integer("skip_rows", 0) < 0) {
      problems.add("skip_rows: expected 0 or more");
    }
    return problems;
  }

  @Override
  public List<String> preflight(PluginOptions options) {
    return FileChecks.readable(options.requiredString("path"));
  }

  private static CsvRecordReader reader(PluginOptions options) {
    @SuppressWarnings("unchecked")
    Map<String, String> mapping = (Map<String, String>) (Map<?, ?>) options.map("field_mapping");
    return new CsvRecordReader(
            options.requiredString("delimiter").charAt(0),
            options.requiredString("encoding"),
            (int) options.integer("skip_rows", 0),
            options.strings("columns"),
            options.bool("normalize_fields", false),
            mapping)
        .withLimits(SourceOptions.limits(options));
  }

  @Override
  public InferredFields inferredFields(PluginOptions options) throws IOException {
    return FileSource.inferredFields(
        options.requiredString("path"), reader(options), options.schema());
  }

  @Override
  public FileSource create(PluginOptions options, StepContext context) {
    return FileSource.read()
        .from(options.requiredString("path"))
        .withReader(reader(options))
        .withSchema(options.schema())
        .withContext(context)
        .withOnValidationFailure(options.requiredString("on_validation_failure"));
  }

  @Override
  public PTransform<PBegin, PCollectionTuple> create(
      PluginOptions options, StepContext context, @Nullable InferredFields inferred) {
    FileSource read = create(options, context);
    return inferred == null ? read : read.withInferredFields(inferred);
  }
}

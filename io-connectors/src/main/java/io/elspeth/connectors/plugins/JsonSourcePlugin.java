package io.elspeth.connectors.plugins;

import io.elspeth.connectors.schema.InferredFields;
import io.elspeth.connectors.source.FileSource;
import io.elspeth.connectors.source.JsonRecordReader;
import io.elspeth.plugin.OptionSpec;
import io.elspeth.plugin.OptionType;
import io.elspeth.plugin.PluginOptions;
import io.elspeth.plugin.SourcePlugin;
import io.elspeth.plugin.StepContext;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.checkerframework.checker.nullness.qual.Nullable;

/** {@code json} source: a JSON array (optionally under {@code data_key}) or JSON Lines. */
public final class JsonSourcePlugin implements SourcePlugin {
  @Override
  public String name() {
    return "json";
  }

  @Override
  public String description() {
    return "Reads a JSON array of objects or a JSONL file; non-object items are quarantined";
  }

  @Override
  public List<OptionSpec> options() {
    List<OptionSpec> options = new ArrayList<>(SourceOptions.common());
    options.add(
        OptionSpec.oneOf(
            "format",
            null,
            List.of("json", "jsonl"),
            "json or jsonl; from the file extension when absent (.jsonl -> jsonl)"));
    options.add(
        OptionSpec.optional(
            "data_key",
            OptionType.STRING,
            null,
            "read the array under this key of a top-level object"));
    return options;
  }

  @Override
  public List<String> validate(PluginOptions options) {
    List<String> problems = new ArrayList<>(SourceOptions.limitProblems(options));
    if ("jsonl".equals(format(options)) && options.has("data_key")) {
      problems.add("data_key: only applies to format json, not jsonl");
    }
    return problems;
  }

  @Override
  public List<String> preflight(PluginOptions options) {
    return FileChecks.readable(options.requiredString("path"));
  }

  static String format(PluginOptions options) {
    String f = options.string("format");
    if (f != null) {
      return f;
    }
    return options.requiredString("path").toLowerCase().endsWith(".jsonl") ? "jsonl" : "json";
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

  private static JsonRecordReader reader(PluginOptions options) {
    return new JsonRecordReader(
            "jsonl".equals(format(options))
                ? JsonRecordReader.Format.JSONL
                : JsonRecordReader.Format.JSON,
            options.string("data_key"),
            options.requiredString("encoding"))
        .withLimits(SourceOptions.limits(options));
  }

  @Override
  public InferredFields inferredFields(PluginOptions options) throws IOException {
    return FileSource.inferredFields(
        options.requiredString("path"), reader(options), options.schema());
  }
}

package io.elspeth.connectors.plugins;

import io.elspeth.connectors.source.SourceLimits;
import io.elspeth.plugin.OptionSpec;
import io.elspeth.plugin.OptionType;
import io.elspeth.plugin.PluginOptions;
import java.util.List;

/** Options every data source shares (and the schema option every data plugin has). */
public final class SourceOptions {
  private SourceOptions() {}

  public static final OptionSpec SCHEMA =
      OptionSpec.optional(
          "schema",
          OptionType.SCHEMA,
          null,
          "row schema: {mode: dynamic|strict|free, fields: [\"name: type\"]} or {fields: dynamic}");
  public static final OptionSpec ON_VALIDATION_FAILURE =
      OptionSpec.required(
          "on_validation_failure",
          OptionType.SINK_NAME,
          "'discard' or the sink that receives rows failing the schema");
  public static final OptionSpec PATH = OptionSpec.required("path", OptionType.PATH, "input file");
  public static final OptionSpec ENCODING =
      OptionSpec.optional("encoding", OptionType.STRING, "utf-8", "text encoding of the file");

  public static final OptionSpec MAX_FIELD_BYTES =
      OptionSpec.optional(
          "max_field_bytes",
          OptionType.INT,
          SourceLimits.DEFAULT.maxFieldBytes(),
          "largest field (bytes as in the input); a record with a larger one is quarantined");
  public static final OptionSpec MAX_ROW_BYTES =
      OptionSpec.optional(
          "max_row_bytes",
          OptionType.INT,
          SourceLimits.DEFAULT.maxRowBytes(),
          "largest record (bytes as in the input); a larger one is quarantined");

  static List<OptionSpec> common() {
    return List.of(PATH, SCHEMA, ON_VALIDATION_FAILURE, ENCODING, MAX_FIELD_BYTES, MAX_ROW_BYTES);
  }

  /** Problems with {@code max_field_bytes} / {@code max_row_bytes}, by option key. */
  public static List<String> limitProblems(PluginOptions options) {
    return SourceLimits.problems(
        options.integer("max_field_bytes", SourceLimits.DEFAULT.maxFieldBytes()),
        options.integer("max_row_bytes", SourceLimits.DEFAULT.maxRowBytes()));
  }

  /** The size limits the options set (defaults: {@link SourceLimits#DEFAULT}). */
  public static SourceLimits limits(PluginOptions options) {
    return new SourceLimits(
        options.integer("max_field_bytes", SourceLimits.DEFAULT.maxFieldBytes()),
        options.integer("max_row_bytes", SourceLimits.DEFAULT.maxRowBytes()));
  }
}

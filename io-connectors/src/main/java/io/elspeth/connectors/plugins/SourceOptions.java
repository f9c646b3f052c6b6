package io.elspeth.connectors.plugins;

import io.elspeth.plugin.OptionSpec;
import io.elspeth.plugin.OptionType;
import java.util.List;

/** Options every data source shares (and the schema option every data plugin has). */
public final class SourceOptions {
  private SourceOptions() {}

  public static final OptionSpec SCHEMA = OptionSpec.optional("schema", OptionType.SCHEMA, null,
      "row schema: {mode: dynamic|strict|free, fields: [\"name: type\"]} or {fields: dynamic}");
  public static final OptionSpec ON_VALIDATION_FAILURE = OptionSpec.required("on_validation_failure",
      OptionType.SINK_NAME, "'discard' or the sink that receives rows failing the schema");
  public static final OptionSpec PATH = OptionSpec.required("path", OptionType.STRING, "input file");
  public static final OptionSpec ENCODING = OptionSpec.optional("encoding", OptionType.STRING, "utf-8",
      "text encoding of the file");

  static List<OptionSpec> common() {
    return List.of(PATH, SCHEMA, ON_VALIDATION_FAILURE, ENCODING);
  }
}

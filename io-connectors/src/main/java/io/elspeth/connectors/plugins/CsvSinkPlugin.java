package io.elspeth.connectors.plugins;

import io.elspeth.connectors.sink.CsvSinkWriter;
import io.elspeth.connectors.sink.SinkWriter;
import io.elspeth.plugin.OptionSpec;
import io.elspeth.plugin.OptionType;
import io.elspeth.plugin.PluginOptions;
import io.elspeth.plugin.SinkPlugin;
import java.util.List;
import java.util.Map;

/** {@code csv} sink: one CSV file, header from the schema and the rows. */
public final class CsvSinkPlugin implements SinkPlugin {
  @Override
  public String name() {
    return "csv";
  }

  @Override
  public String description() {
    return "Writes rows to a CSV file (atomically; append mode keeps existing rows)";
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(
        OptionSpec.required("path", OptionType.PATH, "output file"),
        OptionSpec.optional("delimiter", OptionType.STRING, ",", "field delimiter"),
        OptionSpec.optional("encoding", OptionType.STRING, "utf-8", "text encoding"),
        OptionSpec.oneOf(
            "mode",
            "write",
            List.of("write", "append"),
            "write replaces the file; append adds rows to it"),
        OptionSpec.optional(
            "validate_input",
            OptionType.BOOL,
            false,
            "accepted for compatibility; rows are validated at the source"),
        OptionSpec.optional(
            "headers", OptionType.STRING_MAP, null, "display names for columns: {field: header}"),
        SourceOptions.SCHEMA);
  }

  @Override
  public List<String> validate(PluginOptions options) {
    String d = options.string("delimiter");
    return d != null && d.length() != 1
        ? List.of("delimiter: expected a single character, got '" + d + "'")
        : List.of();
  }

  @Override
  @SuppressWarnings("unchecked")
  public SinkWriter create(PluginOptions options) {
    return new CsvSinkWriter(
        options.requiredString("path"),
        options.requiredString("delimiter").charAt(0),
        options.requiredString("encoding"),
        "append".equals(options.string("mode")),
        options.schema(),
        (Map<String, String>) (Map<?, ?>) options.map("headers"));
  }
}

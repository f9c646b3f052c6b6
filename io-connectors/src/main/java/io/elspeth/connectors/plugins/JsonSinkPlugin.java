package io.elspeth.connectors.plugins;

import io.elspeth.connectors.sink.JsonSinkWriter;
import io.elspeth.connectors.sink.SinkWriter;
import io.elspeth.plugin.OptionSpec;
import io.elspeth.plugin.OptionType;
import io.elspeth.plugin.PluginOptions;
import io.elspeth.plugin.SinkPlugin;
import java.util.List;

/** {@code json} sink: a JSON array file or JSON Lines. */
public final class JsonSinkPlugin implements SinkPlugin {
  @Override
  public String name() {
    return "json";
  }

  @Override
  public String description() {
    return "Writes rows as a JSON array or JSONL (atomically; append mode keeps existing rows)";
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(
        OptionSpec.required("path", OptionType.PATH, "output file"),
        OptionSpec.oneOf(
            "format",
            null,
            List.of("json", "jsonl"),
            "json or jsonl; from the file extension when absent (.jsonl -> jsonl)"),
        OptionSpec.optional(
            "indent", OptionType.INT, null, "indent a json array by this many spaces"),
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
        SourceOptions.SCHEMA);
  }

  @Override
  public List<String> validate(PluginOptions options) {
    return options.integer("indent", 0) < 0 ? List.of("indent: expected 0 or more") : List.of();
  }

  @Override
  public SinkWriter create(PluginOptions options) {
    String path = options.requiredString("path");
    String format = options.string("format");
    if (format == null) {
      format = path.toLowerCase().endsWith(".jsonl") ? "jsonl" : "json";
    }
    return new JsonSinkWriter(
        path,
        "jsonl".equals(format) ? JsonSinkWriter.Format.JSONL : JsonSinkWriter.Format.JSON,
        // No indent is ELSPETH's indent=None (one line); indent: 0 is Python's indent=0.
        (int) options.integer("indent", -1),
        options.requiredString("encoding"),
        "append".equals(options.string("mode")));
  }
}

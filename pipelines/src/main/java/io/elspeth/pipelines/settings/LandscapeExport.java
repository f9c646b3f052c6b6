package io.elspeth.pipelines.settings;

import io.elspeth.plugin.OptionSpec;
import io.elspeth.plugin.OptionType;
import io.elspeth.plugin.OptionsValidator;
import io.elspeth.plugin.PluginOptions;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * {@code landscape.export}: after a run completes, its audit trail is exported to {@code sink} (a
 * sink of {@code sinks:} that receives no pipeline rows), as {@code json} (every record handed to
 * the sink in one write) or {@code csv} (one file per record type in a folder named after the
 * sink's path), signed with {@code ELSPETH_SIGNING_KEY} when {@code sign} is set.
 */
public record LandscapeExport(PipelineSettings.Sink sink, Format format, boolean sign) {
  /** The export's format. */
  public enum Format {
    CSV,
    JSON;

    public String configName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  static final List<OptionSpec> OPTIONS =
      List.of(
          OptionSpec.optional(
              "enabled", OptionType.BOOL, false, "export the run after it completes"),
          OptionSpec.optional("sink", OptionType.STRING, null, "the sink the export is written to"),
          OptionSpec.oneOf("format", "csv", List.of("csv", "json"), "export format"),
          OptionSpec.optional(
              "sign", OptionType.BOOL, false, "HMAC-sign every record (key: ELSPETH_SIGNING_KEY)"));

  /**
   * The export {@code raw} configures, or null when it is absent or disabled; its problems (with
   * their key paths) are added to {@code problems}.
   */
  static @Nullable LandscapeExport parse(
      @Nullable Object raw, Map<String, PipelineSettings.Sink> sinks, List<String> problems) {
    if (raw == null) {
      return null;
    }
    if (!(raw instanceof Map<?, ?>)) {
      problems.add(
          "landscape.export: expected a mapping {enabled, sink, format, sign}, got "
              + OptionsValidator.describe(raw));
      return null;
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> m = (Map<String, Object>) raw;
    OptionsValidator.Result r = OptionsValidator.validate(m, OPTIONS, "landscape.export", Set.of());
    problems.addAll(r.problems());
    PluginOptions o = r.options();
    if (o == null || !o.bool("enabled", false)) {
      return null;
    }
    String sinkName = o.string("sink");
    if (sinkName == null) {
      problems.add(
          "landscape.export.sink: required when export is enabled (the name of a sink"
              + " in sinks)");
      return null;
    }
    PipelineSettings.Sink sink = sinks.get(sinkName);
    if (sink == null) {
      problems.add(
          "landscape.export.sink: '"
              + sinkName
              + "' not found in sinks. Available"
              + " sinks: "
              + sinks.keySet());
      return null;
    }
    Format format = Format.valueOf(o.requiredString("format").toUpperCase(java.util.Locale.ROOT));
    if (format == Format.CSV && !(sink.options().asMap().get("path") instanceof String)) {
      problems.add(
          "landscape.export.format: csv writes one file per record type into a folder"
              + " named after the sink's path, but sink '"
              + sinkName
              + "' ("
              + sink.plugin()
              + ") has no path option; use a csv or json file sink, or format: json");
      return null;
    }
    return new LandscapeExport(sink, format, o.bool("sign", false));
  }

  /**
   * Problems when the export sink also receives rows of the pipeline: its output would be
   * overwritten by the export (or mix rows and audit records), so it must be a sink of its own.
   */
  static List<String> sharedSinkProblems(
      LandscapeExport export,
      PipelineSettings.@Nullable Source source,
      List<PipelineSettings.Transform> transforms,
      List<PipelineSettings.Gate> gates,
      List<PipelineSettings.Aggregation> aggregations,
      Map<String, PipelineSettings.Sink> sinks,
      @Nullable String defaultSink) {
    String name = export.sink().name();
    List<String> users = new java.util.ArrayList<>();
    if (name.equals(defaultSink)) {
      users.add("default_sink");
    }
    if (source != null && name.equals(source.options().string("on_validation_failure"))) {
      users.add("source.options.on_validation_failure");
    }
    for (int i = 0; i < transforms.size(); i++) {
      if (name.equals(transforms.get(i).onError())) {
        users.add("transforms[" + i + "].on_error");
      }
    }
    for (int i = 0; i < aggregations.size(); i++) {
      if (name.equals(aggregations.get(i).onError())) {
        users.add("aggregations[" + i + "].on_error");
      }
    }
    for (int i = 0; i < gates.size(); i++) {
      PipelineSettings.Gate g = gates.get(i);
      for (Map.Entry<String, String> route : g.routes().entrySet()) {
        if (name.equals(route.getValue())) {
          users.add("gates[" + i + "].routes." + route.getKey());
        }
      }
      if (g.forkTo().contains(name)) {
        users.add("gates[" + i + "].fork_to");
      }
    }
    for (PipelineSettings.Sink s : sinks.values()) {
      if (name.equals(s.onWriteFailure())) {
        users.add("sinks." + s.name() + ".on_write_failure");
      }
    }
    return users.isEmpty()
        ? List.of()
        : List.of(
            "landscape.export.sink: sink '"
                + name
                + "' also receives pipeline rows ("
                + String.join(", ", users)
                + "); the export"
                + " replaces its output, so give the export a sink of its own");
  }
}

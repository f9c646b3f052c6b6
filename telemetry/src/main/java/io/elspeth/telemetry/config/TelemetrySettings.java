package io.elspeth.telemetry.config;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The {@code telemetry:} block of the settings, validated (ELSPETH HEAD rules: unknown keys are
 * errors, exporter options nest under {@code options}, and each exporter's options are checked
 * here, before anything runs). This project's additions: {@code healthFile} ({@code health_file}),
 * a local file that also receives the health events written to stderr, or null; {@code maxInFlight}
 * ({@code max_in_flight}, default 4), how many batches may await their exporters' answers at once
 * (1: one request at a time, strictly in order).
 */
public record TelemetrySettings(
    boolean enabled,
    Granularity granularity,
    BackpressureMode backpressureMode,
    boolean failOnTotalExporterFailure,
    int maxConsecutiveFailures,
    List<ExporterSettings> exporters,
    @Nullable String healthFile,
    int maxInFlight)
    implements Serializable {

  public static final int DEFAULT_MAX_IN_FLIGHT = 4;

  /** Exporter names this project knows. */
  public static final Set<String> EXPORTERS = Set.of("console", "otlp", "azure_monitor", "datadog");

  private static final Set<String> KEYS =
      Set.of(
          "enabled",
          "granularity",
          "backpressure_mode",
          "fail_on_total_exporter_failure",
          "max_consecutive_failures",
          "exporters",
          "health_file",
          "max_in_flight");

  public TelemetrySettings {
    exporters = List.copyOf(exporters);
  }

  /** Settings without a health file, with the default in-flight bound. */
  public TelemetrySettings(
      boolean enabled,
      Granularity granularity,
      BackpressureMode backpressureMode,
      boolean failOnTotalExporterFailure,
      int maxConsecutiveFailures,
      List<ExporterSettings> exporters) {
    this(
        enabled,
        granularity,
        backpressureMode,
        failOnTotalExporterFailure,
        maxConsecutiveFailures,
        exporters,
        null,
        DEFAULT_MAX_IN_FLIGHT);
  }

  /** Disabled, lifecycle, block, fail on total exporter failure, threshold 10, no exporters. */
  public static TelemetrySettings defaults() {
    return new TelemetrySettings(
        false, Granularity.LIFECYCLE, BackpressureMode.BLOCK, true, 10, List.of());
  }

  /** Parse outcome: the settings when valid, and every problem with its key path. */
  public record Parsed(TelemetrySettings settings, List<String> problems) {}

  /**
   * Parses the {@code telemetry} mapping; {@code path} prefixes problem messages (e.g.
   * "telemetry").
   */
  @SuppressWarnings("unchecked")
  public static Parsed parse(Map<String, Object> raw, String path) {
    List<String> problems = new ArrayList<>();
    for (String key : raw.keySet()) {
      if (!KEYS.contains(key)) {
        problems.add(path + "." + key + ": unknown key (expected one of " + sorted(KEYS) + ")");
      }
    }
    TelemetrySettings d = defaults();
    boolean enabled = bool(raw, "enabled", d.enabled(), path, problems);
    Granularity granularity = d.granularity();
    Object g = raw.get("granularity");
    if (g != null) {
      try {
        granularity = Granularity.valueOf(g.toString().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        problems.add(path + ".granularity: expected lifecycle, rows or full, got '" + g + "'");
      }
    }
    BackpressureMode mode = d.backpressureMode();
    Object b = raw.get("backpressure_mode");
    if (b != null) {
      String s = b.toString().toLowerCase(Locale.ROOT);
      if (s.equals("slow")) {
        problems.add(path + ".backpressure_mode: 'slow' is not implemented (use block or drop)");
      } else {
        try {
          mode = BackpressureMode.valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
          problems.add(path + ".backpressure_mode: expected block or drop, got '" + b + "'");
        }
      }
    }
    boolean failOnTotal =
        bool(raw, "fail_on_total_exporter_failure", d.failOnTotalExporterFailure(), path, problems);
    int threshold = d.maxConsecutiveFailures();
    Object t = raw.get("max_consecutive_failures");
    if (t != null) {
      if (t instanceof Number n && !(t instanceof Double) && n.longValue() >= 1) {
        threshold = n.intValue();
      } else {
        problems.add(
            path + ".max_consecutive_failures: expected an integer of 1 or more, got '" + t + "'");
      }
    }
    List<ExporterSettings> exporters = new ArrayList<>();
    Object e = raw.get("exporters");
    if (e != null && !(e instanceof List<?>)) {
      problems.add(path + ".exporters: expected a list of {name, options}");
    } else if (e != null) {
      List<?> list = (List<?>) e;
      for (int i = 0; i < list.size(); i++) {
        String p = path + ".exporters[" + i + "]";
        if (!(list.get(i) instanceof Map<?, ?> m)) {
          problems.add(p + ": expected a mapping {name, options}");
          continue;
        }
        for (Object k : m.keySet()) {
          if (!k.equals("name") && !k.equals("options")) {
            problems.add(p + "." + k + ": unknown key (exporter options go under 'options:')");
          }
        }
        Object name = m.get("name");
        if (name == null || name.toString().isBlank()) {
          problems.add(p + ".name: required, expected one of " + sorted(EXPORTERS));
          continue;
        }
        if (!EXPORTERS.contains(name.toString())) {
          problems.add(
              p
                  + ".name: unknown exporter '"
                  + name
                  + "' (expected one of "
                  + sorted(EXPORTERS)
                  + ")");
        }
        Object options = m.get("options");
        if (options != null && !(options instanceof Map<?, ?>)) {
          problems.add(p + ".options: expected a mapping");
          continue;
        }
        ExporterSettings exporter =
            new ExporterSettings(
                name.toString(),
                options == null ? Map.of() : new LinkedHashMap<>((Map<String, Object>) options));
        if (EXPORTERS.contains(exporter.name())) {
          io.elspeth.telemetry.exporter.Exporters.validate(exporter)
              .forEach(problem -> problems.add(p + "." + problem));
        }
        exporters.add(exporter);
      }
    }
    String healthFile = null;
    Object h = raw.get("health_file");
    if (h != null) {
      if (h instanceof String s && !s.isBlank()) {
        healthFile = s;
      } else {
        problems.add(path + ".health_file: expected a file path, got '" + h + "'");
      }
    }
    int maxInFlight = DEFAULT_MAX_IN_FLIGHT;
    Object f = raw.get("max_in_flight");
    if (f != null) {
      if ((f instanceof Integer || f instanceof Long)
          && ((Number) f).longValue() >= 1
          && ((Number) f).longValue() <= 64) {
        maxInFlight = ((Number) f).intValue();
      } else {
        problems.add(path + ".max_in_flight: expected an integer from 1 to 64, got '" + f + "'");
      }
    }
    return new Parsed(
        new TelemetrySettings(
            enabled, granularity, mode, failOnTotal, threshold, exporters, healthFile, maxInFlight),
        problems);
  }

  private static boolean bool(
      Map<String, Object> raw, String key, boolean fallback, String path, List<String> problems) {
    Object v = raw.get(key);
    if (v == null) {
      return fallback;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    problems.add(path + "." + key + ": expected true or false, got '" + v + "'");
    return fallback;
  }

  private static List<String> sorted(Set<String> s) {
    return s.stream().sorted().toList();
  }
}

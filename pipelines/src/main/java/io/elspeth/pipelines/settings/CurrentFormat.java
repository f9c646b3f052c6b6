package io.elspeth.pipelines.settings;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * ELSPETH's current settings format (explicit wiring: {@code on_success} on the source and steps,
 * {@code input} on transforms, gates and aggregations, routes naming connections or sinks, no
 * {@code default_sink}), recognised from the file itself and translated into the steps of the RC2
 * form (each list in the order rows reach its steps) plus the {@link Wiring} that says which
 * connection each step reads and where its outputs go: any DAG of steps, such as a tree of gates,
 * transforms on fork branches, or a gate reading a coalesce's merged rows.
 *
 * <p>This class recognises the format and keeps its entry points; {@link CurrentTranslator}
 * resolves the connections.
 */
final class CurrentFormat {
  /** Top-level keys of the current format whose features this project does not have. */
  static final Map<String, String> REFUSED_TOP_LEVEL =
      Map.of(
          "depends_on",
              "pipeline dependencies (run another settings file first) are not supported;"
                  + " run the pipelines one after another",
          "commencement_gates",
              "commencement gates (pre-run checks over dependency results and"
                  + " collection probes) are not supported",
          "collection_probes",
              "collection probes (vector-store readiness checks before a run) are"
                  + " not supported");

  private static final Pattern STEP_PATH =
      Pattern.compile("(transforms|gates|aggregations|coalesce)\\[(\\d+)]");

  /**
   * Translated settings and how to name the translated steps in problems: the translated lists may
   * be in another order than the file's.
   */
  record Translation(
      Map<String, Object> settings, Map<String, String> originalPaths, @Nullable Wiring wiring) {
    /** Problems about the translated settings, with step paths as the file writes them. */
    List<String> inFileTerms(List<String> problems) {
      List<String> out = new ArrayList<>();
      for (String p : problems) {
        Matcher m = STEP_PATH.matcher(p);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
          m.appendReplacement(
              sb, Matcher.quoteReplacement(originalPaths.getOrDefault(m.group(), m.group())));
        }
        m.appendTail(sb);
        out.add(sb.toString());
      }
      return out;
    }
  }

  private CurrentFormat() {}

  /**
   * Whether the settings are in the current format: the source names where its rows go, or a step
   * names its input. RC2 files have neither key.
   */
  static boolean isCurrent(Map<String, Object> raw) {
    if (raw.get("source") instanceof Map<?, ?> s && s.containsKey("on_success")) {
      return true;
    }
    for (String section : List.of("transforms", "gates", "aggregations")) {
      if (raw.get(section) instanceof List<?> list) {
        for (Object item : list) {
          if (item instanceof Map<?, ?> m && m.containsKey("input")) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /**
   * ELSPETH's current CSV sources always normalize their headers to identifiers ({@code CS1:
   * Symptoms & Signs} → {@code cs1_symptoms_signs}; its {@code csv_source} has no switch for it),
   * where RC2's did so only with {@code normalize_fields: true}: a CSV source, or an Azure Blob
   * source reading CSV, gets {@code normalize_fields: true} unless it says otherwise.
   */
  @SuppressWarnings("unchecked")
  static Map<String, Object> normalizedHeaders(Map<String, Object> source) {
    boolean csv =
        "csv".equals(source.get("plugin"))
            || ("azure_blob".equals(source.get("plugin"))
                && source.get("options") instanceof Map<?, ?> o
                && "csv".equals(o.get("format") == null ? "csv" : o.get("format")));
    if (!csv
        || !(source.get("options") instanceof Map<?, ?> options)
        || options.containsKey("normalize_fields")) {
      return source;
    }
    Map<String, Object> o = new LinkedHashMap<>((Map<String, Object>) options);
    o.put("normalize_fields", true);
    Map<String, Object> out = new LinkedHashMap<>(source);
    out.put("options", o);
    return out;
  }

  /** Translates current-format settings; every wiring problem goes to {@code problems}. */
  static Translation translate(Map<String, Object> raw, List<String> problems) {
    return CurrentTranslator.translate(raw, problems);
  }
}

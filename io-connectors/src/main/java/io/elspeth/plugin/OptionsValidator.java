package io.elspeth.plugin;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.elspeth.connectors.schema.SchemaSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Checks a mapping of options against their {@link OptionSpec}s: unknown keys, missing required
 * ones, wrong types, values outside their allowed set, and sink references that name no sink. Every
 * problem is reported with its key path; defaults are filled in.
 */
public final class OptionsValidator {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private OptionsValidator() {}

  /** The result: options with defaults (when there were no problems) and every problem found. */
  public record Result(@Nullable PluginOptions options, List<String> problems) {}

  /**
   * Validates {@code raw} at key path {@code path} (e.g. {@code transforms[2].options}).
   *
   * @param sinkNames the configured sinks, for options of type SINK_NAME ('discard' is allowed)
   */
  public static Result validate(
      @Nullable Map<String, Object> raw,
      List<OptionSpec> specs,
      String path,
      Set<String> sinkNames) {
    Map<String, Object> given = raw == null ? Map.of() : raw;
    List<String> problems = new ArrayList<>();
    Map<String, OptionSpec> byName = new LinkedHashMap<>();
    specs.forEach(s -> byName.put(s.name(), s));
    for (String key : given.keySet()) {
      if (!byName.containsKey(key)) {
        problems.add(
            path
                + "."
                + key
                + ": unknown option (expected one of "
                + byName.keySet().stream().sorted().toList()
                + ")");
      }
    }
    Map<String, Object> values = new LinkedHashMap<>();
    SchemaSpec schema = null;
    for (OptionSpec spec : specs) {
      String p = path + "." + spec.name();
      Object value = given.get(spec.name());
      if (value == null) {
        if (spec.required()) {
          problems.add(
              p
                  + ": required option missing (expected "
                  + spec.type().expected()
                  + ": "
                  + spec.description()
                  + ")");
        } else if (spec.defaultValue() != null) {
          values.put(spec.name(), spec.defaultValue());
        }
        continue;
      }
      String problem = typeProblem(spec, value, sinkNames);
      if (problem != null) {
        problems.add(p + ": " + problem);
        continue;
      }
      if (spec.type() == OptionType.SCHEMA) {
        SchemaSpec.ParseResult parsed = SchemaSpec.parse(MAPPER.valueToTree(value));
        parsed
            .problems()
            .forEach(
                m ->
                    problems.add(p + (m.contains(":") && !m.startsWith(" ") ? "." + m : ": " + m)));
        schema = parsed.spec();
      }
      values.put(spec.name(), value);
    }
    return new Result(problems.isEmpty() ? new PluginOptions(values, schema) : null, problems);
  }

  private static @Nullable String typeProblem(OptionSpec spec, Object value, Set<String> sinks) {
    String got = "got " + describe(value);
    switch (spec.type()) {
      case STRING, SECRET, PATH -> {
        if (!(value instanceof String s)) {
          return "expected " + spec.type().expected() + ", " + got;
        }
        if (!spec.allowedValues().isEmpty() && !spec.allowedValues().contains(s)) {
          return "expected one of " + spec.allowedValues() + ", got '" + s + "'";
        }
      }
      case INT -> {
        if (!(value instanceof Long || value instanceof Integer)) {
          return "expected " + spec.type().expected() + ", " + got;
        }
      }
      case NUMBER -> {
        if (!(value instanceof Number) || value instanceof Boolean) {
          return "expected " + spec.type().expected() + ", " + got;
        }
      }
      case BOOL -> {
        if (!(value instanceof Boolean)) {
          return "expected " + spec.type().expected() + ", " + got;
        }
      }
      case STRING_LIST -> {
        if (!(value instanceof List<?> l) || !l.stream().allMatch(String.class::isInstance)) {
          return "expected " + spec.type().expected() + ", " + got;
        }
      }
      case STRING_OR_LIST -> {
        boolean ok =
            value instanceof String
                || value instanceof List<?> l && l.stream().allMatch(String.class::isInstance);
        if (!ok) {
          return "expected " + spec.type().expected() + ", " + got;
        }
      }
      case STRING_MAP -> {
        if (!(value instanceof Map<?, ?> m)
            || !m.values().stream().allMatch(String.class::isInstance)) {
          return "expected " + spec.type().expected() + ", " + got;
        }
      }
      case INT_MAP -> {
        if (!(value instanceof Map<?, ?> m)
            || !m.values().stream().allMatch(v -> v instanceof Long || v instanceof Integer)) {
          return "expected " + spec.type().expected() + ", " + got;
        }
      }
      case SCHEMA, OBJECT -> {
        if (!(value instanceof Map<?, ?>)) {
          return "expected " + spec.type().expected() + ", " + got;
        }
      }
      case SINK_NAME -> {
        if (!(value instanceof String s)) {
          return "expected " + spec.type().expected() + " or 'discard', " + got;
        }
        if (!s.equals(StepContext.DISCARD) && !sinks.contains(s)) {
          return "no sink named '"
              + s
              + "' (configured sinks: "
              + sinks.stream().sorted().toList()
              + "; or 'discard')";
        }
      }
      case ANY -> {
        return null;
      }
      default -> throw new IllegalStateException("unhandled option type " + spec.type());
    }
    return null;
  }

  /** A short description of a value's YAML type, for messages. */
  public static String describe(@Nullable Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof String s) {
      return "string '" + (s.length() > 40 ? s.substring(0, 40) + "…" : s) + "'";
    }
    if (value instanceof Boolean b) {
      return "boolean " + b;
    }
    if (value instanceof Long || value instanceof Integer) {
      return "integer " + value;
    }
    if (value instanceof Number) {
      return "number " + value;
    }
    if (value instanceof List<?>) {
      return "a list";
    }
    if (value instanceof Map<?, ?>) {
      return "a mapping";
    }
    return value.getClass().getSimpleName();
  }
}

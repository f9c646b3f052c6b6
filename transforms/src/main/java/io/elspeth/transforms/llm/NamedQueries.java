package io.elspeth.transforms.llm;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * ELSPETH's named multi-query ({@code queries} of the current {@code plugin: llm}): each query has
 * a name, an {@code input_fields} mapping of template variable to row field, and optionally its own
 * {@code template}, {@code output_fields} ({@code [{suffix, type, values}]}, read from a JSON
 * answer by {@code suffix}), {@code response_format} ({@code standard} or {@code structured}) and
 * {@code max_tokens}. Written as a mapping {@code name: {...}} or a list of {@code {name, ...}}. A
 * query writes {@code <name>_<suffix>} per output field, and {@code <name>_<response_field>} (the
 * answer's text), {@code _usage} and {@code _model} beside it.
 */
public record NamedQueries(List<Query> queries) implements Serializable {

  /** The keys a query may have. */
  static final List<String> KEYS =
      List.of("name", "input_fields", "template", "output_fields", "response_format", "max_tokens");

  /** ELSPETH refuses {@code {{ input_N }}} in a query's own template: use input_fields. */
  private static final Pattern POSITIONAL = Pattern.compile("\\{\\{\\s*input_\\d+\\s*\\}\\}");

  public NamedQueries {
    queries = List.copyOf(queries);
  }

  /** One named query. */
  public record Query(
      String name,
      Map<String, String> inputFields,
      @Nullable PromptTemplate template,
      @Nullable List<OutputField> outputFields,
      boolean structured,
      @Nullable Integer maxTokens)
      implements Serializable {

    /**
     * The {@code response_format} this query sends: none without output fields (the answer is plain
     * text), JSON mode ({@code standard}), or ELSPETH's {@code json_schema} named {@code
     * <name>_output} with every output field required ({@code structured}).
     */
    public @Nullable Map<String, Object> requestFormat() {
      if (outputFields == null) {
        return null;
      }
      if (!structured) {
        return io.elspeth.connectors.client.AuditedLlmClient.ChatRequest.JSON_OBJECT;
      }
      Map<String, Object> properties = new LinkedHashMap<>();
      for (OutputField f : outputFields) {
        properties.put(f.suffix(), MultiQuery.jsonType(f.type(), f.values()));
      }
      Map<String, Object> schema = new LinkedHashMap<>();
      schema.put("type", "object");
      schema.put("properties", properties);
      schema.put("required", new ArrayList<>(properties.keySet()));
      Map<String, Object> spec = new LinkedHashMap<>();
      spec.put("name", name + "_output");
      spec.put("schema", schema);
      Map<String, Object> format = new LinkedHashMap<>();
      format.put("type", "json_schema");
      format.put("json_schema", spec);
      return format;
    }
  }

  /** One typed field of a query's JSON answer, read by its {@code suffix}. */
  public record OutputField(String suffix, String type, List<String> values)
      implements Serializable {

    /**
     * Why {@code value} is not of this field's type (ELSPETH's {@code validate_field_value}: an
     * integer may be written {@code 3.0}; booleans are not numbers), or null.
     */
    public @Nullable String problem(@Nullable Object value) {
      String actual =
          value == null
              ? "null"
              : value instanceof String
                  ? "str"
                  : value instanceof Boolean
                      ? "bool"
                      : value instanceof Double
                          ? "float"
                          : value instanceof Number
                              ? "int"
                              : value instanceof Map ? "dict" : "list";
      return switch (type) {
        case "string" -> value instanceof String ? null : "expected string, got " + actual;
        case "integer" ->
            value instanceof Boolean
                ? "expected integer, got boolean"
                : value instanceof Double d && (d.isNaN() || d.isInfinite())
                    ? "expected finite integer, got non-finite float"
                    : (value instanceof Number && !(value instanceof Double))
                            || (value instanceof Double d && d == Math.rint(d))
                        ? null
                        : "expected integer, got " + actual;
        case "number" ->
            value instanceof Boolean
                ? "expected number, got boolean"
                : value instanceof Number ? null : "expected number, got " + actual;
        case "boolean" -> value instanceof Boolean ? null : "expected boolean, got " + actual;
        case "enum" ->
            !(value instanceof String s)
                ? "expected string (enum), got " + actual
                : values.contains(s) ? null : "value '" + s + "' not in allowed values: " + values;
        default -> throw new IllegalStateException("output field type was validated: " + type);
      };
    }
  }

  /**
   * Parses {@code queries} (a mapping of name to query, or a list of queries with {@code name}),
   * adding one message per problem, each starting with the option's path ({@code
   * queries.<name>.output_fields[0].type: ...}); null when there are problems.
   */
  @SuppressWarnings("unchecked")
  public static @Nullable NamedQueries parse(@Nullable Object raw, List<String> problems) {
    int before = problems.size();
    List<Map.Entry<String, Map<String, Object>>> entries = new ArrayList<>();
    Set<String> names = new LinkedHashSet<>();
    if (raw instanceof Map<?, ?> byName) {
      byName.forEach(
          (k, v) -> {
            String p = "queries." + k;
            if (v instanceof Map<?, ?> m) {
              if (m.containsKey("name")) {
                problems.add(
                    p + ".name: not allowed when queries is a mapping (the key is the name)");
              }
              entries.add(Map.entry(String.valueOf(k), (Map<String, Object>) m));
            } else {
              problems.add(p + ": expected a mapping {input_fields, template, output_fields, ...}");
            }
          });
    } else if (raw instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        String p = "queries[" + i + "]";
        if (!(list.get(i) instanceof Map<?, ?> m)) {
          problems.add(p + ": expected a mapping {name, input_fields, template, ...}");
        } else if (!(m.get("name") instanceof String n) || n.isBlank()) {
          problems.add(p + ".name: required (a string)");
        } else if (!names.add(n)) {
          problems.add(
              p
                  + ".name: duplicate query name '"
                  + n
                  + "' (each query's output"
                  + " fields are prefixed with its name, so names must be unique)");
        } else {
          entries.add(Map.entry(n, (Map<String, Object>) m));
        }
      }
    } else {
      problems.add(
          "queries: expected a mapping of query name to {input_fields, template,"
              + " output_fields, response_format, max_tokens}, or a list of such with name");
      return null;
    }
    if (entries.isEmpty() && problems.size() == before) {
      problems.add("queries: expected at least one query");
    }
    List<Query> queries = new ArrayList<>();
    Map<String, String> outputKeys = new LinkedHashMap<>();
    for (Map.Entry<String, Map<String, Object>> e : entries) {
      Query q = query(e.getKey(), e.getValue(), "queries." + e.getKey(), problems);
      if (q == null) {
        continue;
      }
      for (OutputField f : q.outputFields() == null ? List.<OutputField>of() : q.outputFields()) {
        String key = q.name() + "_" + f.suffix();
        String first = outputKeys.putIfAbsent(key, q.name());
        if (first != null) {
          problems.add(
              "queries."
                  + q.name()
                  + ".output_fields: output field '"
                  + key
                  + "' is also written by query '"
                  + first
                  + "'");
        }
      }
      queries.add(q);
    }
    return problems.size() > before ? null : new NamedQueries(queries);
  }

  private static @Nullable Query query(
      String name, Map<String, Object> m, String p, List<String> problems) {
    int before = problems.size();
    for (String key : m.keySet()) {
      if (!KEYS.contains(key)) {
        problems.add(
            p
                + "."
                + key
                + ": unknown query option (expected one of "
                + KEYS.subList(1, KEYS.size())
                + ")");
      }
    }
    if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
      problems.add(p + ": the query name must be an identifier (it prefixes field names)");
    }
    Map<String, String> inputs = new LinkedHashMap<>();
    if (!(m.get("input_fields") instanceof Map<?, ?> fields) || fields.isEmpty()) {
      problems.add(
          p
              + ".input_fields: required, a non-empty mapping of template variable to"
              + " row field (e.g. {text: customer_comment}, read as {{ row.text }})");
    } else {
      fields.forEach(
          (var, field) -> {
            if (field instanceof String s && !s.isBlank()) {
              inputs.put(String.valueOf(var), s);
            } else {
              problems.add(p + ".input_fields." + var + ": expected a row field name");
            }
          });
    }
    PromptTemplate template = null;
    Object t = m.get("template");
    if (t instanceof String text) {
      String syntax = PromptTemplate.syntaxProblem(text);
      if (syntax != null) {
        problems.add(p + ".template: not a valid Jinja2 template: " + syntax);
      } else if (POSITIONAL.matcher(text).find()) {
        problems.add(
            p
                + ".template: uses positional variables ({{ input_N }}); name the"
                + " variables in input_fields and read them as {{ row.<variable> }}");
      } else {
        template = new PromptTemplate(text);
      }
    } else if (t != null) {
      problems.add(p + ".template: expected a string");
    }
    List<OutputField> outputs = null;
    Object rawOutputs = m.get("output_fields");
    if (rawOutputs instanceof List<?> list && !list.isEmpty()) {
      outputs = new ArrayList<>();
      for (int i = 0; i < list.size(); i++) {
        OutputField f = outputField(list.get(i), p + ".output_fields[" + i + "]", problems);
        if (f != null) {
          outputs.add(f);
        }
      }
    } else if (rawOutputs != null) {
      problems.add(p + ".output_fields: expected a non-empty list of {suffix, type, values}");
    }
    Object format = m.getOrDefault("response_format", "standard");
    if (!List.of("standard", "structured").contains(format)) {
      problems.add(p + ".response_format: expected standard or structured, got " + format);
    }
    Integer maxTokens = null;
    Object max = m.get("max_tokens");
    if (max instanceof Long || max instanceof Integer) {
      maxTokens = ((Number) max).intValue();
      if (maxTokens < 1) {
        problems.add(p + ".max_tokens: expected 1 or more");
      }
    } else if (max != null) {
      problems.add(p + ".max_tokens: expected an integer");
    }
    return problems.size() > before
        ? null
        : new Query(name, inputs, template, outputs, "structured".equals(format), maxTokens);
  }

  private static @Nullable OutputField outputField(Object raw, String p, List<String> problems) {
    if (!(raw instanceof Map<?, ?> m)) {
      problems.add(p + ": expected {suffix, type, values}");
      return null;
    }
    int before = problems.size();
    for (Object key : m.keySet()) {
      if (!List.of("suffix", "type", "values").contains(key)) {
        problems.add(p + "." + key + ": unknown (expected suffix, type, values)");
      }
    }
    Object suffix = m.get("suffix");
    if (!(suffix instanceof String s) || s.isBlank()) {
      problems.add(p + ".suffix: required (a string)");
    }
    Object type = m.get("type");
    if (!MultiQuery.TYPES.contains(type)) {
      problems.add(p + ".type: required, one of " + MultiQuery.TYPES + ", got " + type);
    }
    List<String> values = new ArrayList<>();
    if (m.get("values") instanceof List<?> l) {
      l.forEach(v -> values.add(String.valueOf(v)));
    } else if (m.get("values") != null) {
      problems.add(p + ".values: expected a list of strings");
    }
    if ("enum".equals(type) && values.isEmpty()) {
      problems.add(p + ".values: enum type requires a non-empty values list");
    } else if (type != null && !"enum".equals(type) && m.get("values") != null) {
      problems.add(p + ".values: only valid for type enum, not " + type);
    }
    // With no new problem, suffix and type are strings.
    return problems.size() > before || !(suffix instanceof String s) || !(type instanceof String t)
        ? null
        : new OutputField(s, t, List.copyOf(values));
  }

  /** The fields every row gets from these queries (ELSPETH's guaranteed fields). */
  public Set<String> guaranteedFields(String responseField) {
    Set<String> fields = new LinkedHashSet<>();
    for (Query q : queries) {
      String prefix = q.name() + "_" + responseField;
      fields.addAll(List.of(prefix, prefix + "_usage", prefix + "_model"));
      if (q.outputFields() != null) {
        q.outputFields().forEach(f -> fields.add(q.name() + "_" + f.suffix()));
      }
    }
    return fields;
  }
}

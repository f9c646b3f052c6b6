package io.elspeth.transforms.llm;

import io.elspeth.connectors.client.AuditedLlmClient;
import io.elspeth.plugin.OptionSpec;
import io.elspeth.plugin.OptionType;
import io.elspeth.plugin.PluginOptions;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The multi-query options of ELSPETH's {@code *_multi_query_llm}: {@code case_studies} ({@code
 * name, input_fields, context, description}) × {@code criteria} ({@code name, code, description,
 * subcriteria, max_tokens}), each pair one query whose JSON answer is read through {@code
 * output_mapping} ({@code key: {suffix, type, values}}) into fields {@code
 * <case>_<criterion>_<suffix>}.
 */
public record MultiQuery(
    List<CaseStudy> caseStudies,
    List<Criterion> criteria,
    Map<String, OutputField> outputMapping,
    String responseFormat)
    implements Serializable {

  public static final List<String> TYPES =
      List.of("string", "integer", "number", "boolean", "enum");

  /** One case study: which row fields feed the template as {@code input_1..N}. */
  public record CaseStudy(
      String name, List<String> inputFields, @Nullable String context, @Nullable String description)
      implements Serializable {
    Map<String, Object> asVariable() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", name);
      m.put("input_fields", inputFields);
      m.put("context", context);
      m.put("description", description);
      return m;
    }
  }

  /** One criterion the case studies are assessed on. */
  public record Criterion(
      String name,
      @Nullable String code,
      @Nullable String description,
      List<String> subcriteria,
      @Nullable Integer maxTokens)
      implements Serializable {
    Map<String, Object> asVariable() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", name);
      m.put("code", code);
      m.put("description", description);
      m.put("subcriteria", subcriteria);
      return m;
    }
  }

  /** How one key of the JSON answer becomes a field. */
  public record OutputField(String suffix, String type, List<String> values)
      implements Serializable {}

  public static List<OptionSpec> options() {
    return List.of(
        OptionSpec.optional(
            "case_studies",
            OptionType.ANY,
            null,
            "list of {name, input_fields, context, description} (required unless queries)"),
        OptionSpec.optional(
            "criteria",
            OptionType.ANY,
            null,
            "list of {name, code, description, subcriteria, max_tokens} (required unless"
                + " queries)"),
        OptionSpec.optional(
            "output_mapping",
            OptionType.OBJECT,
            null,
            "JSON key -> {suffix, type: string|integer|number|boolean|enum, values} (required"
                + " unless queries)"),
        OptionSpec.optional(
            "queries",
            OptionType.ANY,
            null,
            "ELSPETH's named queries instead of case_studies x criteria: {name: {input_fields,"
                + " template, output_fields, response_format, max_tokens}}"),
        OptionSpec.oneOf(
            "response_format",
            "standard",
            List.of("standard", "structured"),
            "standard: JSON mode (json_object); structured: a strict JSON schema of the"
                + " output_mapping sent, answers held to it"));
  }

  /** Whether the options give ELSPETH's named {@code queries} (parsed by {@link NamedQueries}). */
  public static boolean named(PluginOptions o) {
    return o.asMap().get("queries") != null;
  }

  /**
   * Parses the options, adding a message per problem to {@code problems}: the case studies ×
   * criteria form, or, with {@code queries}, checks that none of its keys is given too (then
   * returns null; read the queries with {@link NamedQueries#parse}).
   */
  public static @Nullable MultiQuery parse(PluginOptions o, List<String> problems) {
    int before = problems.size();
    if (named(o)) {
      for (String key : List.of("case_studies", "criteria", "output_mapping")) {
        if (o.asMap().get(key) != null) {
          problems.add(
              key
                  + ": give either queries (named queries) or case_studies, criteria"
                  + " and output_mapping, not both");
        }
      }
      return null;
    }
    for (String key : List.of("case_studies", "criteria", "output_mapping")) {
      if (o.asMap().get(key) == null) {
        problems.add(key + ": required (or give queries, ELSPETH's named queries)");
      }
    }
    if (problems.size() > before) {
      return null;
    }
    List<CaseStudy> cases = new ArrayList<>();
    List<Map<String, Object>> rawCases =
        maps(o.asMap().get("case_studies"), "case_studies", problems);
    for (int i = 0; i < rawCases.size(); i++) {
      Map<String, Object> c = rawCases.get(i);
      String p = "case_studies[" + i + "]";
      String name = string(c, "name", p, problems, true);
      List<String> inputs = strings(c.get("input_fields"));
      if (inputs.isEmpty()) {
        problems.add(p + ".input_fields: expected a non-empty list of field names");
      }
      String context = string(c, "context", p, problems, false);
      String description = string(c, "description", p, problems, false);
      // Without a name there is a problem already, and no MultiQuery is returned.
      if (name != null) {
        cases.add(new CaseStudy(name, inputs, context, description));
      }
    }
    List<Criterion> criteria = new ArrayList<>();
    List<Map<String, Object>> rawCriteria = maps(o.asMap().get("criteria"), "criteria", problems);
    for (int i = 0; i < rawCriteria.size(); i++) {
      Map<String, Object> c = rawCriteria.get(i);
      String p = "criteria[" + i + "]";
      Object max = c.get("max_tokens");
      if (max != null && !(max instanceof Long || max instanceof Integer)) {
        problems.add(p + ".max_tokens: expected an integer");
      }
      String name = string(c, "name", p, problems, true);
      String code = string(c, "code", p, problems, false);
      String description = string(c, "description", p, problems, false);
      // Without a name there is a problem already, and no MultiQuery is returned.
      if (name != null) {
        criteria.add(
            new Criterion(
                name,
                code,
                description,
                strings(c.get("subcriteria")),
                max instanceof Number n ? n.intValue() : null));
      }
    }
    Map<String, OutputField> mapping = new LinkedHashMap<>();
    o.map("output_mapping")
        .forEach(
            (key, spec) -> {
              String p = "output_mapping." + key;
              if (!(spec instanceof Map<?, ?> m)) {
                problems.add(p + ": expected {suffix, type, values}");
                return;
              }
              Object suffix = m.get("suffix");
              Object type = m.get("type") == null ? "string" : m.get("type");
              if (!(suffix instanceof String s) || s.isBlank()) {
                problems.add(p + ".suffix: required (a string)");
                return;
              }
              if (!TYPES.contains(type)) {
                problems.add(p + ".type: expected one of " + TYPES + ", got " + type);
                return;
              }
              List<String> values = strings(m.get("values"));
              if (type.equals("enum") && values.isEmpty()) {
                problems.add(p + ".values: required for type enum (the allowed strings)");
              }
              mapping.put(key, new OutputField(s, type.toString(), values));
            });
    if (mapping.isEmpty()) {
      problems.add("output_mapping: expected at least one key");
    }
    if (cases.isEmpty() && rawCases.isEmpty()) {
      problems.add("case_studies: expected at least one case study");
    }
    if (criteria.isEmpty() && rawCriteria.isEmpty()) {
      problems.add("criteria: expected at least one criterion");
    }
    return problems.size() > before
        ? null
        : new MultiQuery(cases, criteria, mapping, o.requiredString("response_format"));
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> maps(
      @Nullable Object raw, String path, List<String> problems) {
    List<Map<String, Object>> out = new ArrayList<>();
    if (!(raw instanceof List<?> list)) {
      problems.add(path + ": expected a list of mappings");
      return out;
    }
    for (int i = 0; i < list.size(); i++) {
      if (list.get(i) instanceof Map<?, ?> m) {
        out.add((Map<String, Object>) m);
      } else {
        problems.add(path + "[" + i + "]: expected a mapping");
      }
    }
    return out;
  }

  private static @Nullable String string(
      Map<String, Object> m, String key, String path, List<String> problems, boolean required) {
    Object v = m.get(key);
    if (v == null) {
      if (required) {
        problems.add(path + "." + key + ": required (a string)");
      }
      return null;
    }
    if (!(v instanceof String s)) {
      problems.add(path + "." + key + ": expected a string");
      return null;
    }
    return s;
  }

  private static List<String> strings(@Nullable Object raw) {
    List<String> out = new ArrayList<>();
    if (raw instanceof List<?> l) {
      l.forEach(x -> out.add(String.valueOf(x)));
    } else if (raw instanceof String s) {
      out.add(s);
    }
    return out;
  }

  /** Whether answers are held to the schema by the service ({@code structured}). */
  public boolean structured() {
    return "structured".equals(responseFormat);
  }

  /**
   * The JSON Schema of one answer (ELSPETH's {@code build_json_schema}): every mapped key required
   * with its type ({@code enum}: a string from {@code values}), nothing else allowed.
   */
  public Map<String, Object> answerSchema() {
    Map<String, Object> properties = new LinkedHashMap<>();
    outputMapping.forEach((key, f) -> properties.put(key, jsonType(f.type(), f.values())));
    Map<String, Object> schema = new LinkedHashMap<>();
    schema.put("type", "object");
    schema.put("properties", properties);
    schema.put("required", new ArrayList<>(outputMapping.keySet()));
    schema.put("additionalProperties", false);
    return schema;
  }

  /** The JSON Schema of one output field: its type; an enum is a string from {@code values}. */
  static Map<String, Object> jsonType(String type, List<String> values) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("type", type.equals("enum") ? "string" : type);
    if (type.equals("enum")) {
      p.put("enum", values);
    }
    return p;
  }

  /**
   * The {@code response_format} each query sends: {@code json_object} (standard), or a strict
   * {@code json_schema} named {@code query_response} of {@link #answerSchema()} (structured).
   */
  public Map<String, Object> requestFormat() {
    return structured()
        ? AuditedLlmClient.ChatRequest.jsonSchema("query_response", answerSchema())
        : AuditedLlmClient.ChatRequest.JSON_OBJECT;
  }

  /**
   * The problems of one parsed answer: a mapped key missing or of the wrong type; with {@code
   * structured}, also a key the schema does not allow. Empty when the answer is valid.
   */
  public List<String> answerProblems(Map<?, ?> answer) {
    List<String> problems = new ArrayList<>();
    outputMapping.forEach((key, f) -> check(f, answer.get(key), key, problems));
    if (structured()) {
      for (Object key : answer.keySet()) {
        if (!outputMapping.containsKey(String.valueOf(key))) {
          problems.add(key + ": not in the response schema (additionalProperties: false)");
        }
      }
    }
    return problems;
  }

  /** The value of one mapped key, checked against its type; null with a problem when wrong. */
  static @Nullable Object check(
      OutputField f, @Nullable Object value, String key, List<String> problems) {
    boolean ok =
        switch (f.type()) {
          case "string" -> value instanceof String;
          case "integer" -> value instanceof Long || value instanceof Integer;
          case "number" -> value instanceof Number;
          case "boolean" -> value instanceof Boolean;
          case "enum" -> value instanceof String s && f.values().contains(s);
          default -> false;
        };
    if (!ok) {
      problems.add(
          key
              + ": expected "
              + (f.type().equals("enum") ? "one of " + f.values() : f.type())
              + ", got "
              + (value == null ? "nothing" : value));
      return null;
    }
    return value instanceof Integer i ? Long.valueOf(i) : value;
  }
}

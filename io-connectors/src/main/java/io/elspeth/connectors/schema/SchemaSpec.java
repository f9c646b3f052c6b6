package io.elspeth.connectors.schema;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The {@code schema} option shared by every data plugin: a {@link Mode} plus the declared fields.
 *
 * <p>Settings forms accepted by {@link #parse(JsonNode)}:
 *
 * <ul>
 *   <li>{@code {mode: dynamic|strict|free, fields: ["name: type", "other: type?", ...]}}; list
 *       items may also be single-key mappings {@code {name: type}} (what YAML makes of an unquoted
 *       {@code - id: int});
 *   <li>{@code {mode: strict|free, fields: {name: type, ...}}};
 *   <li>{@code {fields: dynamic}} (the same as {@code {mode: dynamic}}).
 * </ul>
 *
 * <p>Later reference versions call the modes {@code observed}, {@code fixed} and {@code flexible};
 * those names are accepted too. Their extra keys {@code required_fields}, {@code guaranteed_fields}
 * and {@code audit_fields} (field contracts used when checking the pipeline graph, not rows) are
 * checked to be lists of strings and otherwise ignored here; any other key is a problem.
 *
 * @param mode how rows are checked against {@code fields}
 * @param fields the declared fields in declaration order (may be empty for {@link Mode#DYNAMIC})
 */
public record SchemaSpec(Mode mode, List<FieldSpec> fields) implements Serializable {

  private static final long serialVersionUID = 1L;

  private static final String TYPE_HINT =
      "(expected one of int, float, str, bool, any, optionally followed by ?)";
  private static final String MODE_HINT = "(expected one of dynamic, strict, free)";
  private static final Set<String> CONTRACT_KEYS =
      Set.of("required_fields", "guaranteed_fields", "audit_fields");

  /** How a schema treats rows. */
  public enum Mode {
    /** Any row is accepted unchanged; declared fields, if any, are informational. */
    DYNAMIC,
    /** Rows must have exactly the declared fields. */
    STRICT,
    /** Rows must have at least the declared fields; extra fields are kept unchanged. */
    FREE;

    /** The name used in settings files: {@code "dynamic"}, {@code "strict"} or {@code "free"}. */
    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Looks up a mode by its settings-file name, also accepting the later reference names {@code
     * observed} (dynamic), {@code fixed} (strict) and {@code flexible} (free).
     *
     * @return the mode, or {@code null} when the name is unknown
     */
    public static @Nullable Mode fromConfigName(String name) {
      switch (name) {
        case "dynamic":
        case "observed":
          return DYNAMIC;
        case "strict":
        case "fixed":
          return STRICT;
        case "free":
        case "flexible":
          return FREE;
        default:
          return null;
      }
    }
  }

  /**
   * The outcome of {@link #parse(JsonNode)}: a spec when the option is valid, otherwise the list of
   * problems.
   *
   * @param spec the parsed schema, or {@code null} when there are problems
   * @param problems human-readable problems, each starting with a key path relative to the {@code
   *     schema} option (e.g. {@code "fields[1]: unknown type 'integer' ..."}); problems about the
   *     option as a whole have no path. Empty when {@code spec} is present.
   */
  public record ParseResult(@Nullable SchemaSpec spec, List<String> problems) {
    /** Copies the problem list. */
    public ParseResult {
      problems = List.copyOf(problems);
    }

    /** Whether parsing produced a spec (no problems). */
    public boolean isValid() {
      return spec != null && problems.isEmpty();
    }
  }

  /** Checks for nulls and duplicate field names and makes the field list immutable. */
  public SchemaSpec {
    Objects.requireNonNull(mode, "mode");
    fields = List.copyOf(fields);
    Set<String> seen = new HashSet<>();
    for (FieldSpec field : fields) {
      if (!seen.add(field.name())) {
        throw new IllegalArgumentException("duplicate field name '" + field.name() + "'");
      }
    }
  }

  /** A dynamic schema without declared fields: every row is accepted unchanged. */
  public static SchemaSpec dynamic() {
    return new SchemaSpec(Mode.DYNAMIC, List.of());
  }

  /** Whether this schema accepts any row unchanged. */
  public boolean isDynamic() {
    return mode == Mode.DYNAMIC;
  }

  /** Whether rows may carry fields that are not declared (dynamic and free schemas). */
  public boolean allowsExtraFields() {
    return mode != Mode.STRICT;
  }

  /** The declared field names in declaration order. */
  public List<String> fieldNames() {
    List<String> names = new ArrayList<>(fields.size());
    for (FieldSpec field : fields) {
      names.add(field.name());
    }
    return List.copyOf(names);
  }

  /**
   * A plain-data form of this schema for recording in the audit trail: {@code {"mode": "strict",
   * "fields": [{"name": "id", "type": "int", "required": true}, ...]}}; for a dynamic schema
   * without fields, {@code "fields"} is {@code null}.
   */
  public Map<String, @Nullable Object> toConfig() {
    Map<String, @Nullable Object> config = new LinkedHashMap<>();
    config.put("mode", mode.configName());
    if (isDynamic() && fields.isEmpty()) {
      config.put("fields", null);
    } else {
      List<Map<String, Object>> list = new ArrayList<>();
      for (FieldSpec field : fields) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("name", field.name());
        entry.put("type", field.type().configName());
        entry.put("required", field.required());
        list.add(entry);
      }
      config.put("fields", list);
    }
    return config;
  }

  /**
   * Parses a {@code schema} option. Never throws for bad input: every problem found is reported in
   * the result, with its key path relative to the option.
   *
   * @param node the option value; {@code null} or a missing node is reported as a problem
   */
  public static ParseResult parse(@Nullable JsonNode node) {
    List<String> problems = new ArrayList<>();
    if (node == null || node.isMissingNode() || node.isNull()) {
      problems.add(
          "schema is required: give {fields: dynamic} to accept any row, or {mode: strict|free,"
              + " fields: [\"name: type\", ...]}");
      return new ParseResult(null, problems);
    }
    if (!node.isObject()) {
      problems.add("expected a mapping with 'fields' (and 'mode'), got " + describeNode(node));
      return new ParseResult(null, problems);
    }

    for (Map.Entry<String, JsonNode> property : node.properties()) {
      String key = property.getKey();
      if (key.equals("mode") || key.equals("fields")) {
        continue;
      }
      if (CONTRACT_KEYS.contains(key)) {
        checkStringList(property.getValue(), key, problems);
      } else {
        problems.add(key + ": unknown schema option (expected mode, fields)");
      }
    }

    Mode mode = null;
    boolean modeGiven = node.has("mode");
    if (modeGiven) {
      JsonNode modeNode = node.get("mode");
      if (!modeNode.isTextual()) {
        problems.add("mode: expected a string " + MODE_HINT + ", got " + describeNode(modeNode));
      } else {
        mode = Mode.fromConfigName(modeNode.asText());
        if (mode == null) {
          problems.add("mode: unknown mode '" + modeNode.asText() + "' " + MODE_HINT);
        }
      }
    }

    JsonNode fieldsNode = node.get("fields");
    List<FieldSpec> fields = new ArrayList<>();
    if (fieldsNode == null) {
      if (!modeGiven) {
        problems.add(
            "fields: required (use 'fields: dynamic' to accept any row, or list the fields with a"
                + " mode)");
      } else if (mode != null && mode != Mode.DYNAMIC) {
        problems.add("fields: required for mode '" + mode.configName() + "'");
      }
    } else if (fieldsNode.isTextual()) {
      if (!fieldsNode.asText().equals("dynamic")) {
        problems.add(
            "fields: expected 'dynamic', a list of 'name: type' strings or a mapping of name to"
                + " type, got '"
                + fieldsNode.asText()
                + "'");
      } else if (mode != null && mode != Mode.DYNAMIC) {
        problems.add("fields: 'dynamic' cannot be combined with mode '" + mode.configName() + "'");
      } else if (!modeGiven) {
        mode = Mode.DYNAMIC;
      }
    } else if (fieldsNode.isArray()) {
      parseFieldList(fieldsNode, fields, problems);
      requireModeForFields(modeGiven, mode, fieldsNode.size(), problems);
    } else if (fieldsNode.isObject()) {
      parseFieldMap(fieldsNode, fields, problems);
      requireModeForFields(modeGiven, mode, fieldsNode.size(), problems);
    } else {
      problems.add(
          "fields: expected 'dynamic', a list of 'name: type' strings or a mapping of name to"
              + " type, got "
              + describeNode(fieldsNode));
    }

    if (!problems.isEmpty() || mode == null) {
      return new ParseResult(null, problems);
    }
    return new ParseResult(new SchemaSpec(mode, fields), List.of());
  }

  private static void requireModeForFields(
      boolean modeGiven, @Nullable Mode mode, int count, List<String> problems) {
    if (!modeGiven) {
      problems.add("mode: required when fields are listed " + MODE_HINT);
    } else if (mode != null && mode != Mode.DYNAMIC && count == 0) {
      problems.add(
          "fields: must declare at least one field for mode '"
              + mode.configName()
              + "' (use 'fields: dynamic' to accept any row)");
    }
  }

  private static void parseFieldList(JsonNode list, List<FieldSpec> out, List<String> problems) {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      JsonNode item = list.get(i);
      String path = "fields[" + i + "]";
      FieldSpec spec;
      if (item.isTextual()) {
        spec = parseFieldString(item.asText(), path, problems);
      } else if (item.isObject() && item.size() == 1) {
        Map.Entry<String, JsonNode> entry = item.properties().iterator().next();
        if (!entry.getValue().isTextual()) {
          problems.add(
              path
                  + ": type of '"
                  + entry.getKey()
                  + "' must be a string "
                  + TYPE_HINT
                  + ", got "
                  + describeNode(entry.getValue()));
          continue;
        }
        spec =
            parseNameAndType(
                entry.getKey().strip(), entry.getValue().asText().strip(), path, problems);
      } else {
        problems.add(
            path
                + ": expected a string like 'name: type' or a single-key mapping {name: type}, got "
                + describeNode(item));
        continue;
      }
      addUnique(spec, path, seen, out, problems);
    }
  }

  private static void parseFieldMap(JsonNode map, List<FieldSpec> out, List<String> problems) {
    Set<String> seen = new HashSet<>();
    for (Map.Entry<String, JsonNode> entry : map.properties()) {
      String path = "fields." + entry.getKey();
      if (!entry.getValue().isTextual()) {
        problems.add(
            path
                + ": expected a type name "
                + TYPE_HINT
                + ", got "
                + describeNode(entry.getValue()));
        continue;
      }
      FieldSpec spec =
          parseNameAndType(
              entry.getKey().strip(), entry.getValue().asText().strip(), path, problems);
      addUnique(spec, path, seen, out, problems);
    }
  }

  private static void addUnique(
      @Nullable FieldSpec spec,
      String path,
      Set<String> seen,
      List<FieldSpec> out,
      List<String> problems) {
    if (spec == null) {
      return;
    }
    if (!seen.add(spec.name())) {
      problems.add(path + ": duplicate field name '" + spec.name() + "'");
      return;
    }
    out.add(spec);
  }

  private static @Nullable FieldSpec parseFieldString(
      String text, String path, List<String> problems) {
    String spec = text.strip();
    int colon = spec.indexOf(':');
    if (colon < 0) {
      problems.add(
          path + ": invalid field spec '" + spec + "' (expected 'name: type' or 'name: type?')");
      return null;
    }
    return parseNameAndType(
        spec.substring(0, colon).strip(), spec.substring(colon + 1).strip(), path, problems);
  }

  private static @Nullable FieldSpec parseNameAndType(
      String name, String typeText, String path, List<String> problems) {
    boolean ok = true;
    if (!FieldSpec.isIdentifier(name)) {
      problems.add(
          path
              + ": invalid field name '"
              + name
              + "' (expected letters, digits and _, not starting with a digit)");
      ok = false;
    }
    boolean optional = typeText.endsWith("?");
    String typeName = optional ? typeText.substring(0, typeText.length() - 1) : typeText;
    FieldType type = FieldType.fromConfigName(typeName);
    if (typeName.isEmpty()) {
      problems.add(path + ": missing type for field '" + name + "' " + TYPE_HINT);
      ok = false;
    } else if (type == null) {
      problems.add(path + ": unknown type '" + typeName + "' " + TYPE_HINT);
      ok = false;
    }
    if (!ok || type == null) {
      return null;
    }
    return new FieldSpec(name, type, !optional);
  }

  private static void checkStringList(JsonNode value, String key, List<String> problems) {
    if (!value.isArray()) {
      problems.add(key + ": expected a list of field names, got " + describeNode(value));
      return;
    }
    for (int i = 0; i < value.size(); i++) {
      if (!value.get(i).isTextual()) {
        problems.add(key + "[" + i + "]: expected a field name, got " + describeNode(value.get(i)));
      }
    }
  }

  private static String describeNode(JsonNode node) {
    if (node.isTextual()) {
      return "the string '" + node.asText() + "'";
    }
    if (node.isNull()) {
      return "null";
    }
    if (node.isBoolean()) {
      return "a boolean";
    }
    if (node.isNumber()) {
      return "a number";
    }
    if (node.isArray()) {
      return "a list";
    }
    if (node.isObject()) {
      return "a mapping";
    }
    return node.getNodeType().toString().toLowerCase(Locale.ROOT);
  }
}

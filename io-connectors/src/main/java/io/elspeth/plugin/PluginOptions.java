package io.elspeth.plugin;

import io.elspeth.connectors.schema.SchemaSpec;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A plugin's options after validation, with defaults applied. Values are plain JSON values (String,
 * Long, Double, Boolean, List, Map); the typed getters trust that validation checked the types, and
 * fail loudly if a plugin asks for an option it did not declare.
 */
public final class PluginOptions implements Serializable {
  private final Map<String, Object> values;
  private final @Nullable SchemaSpec schema;

  public PluginOptions(Map<String, Object> values, @Nullable SchemaSpec schema) {
    this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    this.schema = schema;
  }

  public Map<String, Object> asMap() {
    return values;
  }

  public boolean has(String name) {
    return values.get(name) != null;
  }

  public @Nullable String string(String name) {
    Object v = values.get(name);
    return v == null ? null : v.toString();
  }

  public String requiredString(String name) {
    String v = string(name);
    if (v == null) {
      throw new IllegalStateException(
          "option '" + name + "' was validated as required (or has a default)");
    }
    return v;
  }

  public long integer(String name, long fallback) {
    Object v = values.get(name);
    return v instanceof Number n ? n.longValue() : fallback;
  }

  public boolean bool(String name, boolean fallback) {
    Object v = values.get(name);
    return v instanceof Boolean b ? b : fallback;
  }

  /** A list of strings; a single string option value is a list of one. */
  public List<String> strings(String name) {
    Object v = values.get(name);
    if (v == null) {
      return List.of();
    }
    if (v instanceof List<?> list) {
      List<String> out = new ArrayList<>();
      list.forEach(o -> out.add(String.valueOf(o)));
      return out;
    }
    return List.of(v.toString());
  }

  @SuppressWarnings("unchecked")
  public Map<String, Object> map(String name) {
    Object v = values.get(name);
    return v instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  /** The declared schema, or dynamic when the plugin has none. */
  public SchemaSpec schema() {
    return schema == null ? SchemaSpec.dynamic() : schema;
  }
}

package io.elspeth.audit.export;

import io.elspeth.audit.lineage.AuditIntegrityException;
import io.elspeth.audit.canonical.PythonRepr;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Turns export records into the rows of ELSPETH's CSV export (spec/landscape.md §7.3): records are
 * grouped by {@code record_type} in export order, each record is flattened with dot notation
 * ({@code settings.source.plugin}), lists become JSON text as Python's {@code json.dumps} writes
 * it, and every row of a group carries the sorted union of the group's keys (absent: null).
 */
public final class ExportFlattener {
  private ExportFlattener() {}

  /**
   * The records grouped by record type, in the order the types first appear, each group's rows
   * flattened and keyed by the sorted union of its keys.
   *
   * @throws AuditIntegrityException when two keys flatten to the same name, or a number is NaN
   *     or infinite
   */
  public static Map<String, List<Map<String, Object>>> csvRows(
      List<Map<String, Object>> records) {
    Map<String, List<Map<String, Object>>> grouped = new LinkedHashMap<>();
    for (Map<String, Object> r : records) {
      grouped.computeIfAbsent(String.valueOf(r.get("record_type")), k -> new ArrayList<>())
          .add(flatten(r));
    }
    Map<String, List<Map<String, Object>>> out = new LinkedHashMap<>();
    grouped.forEach((type, rows) -> {
      TreeSet<String> keys = new TreeSet<>();
      rows.forEach(r -> keys.addAll(r.keySet()));
      List<Map<String, Object>> aligned = new ArrayList<>(rows.size());
      for (Map<String, Object> r : rows) {
        Map<String, Object> row = new LinkedHashMap<>();
        keys.forEach(k -> row.put(k, r.get(k)));
        aligned.add(row);
      }
      out.put(type, aligned);
    });
    return out;
  }

  /** One record flattened: nested maps to dotted keys, lists to JSON text. */
  public static Map<String, Object> flatten(Map<String, Object> record) {
    Map<String, Object> out = new LinkedHashMap<>();
    flatten(record, "", out);
    return out;
  }

  private static void flatten(Map<?, ?> record, String prefix, Map<String, Object> out) {
    for (Map.Entry<?, ?> e : record.entrySet()) {
      String key = prefix.isEmpty() ? String.valueOf(e.getKey()) : prefix + "." + e.getKey();
      Object value = e.getValue();
      if (value instanceof Map<?, ?> nested) {
        flatten(nested, key, out);
        continue;
      }
      checkFinite(value, key);
      Object flat = value instanceof List<?> list ? pythonJson(list, key) : value;
      if (out.containsKey(key)) {
        throw new AuditIntegrityException("CSV export: the key '" + key + "' occurs twice once"
            + " nested fields are flattened with dots; export as json instead");
      }
      out.put(key, flat);
    }
  }

  private static String pythonJson(List<?> list, String key) {
    checkFiniteDeep(list, key);
    return PythonRepr.json(list);
  }

  private static void checkFiniteDeep(@Nullable Object value, String key) {
    if (value instanceof List<?> l) {
      l.forEach(v -> checkFiniteDeep(v, key));
    } else if (value instanceof Map<?, ?> m) {
      m.values().forEach(v -> checkFiniteDeep(v, key));
    } else {
      checkFinite(value, key);
    }
  }

  private static void checkFinite(@Nullable Object value, String key) {
    if ((value instanceof Double d && !Double.isFinite(d))
        || (value instanceof Float f && !Float.isFinite(f))) {
      throw new AuditIntegrityException("CSV export: " + key + " is " + value
          + "; NaN and infinity are not allowed in audit data");
    }
  }
}

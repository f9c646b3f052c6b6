package io.elspeth.audit.export;

import io.elspeth.audit.canonical.PythonRepr;
import io.elspeth.audit.lineage.AuditIntegrityException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Flattens an export record into a row of ELSPETH's CSV export (spec/landscape.md §7.3): nested
 * maps with dot notation ({@code settings.source.plugin}), lists as JSON text as Python's {@code
 * json.dumps} writes it. {@link CsvExportGroups} groups the rows by record type.
 */
public final class ExportFlattener {
  private ExportFlattener() {}

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
        throw new AuditIntegrityException(
            "CSV export: the key '"
                + key
                + "' occurs twice once"
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
      throw new AuditIntegrityException(
          "CSV export: "
              + key
              + " is "
              + value
              + "; NaN and infinity are not allowed in audit data");
    }
  }
}

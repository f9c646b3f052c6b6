package io.elspeth.transforms.gate.expression;

import static io.elspeth.transforms.gate.expression.PythonNumbers.isInteger;
import static io.elspeth.transforms.gate.expression.PythonNumbers.isNumber;
import static io.elspeth.transforms.gate.expression.PythonValues.normalize;
import static io.elspeth.transforms.gate.expression.PythonValues.typeName;

import io.elspeth.transforms.gate.expression.PythonValues.Failure;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Python's access to and building of containers over row values (see {@link PythonValues}):
 * subscripts and {@code dict.get} with dict key lookup by Python equality, and dict and set
 * displays, whose keys and elements must be hashable.
 */
final class PythonContainers {
  /** Returned by {@link #lookup} when the key is absent. */
  static final Object MISSING = new Object();

  private PythonContainers() {}

  /**
   * Python {@code target[index]} on a dict, list or str; row lookups get a field-specific message.
   */
  static @Nullable Object subscript(
      @Nullable Object target,
      @Nullable Object index,
      boolean targetIsRow,
      EvaluationBudget budget) {
    Object t = normalize(target);
    Object i = normalize(index);
    if (t instanceof Map) {
      requireHashable(i);
      Object value = lookup((Map<?, ?>) t, i, budget);
      if (value == MISSING) {
        throw new Failure(
            targetIsRow
                ? "KeyError: row has no field "
                    + PythonValues.repr(i)
                    + " (use row.get("
                    + PythonValues.repr(i)
                    + ") if the field is optional)"
                : "KeyError: key " + PythonValues.repr(i) + " not found");
      }
      return normalize(value);
    }
    if (t instanceof List) {
      List<?> list = (List<?>) t;
      return normalize(list.get(sequenceIndex(i, list.size(), "list")));
    }
    if (t instanceof String) {
      String s = (String) t;
      int offset =
          s.offsetByCodePoints(0, sequenceIndex(i, s.codePointCount(0, s.length()), "string"));
      return new String(Character.toChars(s.codePointAt(offset)));
    }
    throw new Failure("TypeError: '" + typeName(t) + "' object is not subscriptable");
  }

  /** Python {@code dict.get(key, default)}. */
  static @Nullable Object get(
      Map<?, ?> row, @Nullable Object key, @Nullable Object fallback, EvaluationBudget budget) {
    Object k = normalize(key);
    requireHashable(k);
    Object value = lookup(row, k, budget);
    return value == MISSING ? fallback : normalize(value);
  }

  private static int sequenceIndex(@Nullable Object index, int size, String kind) {
    if (!isInteger(index)) {
      throw new Failure("TypeError: " + kind + " indices must be integers, not " + typeName(index));
    }
    Long small = PythonNumbers.asLongOrNull(index);
    if (small == null) {
      throw new Failure(
          "IndexError: " + kind + " index " + index + " out of range (length " + size + ")");
    }
    long i = small;
    long resolved = i < 0 ? i + size : i;
    if (resolved < 0 || resolved >= size) {
      throw new Failure(
          "IndexError: " + kind + " index " + i + " out of range (length " + size + ")");
    }
    return (int) resolved;
  }

  static void requireHashable(@Nullable Object key) {
    if (key instanceof Collection || key instanceof Map) {
      throw new Failure("TypeError: unhashable type: '" + typeName(key) + "'");
    }
  }

  /**
   * Looks a key up as a Python dict would: by Java equality first, then, for numeric keys, by
   * Python numeric equality (so {@code 1}, {@code 1.0} and {@code True} find the same entry).
   *
   * @return the value ({@code null} for {@code None}), or {@link #MISSING}
   */
  static @Nullable Object lookup(Map<?, ?> map, @Nullable Object key, EvaluationBudget budget) {
    try {
      if (map.containsKey(key)) {
        return map.get(key);
      }
    } catch (NullPointerException | ClassCastException e) {
      // The map does not support this key type (e.g. null in an immutable map); scan instead.
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        if (PythonComparisons.pyEquals(entry.getKey(), key, budget)) {
          return entry.getValue();
        }
      }
      return MISSING;
    }
    if (isNumber(key)) {
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        Object candidate = normalize(entry.getKey());
        if (isNumber(candidate) && PythonComparisons.pyEquals(candidate, key, budget)) {
          return entry.getValue();
        }
      }
    }
    return MISSING;
  }

  /**
   * A dict display: keys must be hashable; a repeated key (by Python equality, so {@code 1}, {@code
   * 1.0} and {@code True} are one key) keeps its first position and takes the last value.
   */
  static Map<Object, Object> dict(List<Object> keys, List<Object> values, EvaluationBudget budget) {
    Map<Object, Object> map = new LinkedHashMap<>();
    for (int i = 0; i < keys.size(); i++) {
      Object key = normalize(keys.get(i));
      requireHashable(key);
      Object existing = MISSING;
      for (Object candidate : map.keySet()) {
        if (PythonComparisons.pyEquals(candidate, key, budget)) {
          existing = candidate;
          break;
        }
      }
      map.put(existing == MISSING ? key : existing, values.get(i));
    }
    return Collections.unmodifiableMap(map);
  }

  /** A set display: elements must be hashable; equal elements (by Python equality) count once. */
  static Set<Object> set(List<Object> elements, EvaluationBudget budget) {
    Set<Object> set = new LinkedHashSet<>();
    for (Object element : elements) {
      Object e = normalize(element);
      requireHashable(e);
      boolean present = false;
      for (Object candidate : set) {
        if (PythonComparisons.pyEquals(candidate, e, budget)) {
          present = true;
          break;
        }
      }
      if (!present) {
        set.add(e);
      }
    }
    return Collections.unmodifiableSet(set);
  }
}

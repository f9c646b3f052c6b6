package io.elspeth.connectors.schema;

import java.io.Serializable;
import java.math.BigInteger;
import java.time.temporal.Temporal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The fields ELSPETH infers for a {@code flexible} or {@code observed} source from its first valid
 * row ({@code ContractBuilder.process_first_row}): every field of that row the schema does not
 * declare, with the Python type of its value there ({@code normalize_type_for_contract}: {@code
 * int}, {@code float}, {@code bool}, {@code str}, {@code NoneType} for null, {@code datetime}, and
 * {@code object} for anything else, such as a nested object or list). The contract is locked after
 * that row: a later row whose value of an inferred field is not null and of another type is
 * invalid. A {@code fixed} schema infers nothing (its contract is locked from the start).
 *
 * @param types inferred field name → Python type name, in the first row's order
 * @param originalNames a field's name in rows → its name at the source (a CSV header before
 *     normalization or {@code field_mapping}); only the fields the source renamed
 */
public record InferredFields(Map<String, String> types, Map<String, String> originalNames)
    implements Serializable {
  public InferredFields {
    types = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(types));
    originalNames = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(originalNames));
  }

  /** Nothing inferred: a fixed schema, or no valid row. */
  public static InferredFields none() {
    return new InferredFields(Map.of(), Map.of());
  }

  /** The name field {@code name} had at the source. */
  public String originalName(String name) {
    return originalNames.getOrDefault(name, name);
  }

  /**
   * The fields {@code schema} infers from {@code firstValidRow} (null: the source had none), the
   * source having renamed fields as {@code resolution} says (original name → name in rows).
   */
  public static InferredFields of(
      SchemaSpec schema,
      @Nullable Map<String, Object> firstValidRow,
      Map<String, String> resolution) {
    Map<String, String> originals = new LinkedHashMap<>();
    resolution.forEach(
        (original, name) -> {
          if (!original.equals(name)) {
            originals.put(name, original);
          }
        });
    if (firstValidRow == null || schema.mode() == SchemaSpec.Mode.STRICT) {
      return new InferredFields(Map.of(), originals);
    }
    Set<String> declared = new HashSet<>();
    schema.fields().forEach(f -> declared.add(f.name()));
    Map<String, String> types = new LinkedHashMap<>();
    firstValidRow.forEach(
        (name, value) -> {
          if (!declared.contains(name)) {
            types.put(name, pythonType(value));
          }
        });
    return new InferredFields(types, originals);
  }

  /** ELSPETH's contract type of a row value (Python's type of the value as ELSPETH reads it). */
  public static String pythonType(@Nullable Object value) {
    if (value == null) {
      return "NoneType";
    }
    if (value instanceof Boolean) {
      return "bool";
    }
    if (value instanceof Long
        || value instanceof Integer
        || value instanceof Short
        || value instanceof Byte
        || value instanceof BigInteger) {
      return "int";
    }
    if (value instanceof Double || value instanceof Float) {
      return "float";
    }
    if (value instanceof CharSequence) {
      return "str";
    }
    if (value instanceof Temporal) {
      return "datetime";
    }
    // Python's Decimal, dict, list...: ELSPETH maps types it has no contract type for to object.
    return "object";
  }

  /**
   * Why {@code row} breaks the locked contract, as ELSPETH's {@code TypeMismatchViolation}s say it
   * ({@code Field 'x' (x) expected type 'int', got 'str'}, joined by {@code "; "}); null when it
   * does not. A missing or null inferred field is allowed (inferred fields are not required), and
   * an {@code object} field takes any value.
   */
  public @Nullable String problem(Map<String, Object> row) {
    List<String> violations = new ArrayList<>();
    types.forEach(
        (name, expected) -> {
          Object value = row.get(name);
          // As ELSPETH: object (any) takes every value, and an inferred field may be null.
          if (value == null || expected.equals("object")) {
            return;
          }
          String actual = pythonType(value);
          if (!actual.equals(expected)) {
            violations.add(
                "Field '"
                    + originalName(name)
                    + "' ("
                    + name
                    + ") expected type '"
                    + expected
                    + "', got '"
                    + actual
                    + "'");
          }
        });
    return violations.isEmpty() ? null : String.join("; ", violations);
  }
}

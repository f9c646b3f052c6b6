package io.elspeth.connectors.schema;

import java.io.Serializable;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Checks and coerces source rows against a {@link SchemaSpec}: the Tier-3 (external data) boundary
 * where values from files are turned into typed row values, or the row is rejected with {@link
 * Violation}s.
 *
 * <p>Two input flavours:
 *
 * <ul>
 *   <li>{@code coerceStrings = true} (CSV and other text sources): string values are parsed into
 *       the declared type: {@code int} from an optional sign and digits (surrounding whitespace
 *       ignored) to {@link Long}; {@code float} from a plain decimal or exponent number to {@link
 *       Double} ({@code nan}, {@code inf}, hexadecimal and suffixed forms are rejected, as are
 *       values out of range); {@code bool} from {@code true/false/yes/no/1/0} (any case) to {@link
 *       Boolean}; {@code str} and {@code any} unchanged. An empty (for non-{@code str} fields:
 *       blank) value of an optional field becomes {@code null}; of a required non-{@code str} field
 *       it is a {@code missing_field} violation. Non-string values are checked as for JSON.
 *   <li>{@code coerceStrings = false} (JSON sources): only meaning-preserving conversions: {@code
 *       int} accepts whole-number types (Integer, Long, Short, Byte, BigInteger within the long
 *       range), {@code float} accepts finite floating-point numbers and whole numbers (converted to
 *       {@link Double}), {@code str} accepts only strings and {@code bool} only booleans. A string
 *       such as {@code "5"} for an {@code int} field is a {@code type_mismatch}.
 * </ul>
 *
 * <p>In both flavours a required field that is absent or null is a {@code missing_field}; an absent
 * optional field is added as {@code null}. A {@link SchemaSpec.Mode#STRICT strict} schema reports
 * each undeclared field as an {@code extra_field}; a {@link SchemaSpec.Mode#FREE free} schema keeps
 * extra fields unchanged; a {@link SchemaSpec.Mode#DYNAMIC dynamic} schema accepts every row
 * unchanged. The output row is a new {@link LinkedHashMap} in the input's field order, followed by
 * absent optional fields in declaration order. All violations of a row are reported, not just the
 * first.
 */
public final class RowValidator implements Serializable {

  private static final long serialVersionUID = 1L;

  private static final Pattern INT_PATTERN = Pattern.compile("[+-]?[0-9]+");
  private static final Pattern FLOAT_PATTERN =
      Pattern.compile("[+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?");
  private static final int MAX_SHOWN_CHARS = 60;

  private final SchemaSpec spec;
  private final boolean coerceStrings;
  private final LinkedHashMap<String, FieldSpec> fieldsByName;

  /**
   * Creates a validator.
   *
   * @param spec the schema to check rows against
   * @param coerceStrings {@code true} for text sources whose values are strings to be parsed (CSV);
   *     {@code false} for sources that already carry typed values (JSON)
   */
  public RowValidator(SchemaSpec spec, boolean coerceStrings) {
    this.spec = Objects.requireNonNull(spec, "spec");
    this.coerceStrings = coerceStrings;
    this.fieldsByName = new LinkedHashMap<>();
    for (FieldSpec field : spec.fields()) {
      fieldsByName.put(field.name(), field);
    }
  }

  /** The schema this validator checks against. */
  public SchemaSpec spec() {
    return spec;
  }

  /** Whether string values are parsed into the declared types. */
  public boolean coerceStrings() {
    return coerceStrings;
  }

  /**
   * Validates and coerces one row. The input map is not modified.
   *
   * @param row field name to value; values are strings, numbers, booleans, null, lists or maps
   * @return a valid result with a new coerced row, or an invalid one listing every violation
   */
  public Validation validate(Map<String, ? extends @Nullable Object> row) {
    Objects.requireNonNull(row, "row");
    Map<String, @Nullable Object> out = new LinkedHashMap<>();
    if (spec.isDynamic()) {
      out.putAll(row);
      return Validation.valid(out);
    }
    List<Violation> violations = new ArrayList<>();
    for (Map.Entry<String, ? extends @Nullable Object> entry : row.entrySet()) {
      String name = entry.getKey();
      Object value = entry.getValue();
      FieldSpec field = fieldsByName.get(name);
      if (field == null) {
        if (spec.mode() == SchemaSpec.Mode.STRICT) {
          violations.add(
              new Violation(
                  Violation.EXTRA_FIELD,
                  name,
                  null,
                  value == null ? null : typeName(value),
                  "field '" + name + "': not declared by the strict schema"));
        } else {
          out.put(name, value);
        }
        continue;
      }
      Object coerced = coerce(field, value, violations);
      out.put(name, coerced);
    }
    for (FieldSpec field : spec.fields()) {
      if (row.containsKey(field.name())) {
        continue;
      }
      if (field.required()) {
        violations.add(missing(field, "is missing"));
      } else {
        out.put(field.name(), null);
      }
    }
    return violations.isEmpty() ? Validation.valid(out) : Validation.invalid(violations);
  }

  private @Nullable Object coerce(
      FieldSpec field, @Nullable Object value, List<Violation> violations) {
    if (value == null) {
      if (field.required()) {
        violations.add(missing(field, "is null"));
      }
      return null;
    }
    if (coerceStrings && value instanceof String) {
      String text = (String) value;
      if (field.type() == FieldType.STR) {
        return text.isEmpty() && !field.required() ? null : text;
      }
      if (text.isBlank()) {
        if (field.required()) {
          violations.add(missing(field, "is empty"));
        }
        return null;
      }
      return coerceText(field, text, violations);
    }
    return checkTyped(field, value, violations);
  }

  private @Nullable Object coerceText(FieldSpec field, String text, List<Violation> violations) {
    String trimmed = text.strip();
    switch (field.type()) {
      case INT:
        if (INT_PATTERN.matcher(trimmed).matches()) {
          try {
            return Long.parseLong(trimmed);
          } catch (NumberFormatException e) {
            violations.add(mismatch(field, text, " (out of range)"));
            return null;
          }
        }
        break;
      case FLOAT:
        if (FLOAT_PATTERN.matcher(trimmed).matches()) {
          double parsed = Double.parseDouble(trimmed);
          if (Double.isInfinite(parsed)) {
            violations.add(mismatch(field, text, " (out of range)"));
            return null;
          }
          return parsed;
        }
        break;
      case BOOL:
        switch (trimmed.toLowerCase(Locale.ROOT)) {
          case "true":
          case "yes":
          case "1":
            return Boolean.TRUE;
          case "false":
          case "no":
          case "0":
            return Boolean.FALSE;
          default:
            break;
        }
        break;
      case STR:
      case ANY:
        return text;
    }
    violations.add(mismatch(field, text, ""));
    return null;
  }

  private @Nullable Object checkTyped(FieldSpec field, Object value, List<Violation> violations) {
    switch (field.type()) {
      case INT:
        if (value instanceof Long) {
          return value;
        }
        if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
          return ((Number) value).longValue();
        }
        if (value instanceof BigInteger) {
          BigInteger big = (BigInteger) value;
          if (big.bitLength() < Long.SIZE) {
            return big.longValue();
          }
          violations.add(mismatch(field, value, " (out of range)"));
          return null;
        }
        break;
      case FLOAT:
        if (value instanceof Double
            || value instanceof Float
            || value instanceof BigDecimal
            || value instanceof Long
            || value instanceof Integer
            || value instanceof Short
            || value instanceof Byte
            || value instanceof BigInteger) {
          double number = ((Number) value).doubleValue();
          if (!Double.isFinite(number)) {
            violations.add(mismatch(field, value, " (not a finite number)"));
            return null;
          }
          return number;
        }
        break;
      case STR:
        if (value instanceof String) {
          return value;
        }
        break;
      case BOOL:
        if (value instanceof Boolean) {
          return value;
        }
        break;
      case ANY:
        return value;
    }
    violations.add(mismatch(field, value, ""));
    return null;
  }

  private static Violation missing(FieldSpec field, String how) {
    return new Violation(
        Violation.MISSING_FIELD,
        field.name(),
        field.type().configName(),
        null,
        "field '" + field.name() + "': required " + field.type().configName() + " value " + how);
  }

  private Violation mismatch(FieldSpec field, Object value, String detail) {
    String expected = field.type().configName();
    return new Violation(
        Violation.TYPE_MISMATCH,
        field.name(),
        expected,
        typeName(value),
        "field '" + field.name() + "': expected " + expected + ", got " + describe(value) + detail);
  }

  private String describe(Object value) {
    if (value instanceof String) {
      String text = (String) value;
      if (text.length() > MAX_SHOWN_CHARS) {
        text = text.substring(0, MAX_SHOWN_CHARS) + "...";
      }
      String quoted = "'" + text + "'";
      return coerceStrings ? quoted : "str " + quoted;
    }
    if (value instanceof Number || value instanceof Boolean) {
      return typeName(value) + " " + value;
    }
    if (value instanceof List) {
      return "a list";
    }
    if (value instanceof Map) {
      return "a dict";
    }
    return "a " + typeName(value);
  }

  /** The reference system's (Python) name for the type of a row value. */
  static String typeName(Object value) {
    if (value instanceof String) {
      return "str";
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
    if (value instanceof Double || value instanceof Float || value instanceof BigDecimal) {
      return "float";
    }
    if (value instanceof List) {
      return "list";
    }
    if (value instanceof Map) {
      return "dict";
    }
    return value.getClass().getSimpleName();
  }
}

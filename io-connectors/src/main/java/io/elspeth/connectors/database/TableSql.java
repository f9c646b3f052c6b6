package io.elspeth.connectors.database;

import io.elspeth.audit.schema.Dialect;
import io.elspeth.connectors.schema.FieldSpec;
import io.elspeth.connectors.schema.FieldType;
import io.elspeth.connectors.schema.SchemaSpec;
import java.io.Serializable;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The SQL the database sink runs on its table, in one dialect: quoted names, column types (declared
 * by the schema, else inferred from the values), the INSERT (an upsert on {@code upsertKey} when
 * one is set) and the unique index the upsert needs.
 */
record TableSql(String table, Dialect dialect, SchemaSpec schema, List<String> upsertKey)
    implements Serializable {
  TableSql {
    upsertKey = List.copyOf(upsertKey);
  }

  static String quote(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }

  String quoteTable() {
    return Arrays.stream(table.split("\\.")).map(TableSql::quote).collect(Collectors.joining("."));
  }

  /** {@code name} quoted, in the table's schema when the table names one. */
  String inTablesSchema(String name) {
    int dot = table.indexOf('.');
    return dot < 0 ? quote(name) : quote(table.substring(0, dot)) + "." + quote(name);
  }

  /**
   * With an {@code upsertKey}, the unique index ON CONFLICT needs on the key (an appended-to table
   * may predate it).
   */
  Optional<String> upsertIndexSql() {
    if (upsertKey.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        "CREATE UNIQUE INDEX IF NOT EXISTS "
            + quote("ux_" + table.replace('.', '_') + "_" + String.join("_", upsertKey))
            + " ON "
            + quoteTable()
            + " ("
            + upsertKey.stream().map(TableSql::quote).collect(Collectors.joining(", "))
            + ")");
  }

  /** The INSERT (or upsert) of rows with {@code fields}. */
  String insertSql(List<String> fields) {
    String cols = fields.stream().map(TableSql::quote).collect(Collectors.joining(", "));
    String marks = fields.stream().map(f -> "?").collect(Collectors.joining(", "));
    String sql = "INSERT INTO " + quoteTable() + " (" + cols + ") VALUES (" + marks + ")";
    if (upsertKey.isEmpty()) {
      return sql;
    }
    String key = upsertKey.stream().map(TableSql::quote).collect(Collectors.joining(", "));
    List<String> updates =
        fields.stream()
            .filter(f -> !upsertKey.contains(f))
            .map(f -> quote(f) + " = excluded." + quote(f))
            .toList();
    return sql
        + " ON CONFLICT ("
        + key
        + ") DO "
        + (updates.isEmpty() ? "NOTHING" : "UPDATE SET " + String.join(", ", updates));
  }

  /** The field types the schema declares (none in dynamic mode). */
  Map<String, FieldType> declaredTypes() {
    Map<String, FieldType> declared = new LinkedHashMap<>();
    if (schema.mode() != SchemaSpec.Mode.DYNAMIC) {
      for (FieldSpec f : schema.fields()) {
        declared.put(f.name(), f.type());
      }
    }
    return declared;
  }

  /** SQL column types: the schema's declared types, else inferred from the values. */
  Map<String, String> columnTypes(List<String> fields, Iterable<Map<String, Object>> rows) {
    Map<String, FieldType> declared = declaredTypes();
    Map<String, FieldType> inferred =
        inferred(fields.stream().filter(f -> !declared.containsKey(f)).toList(), rows);
    Map<String, String> types = new LinkedHashMap<>();
    for (String field : fields) {
      FieldType type =
          declared.containsKey(field)
              ? declared.get(field)
              : inferred.getOrDefault(field, FieldType.STR);
      types.put(field, sqlType(type));
    }
    return types;
  }

  /**
   * The types of the undeclared fields, inferred from their values in one pass over the rows (they
   * may be streamed from disk): a field with values of one kind has that type, ints mixed with
   * floats are floats, anything else (or no value at all) is text.
   */
  private static Map<String, FieldType> inferred(
      List<String> fields, Iterable<Map<String, Object>> rows) {
    Map<String, FieldType> types = new LinkedHashMap<>();
    Set<String> mixed = new HashSet<>();
    for (Map<String, Object> row : rows) {
      for (String field : fields) {
        if (mixed.contains(field)) {
          continue;
        }
        Object v = row.get(field);
        FieldType t =
            v == null
                ? null
                : v instanceof Boolean
                    ? FieldType.BOOL
                    : v instanceof Long || v instanceof Integer
                        ? FieldType.INT
                        : v instanceof Number ? FieldType.FLOAT : FieldType.STR;
        FieldType type = types.get(field);
        if (t == null || t == type) {
          continue;
        }
        if (type == null) {
          types.put(field, t);
        } else if ((type == FieldType.INT && t == FieldType.FLOAT)
            || (type == FieldType.FLOAT && t == FieldType.INT)) {
          types.put(field, FieldType.FLOAT);
        } else {
          types.put(field, FieldType.STR);
          mixed.add(field);
        }
      }
    }
    return types;
  }

  private String sqlType(FieldType type) {
    boolean pg = dialect == Dialect.POSTGRESQL;
    return switch (type) {
      case INT -> "BIGINT";
      case FLOAT -> pg ? "DOUBLE PRECISION" : "REAL";
      case BOOL -> "BOOLEAN";
      case STR, ANY -> "TEXT";
    };
  }
}

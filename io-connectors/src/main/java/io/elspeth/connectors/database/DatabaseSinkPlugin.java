package io.elspeth.connectors.database;

import io.elspeth.audit.jdbc.JdbcUrl;
import io.elspeth.connectors.plugins.SourceOptions;
import io.elspeth.connectors.schema.FieldSpec;
import io.elspeth.connectors.schema.SchemaSpec;
import io.elspeth.connectors.sink.SinkWriter;
import io.elspeth.plugin.OptionSpec;
import io.elspeth.plugin.OptionType;
import io.elspeth.plugin.PluginOptions;
import io.elspeth.plugin.SinkPlugin;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code database} sink: rows inserted into a SQLite or PostgreSQL table in batches, each batch an
 * audited {@code sql} call; {@code upsert_key} makes a retried write exactly-once.
 */
public final class DatabaseSinkPlugin implements SinkPlugin {
  @Override
  public String name() {
    return "database";
  }

  @Override
  public String description() {
    return "Inserts rows into a SQLite or PostgreSQL table (batched; each batch an audited sql"
        + " call; optional upsert on a key)";
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(
        OptionSpec.required(
            "url",
            OptionType.STRING,
            "sqlite:///path.db or postgresql://user:password@host:port/database"),
        OptionSpec.required("table", OptionType.STRING, "table name, or schema.table"),
        OptionSpec.oneOf(
            "if_exists",
            "append",
            List.of("append", "replace"),
            "append adds rows (creating the table if missing); replace drops and recreates it"),
        OptionSpec.optional(
            "upsert_key",
            OptionType.STRING_OR_LIST,
            null,
            "field(s) identifying a row: an existing row with the same key is updated"),
        OptionSpec.optional(
            "batch_size",
            OptionType.INT,
            (long) DatabaseSinkWriter.DEFAULT_BATCH_SIZE,
            "rows per INSERT batch (one transaction and one call each)"),
        OptionSpec.optional(
            "validate_input",
            OptionType.BOOL,
            false,
            "accepted for compatibility; rows are validated at the source"),
        SourceOptions.SCHEMA);
  }

  @Override
  public List<String> validate(PluginOptions options) {
    List<String> problems = new ArrayList<>();
    try {
      JdbcUrl.parse(options.requiredString("url"));
    } catch (IllegalArgumentException e) {
      problems.add("url: " + e.getMessage());
    }
    String table = options.requiredString("table");
    if (!DatabaseSinkWriter.validTableName(table)) {
      problems.add(
          "table: expected a name of letters, digits and _ (optionally schema.table),"
              + " got '"
              + table
              + "'");
    }
    if (options.integer("batch_size", 1) < 1) {
      problems.add("batch_size: expected 1 or more");
    }
    SchemaSpec schema = options.schema();
    if (schema.mode() == SchemaSpec.Mode.STRICT) {
      List<String> names = schema.fields().stream().map(FieldSpec::name).toList();
      for (String key : options.strings("upsert_key")) {
        if (!names.contains(key)) {
          problems.add("upsert_key: '" + key + "' is not a field of the strict schema " + names);
        }
      }
    }
    return problems;
  }

  @Override
  public SinkWriter create(PluginOptions options) {
    return new DatabaseSinkWriter(
        JdbcUrl.parse(options.requiredString("url")),
        options.requiredString("table"),
        "replace".equals(options.string("if_exists"))
            ? DatabaseSinkWriter.IfExists.REPLACE
            : DatabaseSinkWriter.IfExists.APPEND,
        options.schema(),
        options.strings("upsert_key"),
        (int) options.integer("batch_size", DatabaseSinkWriter.DEFAULT_BATCH_SIZE));
  }
}

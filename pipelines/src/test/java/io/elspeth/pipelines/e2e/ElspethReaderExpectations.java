package io.elspeth.pipelines.e2e;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What ELSPETH's own Landscape readers expect of a database they open, written down from its code
 * at RC2 ({@code f4f348de}) and at the current reference ({@code de732358}): the tables of its
 * SQLAlchemy schema ({@code core/landscape/schema.py}), the columns and foreign keys its opener
 * checks on SQLite before anything else ({@code _REQUIRED_COLUMNS}, {@code _REQUIRED_FOREIGN_KEYS}
 * in {@code core/landscape/database.py}; a miss raises {@code SchemaCompatibilityError}), the
 * SQLite schema epochs it accepts ({@code PRAGMA user_version}, {@code SQLITE_SCHEMA_EPOCH}), and
 * the values of the columns its repositories convert into enums ({@code contracts/enums.py}; an
 * unknown value raises {@code ValueError} in the query that reads it).
 *
 * @param name the ELSPETH version
 * @param tables every table its metadata declares (its opener refuses a Landscape that lacks one)
 * @param requiredColumns table and column pairs its opener checks
 * @param requiredForeignKeys table, column, referenced table: a declared foreign key of the table
 *     must have the column among its columns and reference the table
 * @param sqliteEpochs the {@code user_version} values it opens
 * @param enumValues per {@code table.column}, the values it can convert
 */
record ElspethReaderExpectations(
    String name,
    Set<String> tables,
    List<List<String>> requiredColumns,
    List<List<String>> requiredForeignKeys,
    Set<Integer> sqliteEpochs,
    Map<String, Set<String>> enumValues) {

  private static final List<List<String>> FOREIGN_KEYS =
      List.of(
          List.of("validation_errors", "node_id", "nodes"),
          List.of("transform_errors", "token_id", "tokens"),
          List.of("transform_errors", "transform_id", "nodes"));

  private static final Set<String> RC2_TABLES =
      Set.of(
          "runs",
          "nodes",
          "edges",
          "rows",
          "tokens",
          "token_outcomes",
          "token_parents",
          "node_states",
          "operations",
          "calls",
          "artifacts",
          "routing_events",
          "batches",
          "batch_members",
          "batch_outputs",
          "validation_errors",
          "transform_errors",
          "checkpoints");

  private static final List<List<String>> RC2_COLUMNS =
      List.of(
          List.of("tokens", "expand_group_id"),
          List.of("node_states", "run_id"),
          List.of("runs", "source_field_resolution_json"),
          List.of("token_outcomes", "expected_branches_json"),
          List.of("node_states", "success_reason_json"),
          List.of("calls", "operation_id"));

  /** RC2, f4f348de. Its opener has no epoch check: any user_version opens. */
  static final ElspethReaderExpectations RC2 =
      new ElspethReaderExpectations(
          "RC2 f4f348de",
          RC2_TABLES,
          RC2_COLUMNS,
          FOREIGN_KEYS,
          Set.of(),
          Map.ofEntries(
              Map.entry("runs.status", Set.of("running", "completed", "failed")),
              Map.entry("runs.export_status", Set.of("pending", "completed", "failed")),
              Map.entry(
                  "nodes.node_type",
                  Set.of("source", "transform", "gate", "aggregation", "coalesce", "sink")),
              Map.entry(
                  "nodes.determinism",
                  Set.of(
                      "deterministic",
                      "seeded",
                      "io_read",
                      "io_write",
                      "external_call",
                      "non_deterministic")),
              Map.entry("edges.default_mode", Set.of("move", "copy")),
              Map.entry("routing_events.mode", Set.of("move", "copy")),
              Map.entry("node_states.status", Set.of("open", "pending", "completed", "failed")),
              Map.entry(
                  "token_outcomes.outcome",
                  Set.of(
                      "completed",
                      "routed",
                      "forked",
                      "failed",
                      "quarantined",
                      "consumed_in_batch",
                      "coalesced",
                      "expanded",
                      "buffered")),
              Map.entry("calls.call_type", Set.of("llm", "http", "sql", "filesystem")),
              Map.entry("calls.status", Set.of("success", "error")),
              Map.entry("batches.status", Set.of("draft", "executing", "completed", "failed")),
              Map.entry(
                  "batches.trigger_type",
                  Set.of("count", "timeout", "condition", "end_of_source", "manual"))));

  /** The current reference, de732358: SQLITE_SCHEMA_EPOCH 2, a user_version of 0 is stamped. */
  static final ElspethReaderExpectations CURRENT;

  static {
    java.util.Set<String> tables = new java.util.HashSet<>(RC2_TABLES);
    tables.addAll(Set.of("secret_resolutions", "preflight_results"));
    java.util.List<List<String>> columns = new java.util.ArrayList<>(RC2_COLUMNS);
    columns.addAll(
        List.of(
            List.of("tokens", "run_id"),
            List.of("runs", "schema_contract_json"),
            List.of("runs", "schema_contract_hash"),
            List.of("nodes", "input_contract_json"),
            List.of("nodes", "output_contract_json"),
            List.of("operations", "input_data_hash"),
            List.of("operations", "output_data_hash"),
            List.of("checkpoints", "coalesce_state_json")));
    java.util.Map<String, Set<String>> values = new java.util.HashMap<>(RC2.enumValues());
    values.put("runs.status", Set.of("running", "completed", "failed", "interrupted"));
    values.put("edges.default_mode", Set.of("move", "copy", "divert"));
    values.put("routing_events.mode", Set.of("move", "copy", "divert"));
    values.put(
        "token_outcomes.outcome",
        Set.of(
            "completed",
            "routed",
            "forked",
            "failed",
            "quarantined",
            "diverted",
            "consumed_in_batch",
            "coalesced",
            "expanded",
            "buffered"));
    values.put(
        "calls.call_type", Set.of("llm", "http", "http_redirect", "sql", "vector", "filesystem"));
    values.put(
        "runs.reproducibility_grade",
        Set.of("full_reproducible", "replay_reproducible", "attributable_only"));
    CURRENT =
        new ElspethReaderExpectations(
            "current de732358",
            Set.copyOf(tables),
            List.copyOf(columns),
            FOREIGN_KEYS,
            Set.of(0, 2),
            Map.copyOf(values));
  }

  /** Schema contract JSON (ContractAuditRecord.to_json): its keys, modes, field keys and types. */
  static final Set<String> CONTRACT_KEYS = Set.of("mode", "locked", "version_hash", "fields");

  static final Set<String> CONTRACT_MODES = Set.of("FIXED", "FLEXIBLE", "OBSERVED");
  static final Set<String> CONTRACT_FIELD_KEYS =
      Set.of("normalized_name", "original_name", "python_type", "required", "source", "nullable");
  static final Set<String> CONTRACT_TYPES =
      Set.of("int", "str", "float", "bool", "NoneType", "datetime", "object");
  static final Set<String> CONTRACT_SOURCES = Set.of("declared", "inferred");
}

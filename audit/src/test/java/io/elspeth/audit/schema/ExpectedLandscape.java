package io.elspeth.audit.schema;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Landscape as spec/landscape.md section 2 describes it at HEAD, written out independently of
 * the DDL scripts so the tests compare the scripts against the spec rather than against themselves.
 */
final class ExpectedLandscape {
  private ExpectedLandscape() {}

  /** Columns of every Landscape table, in table order. */
  static final Map<String, List<String>> COLUMNS = columns();

  /** Every index the scripts must create by name. */
  static final List<String> NAMED_INDEXES =
      List.of(
          "ix_nodes_run_id",
          "ix_edges_run_id",
          "ix_rows_run_id",
          "ix_tokens_row_id",
          "ix_tokens_expand_group_id",
          "ix_token_parents_parent",
          "ix_token_outcomes_run_id",
          "ix_token_outcomes_token_id",
          "ix_token_outcomes_terminal_unique",
          "ix_node_states_token",
          "ix_node_states_node",
          "ix_operations_run_id",
          "ix_operations_node_run",
          "ix_calls_state",
          "ix_calls_operation",
          "ix_calls_state_call_index_unique",
          "ix_calls_operation_call_index_unique",
          "ix_artifacts_run",
          "ix_routing_events_state",
          "ix_routing_events_group",
          "ix_batches_run_status",
          "ix_batch_members_batch",
          "ix_batch_outputs_batch",
          "ix_validation_errors_run",
          "ix_validation_errors_node",
          "ix_transform_errors_run",
          "ix_transform_errors_token",
          "ix_transform_errors_transform",
          "ix_checkpoints_run",
          "ix_checkpoints_run_seq",
          "ix_secret_resolutions_run_id",
          "ix_preflight_results_run");

  private static Map<String, List<String>> columns() {
    Map<String, List<String>> t = new LinkedHashMap<>();
    t.put(
        "runs",
        List.of(
            "run_id", "started_at", "completed_at", "config_hash", "settings_json",
            "reproducibility_grade", "canonical_version", "source_schema_json",
            "source_field_resolution_json", "status", "export_status", "export_error",
            "exported_at", "export_format", "export_sink", "schema_contract_json",
            "schema_contract_hash"));
    t.put(
        "nodes",
        List.of(
            "node_id", "run_id", "plugin_name", "node_type", "plugin_version", "determinism",
            "config_hash", "config_json", "schema_hash", "sequence_in_pipeline", "registered_at",
            "schema_mode", "schema_fields_json", "input_contract_json", "output_contract_json"));
    t.put(
        "edges",
        List.of(
            "edge_id", "run_id", "from_node_id", "to_node_id", "label", "default_mode",
            "created_at"));
    t.put(
        "rows",
        List.of(
            "row_id", "run_id", "source_node_id", "row_index", "source_data_hash",
            "source_data_ref", "created_at"));
    t.put(
        "tokens",
        List.of(
            "token_id", "row_id", "run_id", "fork_group_id", "join_group_id", "expand_group_id",
            "branch_name", "step_in_pipeline", "created_at"));
    t.put("token_parents", List.of("token_id", "parent_token_id", "ordinal"));
    t.put(
        "token_outcomes",
        List.of(
            "outcome_id", "run_id", "token_id", "outcome", "is_terminal", "recorded_at",
            "sink_name", "batch_id", "fork_group_id", "join_group_id", "expand_group_id",
            "error_hash", "context_json", "expected_branches_json"));
    t.put(
        "node_states",
        List.of(
            "state_id", "token_id", "run_id", "node_id", "step_index", "attempt", "status",
            "input_hash", "output_hash", "context_before_json", "context_after_json",
            "duration_ms", "error_json", "success_reason_json", "started_at", "completed_at"));
    t.put(
        "operations",
        List.of(
            "operation_id", "run_id", "node_id", "operation_type", "started_at", "completed_at",
            "status", "input_data_ref", "input_data_hash", "output_data_ref", "output_data_hash",
            "error_message", "duration_ms"));
    t.put(
        "calls",
        List.of(
            "call_id", "state_id", "operation_id", "call_index", "call_type", "status",
            "request_hash", "request_ref", "response_hash", "response_ref", "error_json",
            "latency_ms", "created_at"));
    t.put(
        "artifacts",
        List.of(
            "artifact_id", "run_id", "produced_by_state_id", "sink_node_id", "artifact_type",
            "path_or_uri", "content_hash", "size_bytes", "idempotency_key", "created_at"));
    t.put(
        "routing_events",
        List.of(
            "event_id", "state_id", "edge_id", "routing_group_id", "ordinal", "mode",
            "reason_hash", "reason_ref", "created_at"));
    t.put(
        "batches",
        List.of(
            "batch_id", "run_id", "aggregation_node_id", "aggregation_state_id",
            "trigger_reason", "trigger_type", "attempt", "status", "created_at",
            "completed_at"));
    t.put("batch_members", List.of("batch_id", "token_id", "ordinal"));
    t.put("batch_outputs", List.of("batch_output_id", "batch_id", "output_type", "output_id"));
    t.put(
        "validation_errors",
        List.of(
            "error_id", "run_id", "node_id", "row_hash", "row_data_json", "error", "schema_mode",
            "destination", "created_at", "violation_type", "original_field_name",
            "normalized_field_name", "expected_type", "actual_type"));
    t.put(
        "transform_errors",
        List.of(
            "error_id", "run_id", "token_id", "transform_id", "row_hash", "row_data_json",
            "error_details_json", "destination", "created_at"));
    t.put(
        "checkpoints",
        List.of(
            "checkpoint_id", "run_id", "token_id", "node_id", "sequence_number",
            "aggregation_state_json", "coalesce_state_json", "created_at",
            "upstream_topology_hash", "checkpoint_node_config_hash", "format_version"));
    t.put(
        "secret_resolutions",
        List.of(
            "resolution_id", "run_id", "timestamp", "env_var_name", "source", "vault_url",
            "secret_name", "fingerprint", "resolution_latency_ms"));
    t.put(
        "preflight_results",
        List.of("result_id", "run_id", "result_type", "name", "result_json", "created_at"));
    return java.util.Collections.unmodifiableMap(t);
  }
}

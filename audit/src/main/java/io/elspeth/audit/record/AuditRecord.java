package io.elspeth.audit.record;

import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * One row of one Landscape table, minted where the event happened and committed later by the
 * Landscape commit. Records are append-only: re-committing the same record is a no-op, a record
 * whose key exists with other content is an integrity error.
 */
public sealed interface AuditRecord extends Serializable
    permits RunRecord,
        NodeRecord,
        EdgeRecord,
        RowRecord,
        TokenRecord,
        TokenParentRecord,
        TokenOutcomeRecord,
        NodeStateRecord,
        RoutingEventRecord,
        OperationRecord,
        CallRecord,
        ArtifactRecord,
        ValidationErrorRecord,
        TransformErrorRecord,
        BatchRecord,
        BatchMemberRecord,
        PreflightResultRecord,
        CheckpointRecord,
        SecretResolutionRecord {

  /** The Landscape table this record belongs to. */
  String table();

  /** Primary-key columns of {@link #table()}, in key order. */
  List<String> keyColumns();

  /**
   * Every column of the row, in table order; values are String, Long, Integer, Double, Instant or
   * null.
   */
  Map<String, Object> columns();

  /** Commit order: a record may reference records of a lower rank committed in the same batch. */
  int rank();
}

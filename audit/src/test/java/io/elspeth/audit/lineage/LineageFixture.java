package io.elspeth.audit.lineage;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.record.ArtifactRecord;
import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.CallRecord;
import io.elspeth.audit.record.EdgeRecord;
import io.elspeth.audit.record.NodeRecord;
import io.elspeth.audit.record.NodeStateRecord;
import io.elspeth.audit.record.RoutingEventRecord;
import io.elspeth.audit.record.RowRecord;
import io.elspeth.audit.record.RunRecord;
import io.elspeth.audit.record.TokenOutcomeRecord;
import io.elspeth.audit.record.TokenParentRecord;
import io.elspeth.audit.record.TokenRecord;
import io.elspeth.audit.record.TransformErrorRecord;
import io.elspeth.audit.record.ValidationErrorRecord;
import io.elspeth.audit.store.LandscapeStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.checkerframework.checker.nullness.qual.Nullable;

/** Builds the records of one run of a small Landscape, the way our pipelines write them. */
final class LineageFixture {
  static final Instant T0 = Instant.parse("2026-01-31T12:00:00Z");

  final String runId;
  final List<AuditRecord> records = new ArrayList<>();

  LineageFixture(String runId, Instant startedAt, @Nullable Instant completedAt) {
    this.runId = runId;
    records.add(
        new RunRecord(
            runId,
            startedAt,
            completedAt,
            hash("config-" + runId),
            "{}",
            null,
            CanonicalJson.CANONICAL_VERSION,
            null,
            null,
            completedAt == null ? "running" : "completed"));
  }

  static String hash(String label) {
    return CanonicalJson.sha256Hex(label);
  }

  /** T0 plus {@code millis}. */
  static Instant at(long millis) {
    return T0.plusMillis(millis);
  }

  void commit(LandscapeStore store) {
    store.commit(records);
  }

  LineageFixture node(String nodeId, String plugin, String type) {
    records.add(
        new NodeRecord(
            nodeId,
            runId,
            plugin,
            type,
            "1.0.0",
            "deterministic",
            hash(nodeId),
            "{}",
            T0,
            null,
            null));
    return this;
  }

  LineageFixture edge(String edgeId, String from, String to, String label, String mode) {
    records.add(new EdgeRecord(edgeId, runId, from, to, label, mode, T0));
    return this;
  }

  void row(String rowId, long index, String sourceNode) {
    records.add(
        new RowRecord(rowId, runId, sourceNode, index, hash(rowId), hash(rowId), at(index)));
  }

  void token(
      String tokenId,
      String rowId,
      @Nullable String expandGroupId,
      @Nullable Integer step,
      Instant created) {
    records.add(
        new TokenRecord(tokenId, rowId, runId, null, null, expandGroupId, null, step, created));
  }

  void parent(String tokenId, String parentId, int ordinal) {
    records.add(new TokenParentRecord(tokenId, parentId, ordinal));
  }

  void completed(
      String stateId,
      String tokenId,
      String nodeId,
      int step,
      @Nullable String contextAfterJson,
      Instant started,
      Instant done) {
    records.add(
        new NodeStateRecord(
            stateId,
            tokenId,
            runId,
            nodeId,
            step,
            0,
            "completed",
            hash("in-" + stateId),
            hash("out-" + stateId),
            contextAfterJson,
            2.5,
            null,
            null,
            started,
            done));
  }

  void failed(
      String stateId,
      String tokenId,
      String nodeId,
      int step,
      String errorJson,
      Instant started,
      Instant done) {
    records.add(
        new NodeStateRecord(
            stateId,
            tokenId,
            runId,
            nodeId,
            step,
            0,
            "failed",
            hash("in-" + stateId),
            null,
            null,
            1.0,
            errorJson,
            null,
            started,
            done));
  }

  void routing(String eventId, String stateId, String edgeId, String mode) {
    records.add(
        new RoutingEventRecord(
            eventId,
            stateId,
            edgeId,
            "grp-" + eventId,
            0,
            mode,
            hash("reason-" + eventId),
            null,
            T0));
  }

  void call(String callId, String stateId, int index, String status, @Nullable String errorJson) {
    records.add(
        new CallRecord(
            callId,
            stateId,
            null,
            index,
            "http",
            status,
            hash("req-" + callId),
            null,
            errorJson == null ? hash("resp-" + callId) : null,
            null,
            errorJson,
            12.5,
            T0));
  }

  void artifact(
      String artifactId, String stateId, String sinkNodeId, String path, Instant created) {
    records.add(
        new ArtifactRecord(
            artifactId,
            runId,
            stateId,
            sinkNodeId,
            "file",
            path,
            hash("content-" + artifactId),
            123L,
            null,
            created));
  }

  void outcome(
      String outcomeId,
      String tokenId,
      String outcome,
      @Nullable String sinkName,
      @Nullable String expandGroupId,
      @Nullable String errorHash,
      @Nullable String expectedBranchesJson) {
    records.add(
        new TokenOutcomeRecord(
            outcomeId,
            runId,
            tokenId,
            outcome,
            1,
            T0,
            sinkName,
            null,
            null,
            null,
            expandGroupId,
            errorHash,
            null,
            expectedBranchesJson));
  }

  void validationError(
      String errorId, String nodeId, String rowHash, String error, String destination) {
    records.add(
        new ValidationErrorRecord(
            errorId,
            runId,
            nodeId,
            rowHash,
            "{\"amount\":\"x\"}",
            error,
            "fixed",
            destination,
            T0,
            "type_mismatch",
            "Amount",
            "amount",
            "int",
            "str"));
  }

  void transformError(
      String errorId,
      String tokenId,
      String transformId,
      String rowHash,
      String detailsJson,
      String destination) {
    records.add(
        new TransformErrorRecord(
            errorId, runId, tokenId, transformId, rowHash, "{}", detailsJson, destination, T0));
  }
}

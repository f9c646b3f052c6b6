package io.elspeth.connectors.sink;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.record.ArtifactRecord;
import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.NodeStateRecord;
import io.elspeth.audit.token.Ids;
import io.elspeth.audit.token.Token;
import io.elspeth.plugin.StepAudit;
import io.elspeth.plugin.StepContext;
import java.io.Serializable;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A spill file whose tokens are durably written, with what their audit records need: the write's
 * times, the artifact, and the first token in source order (the artifact's node state).
 */
record WrittenSpillFile(
    String path,
    long count,
    String firstTokenId,
    String firstStateId,
    String artifactType,
    String artifactPath,
    String contentHash,
    long sizeBytes,
    Instant started,
    Instant done,
    double perRowMs)
    implements Serializable {

  /**
   * Emits a written token's sink node state and outcome, and after the first token's state the
   * sink's artifact (which names that state).
   */
  void emitFor(StepContext ctx, Token token, Consumer<AuditRecord> out) {
    boolean isFirst = token.tokenId().equals(firstTokenId);
    String stateId = isFirst ? firstStateId : Ids.stateId();
    int step = SinkRowCheck.stepIndex(ctx, token);
    Map<String, Object> output = new LinkedHashMap<>();
    output.put("row", token.data());
    output.put("artifact_path", artifactPath);
    output.put("content_hash", contentHash);
    String inputHash = CanonicalJson.tolerantHash(token.data());
    out.accept(
        new NodeStateRecord(
            stateId,
            token.tokenId(),
            ctx.runId(),
            ctx.nodeId(),
            step,
            0,
            "completed",
            inputHash,
            CanonicalJson.tolerantHash(output),
            null,
            perRowMs,
            null,
            null,
            started,
            done,
            token.rowId()));
    String outcome = token.pendingOutcome() == null ? "completed" : token.pendingOutcome();
    out.accept(
        StepAudit.outcome(ctx.runId(), token, outcome, ctx.nodeName(), token.errorHash(), null));
    if (isFirst) {
      out.accept(
          new ArtifactRecord(
              Ids.artifactId(),
              ctx.runId(),
              firstStateId,
              ctx.nodeId(),
              artifactType,
              artifactPath,
              contentHash,
              sizeBytes,
              null,
              done));
    }
  }
}

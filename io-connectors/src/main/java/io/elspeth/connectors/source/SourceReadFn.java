package io.elspeth.connectors.source;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.canonical.CanonicalizationException;
import io.elspeth.audit.record.NodeStateRecord;
import io.elspeth.audit.record.OperationRecord;
import io.elspeth.audit.record.RowRecord;
import io.elspeth.audit.record.TokenRecord;
import io.elspeth.audit.record.ValidationErrorRecord;
import io.elspeth.audit.token.Ids;
import io.elspeth.audit.token.Token;
import io.elspeth.connectors.schema.RowValidator;
import io.elspeth.connectors.schema.Validation;
import io.elspeth.connectors.schema.Violation;
import io.elspeth.plugin.StepAudit;
import io.elspeth.plugin.StepContext;
import io.elspeth.plugin.StepTags;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Reads one source file and records every item at the Tier-3 boundary: a valid row becomes a row,
 * a token and a completed step-0 node state; an invalid one becomes a validation error and, unless
 * discarded, a quarantined row routed to the quarantine sink with a failed step-0 state and a
 * divert routing event. The whole read is one {@code source_load} operation.
 */
final class SourceReadFn extends DoFn<FileIO.ReadableFile, Token> {
  private final StepContext ctx;
  private final RecordReader reader;
  private final RowValidator validator;
  private final String onValidationFailure;
  private final Counter valid = Metrics.counter(SourceReadFn.class, "rows_valid");
  private final Counter quarantined = Metrics.counter(SourceReadFn.class, "rows_quarantined");
  private final Counter discarded = Metrics.counter(SourceReadFn.class, "rows_discarded");

  SourceReadFn(StepContext ctx, RecordReader reader, RowValidator validator,
      String onValidationFailure) {
    this.ctx = ctx;
    this.reader = reader;
    this.validator = validator;
    this.onValidationFailure = onValidationFailure;
  }

  @ProcessElement
  public void process(@Element FileIO.ReadableFile file, MultiOutputReceiver out)
      throws IOException {
    Instant started = Instant.now();
    String path = file.getMetadata().resourceId().toString();
    long[] counts = new long[3];
    long[] nextIndex = {0};
    try (InputStream in = Channels.newInputStream(file.open())) {
      reader.read(in, rec -> {
        int kind = handle(rec, nextIndex, out);
        counts[kind]++;
      });
    }
    valid.inc(counts[0]);
    quarantined.inc(counts[1]);
    discarded.inc(counts[2]);
    Instant done = Instant.now();
    Map<String, Object> input = Map.of("path", path);
    Map<String, Object> output = new LinkedHashMap<>();
    output.put("rows_valid", counts[0]);
    output.put("rows_quarantined", counts[1]);
    output.put("rows_discarded", counts[2]);
    out.get(StepTags.AUDIT).output(new OperationRecord(Ids.operationId(), ctx.runId(),
        ctx.nodeId(), "source_load", started, done, "completed", null,
        CanonicalJson.stableHash(input), null, CanonicalJson.stableHash(output), null,
        Duration.between(started, done).toNanos() / 1e6));
  }

  /** Returns 0 for a valid row, 1 for a quarantined one, 2 for a discarded one. */
  private int handle(ParsedRecord rec, long[] nextIndex, MultiOutputReceiver out) {
    String problem;
    List<Violation> violations = List.of();
    Map<String, Object> data = null;
    if (rec.isMalformed()) {
      problem = rec.problem();
    } else {
      Validation v = validator.validate(rec.row());
      if (v.isValid()) {
        data = v.row();
        problem = canonicalProblem(data);
      } else {
        violations = v.violations();
        problem = v.errorMessage();
      }
    }
    if (problem == null) {
      emitValid(data, nextIndex[0]++, out);
      return 0;
    }
    String message = rec.location() + ": " + problem;
    boolean discard = StepContext.DISCARD.equals(onValidationFailure);
    out.get(StepTags.AUDIT).output(validationError(rec.raw(), message, violations,
        discard ? StepContext.DISCARD : onValidationFailure));
    if (discard) {
      return 2;
    }
    emitQuarantined(rec.raw(), message, nextIndex[0]++, out);
    return 1;
  }

  private static @Nullable String canonicalProblem(Map<String, Object> data) {
    try {
      CanonicalJson.canonicalize(data);
      return null;
    } catch (CanonicalizationException e) {
      return e.getMessage();
    }
  }

  private void emitValid(Map<String, Object> data, long index, MultiOutputReceiver out) {
    Instant now = Instant.now();
    String rowId = Ids.rowId(ctx.runId(), ctx.nodeId(), index);
    String hash = CanonicalJson.stableHash(data);
    Token token = Token.fromSource(rowId, index, data);
    String stateId = Ids.stateId();
    DoFn.OutputReceiver<io.elspeth.audit.record.AuditRecord> audit = out.get(StepTags.AUDIT);
    audit.output(new RowRecord(rowId, ctx.runId(), ctx.nodeId(), index, hash, null, now));
    audit.output(tokenRecord(token, now));
    audit.output(new NodeStateRecord(stateId, token.tokenId(), ctx.runId(), ctx.nodeId(), 0, 0,
        "completed", hash, hash, null, 0.0, null, null, now, now));
    out.get(StepTags.MAIN).output(token.touchedBy(stateId));
  }

  private void emitQuarantined(Map<String, Object> raw, String message, long index,
      MultiOutputReceiver out) {
    Instant now = Instant.now();
    String rowId = Ids.rowId(ctx.runId(), ctx.nodeId(), index);
    String hash = CanonicalJson.tolerantHash(raw);
    Token token = Token.fromSource(rowId, index, raw);
    String stateId = Ids.stateId();
    String errorHash = Ids.errorHash(message);
    DoFn.OutputReceiver<io.elspeth.audit.record.AuditRecord> audit = out.get(StepTags.AUDIT);
    audit.output(new RowRecord(rowId, ctx.runId(), ctx.nodeId(), index, hash, null, now));
    audit.output(tokenRecord(token, now));
    audit.output(StepAudit.failed(ctx, stateId, token, hash,
        StepAudit.error(message, "ValidationError"), now));
    audit.output(StepAudit.routing(stateId, ctx.edgeId("__quarantine__"), "divert",
        Map.of("quarantine_error", message)));
    out.get(StepTags.ROUTED).output(
        token.touchedBy(stateId).routedTo(onValidationFailure, "quarantined", errorHash));
  }

  private TokenRecord tokenRecord(Token token, Instant now) {
    return new TokenRecord(token.tokenId(), token.rowId(), ctx.runId(), null, null, null, null,
        null, now);
  }

  private ValidationErrorRecord validationError(Map<String, Object> raw, String message,
      List<Violation> violations, String destination) {
    Violation first = violations.isEmpty() ? null : violations.get(0);
    return new ValidationErrorRecord(Ids.validationErrorId(), ctx.runId(), ctx.nodeId(),
        CanonicalJson.tolerantHash(raw), CanonicalJson.tolerantJson(raw), message, validator.spec().mode().configName(),
        destination, Instant.now(),
        first == null ? null : first.violationType(),
        first == null ? null : first.field(),
        first == null ? null : first.field(),
        first == null ? null : first.expectedType(),
        first == null ? null : first.actualType());
  }
}

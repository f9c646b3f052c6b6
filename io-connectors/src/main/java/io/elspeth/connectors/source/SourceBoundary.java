package io.elspeth.connectors.source;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.canonical.CanonicalizationException;
import io.elspeth.audit.payload.FilesystemPayloadStore;
import io.elspeth.audit.record.NodeStateRecord;
import io.elspeth.audit.record.RowRecord;
import io.elspeth.audit.record.TokenRecord;
import io.elspeth.audit.record.ValidationErrorRecord;
import io.elspeth.audit.token.Ids;
import io.elspeth.audit.token.Token;
import io.elspeth.connectors.schema.InferredFields;
import io.elspeth.connectors.schema.RowValidator;
import io.elspeth.connectors.schema.Validation;
import io.elspeth.connectors.schema.Violation;
import io.elspeth.plugin.StepAudit;
import io.elspeth.plugin.StepContext;
import io.elspeth.plugin.StepTags;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Records every item a source reads at the Tier-3 boundary, whatever it is read from (a file, a
 * blob): a valid row becomes a row, a token and a completed step-0 node state; an invalid one
 * becomes a validation error and, unless discarded, a quarantined row routed to the quarantine sink
 * with a failed step-0 state and a divert routing event. Rows are numbered from the index the
 * caller gives, so inputs read in parallel can own disjoint index ranges.
 */
public final class SourceBoundary implements Serializable {
  /** What one read produced. */
  public record Counts(long valid, long quarantined, long discarded, long resumed) {
    /** The source_load operation's output. */
    public Map<String, Object> asOutput() {
      Map<String, Object> output = new LinkedHashMap<>();
      output.put("rows_valid", valid);
      output.put("rows_quarantined", quarantined);
      output.put("rows_discarded", discarded);
      return output;
    }
  }

  private final StepContext ctx;
  private final RecordReader reader;
  private final RowValidator validator;
  private final String onValidationFailure;
  private final InferredFields inferred;
  private final Counter valid = Metrics.counter(SourceBoundary.class, "rows_valid");
  private final Counter quarantined = Metrics.counter(SourceBoundary.class, "rows_quarantined");
  private final Counter discarded = Metrics.counter(SourceBoundary.class, "rows_discarded");
  private transient @Nullable FilesystemPayloadStore payloads;

  /** The reader this boundary parses with. */
  public RecordReader reader() {
    return reader;
  }

  public SourceBoundary(
      StepContext ctx, RecordReader reader, RowValidator validator, String onValidationFailure) {
    this(ctx, reader, validator, onValidationFailure, InferredFields.none());
  }

  /**
   * A boundary that also holds every valid row to the field types {@code inferred} from the
   * source's first valid row, as ELSPETH's locked contract does.
   */
  public SourceBoundary(
      StepContext ctx,
      RecordReader reader,
      RowValidator validator,
      String onValidationFailure,
      InferredFields inferred) {
    this.ctx = ctx;
    this.reader = reader;
    this.validator = validator;
    this.onValidationFailure = onValidationFailure;
    this.inferred = inferred;
  }

  /**
   * The row {@code rec} holds if it is valid: well formed, passing {@code validator}, with a
   * canonical form; null otherwise. The first such row of a source is the one ELSPETH infers its
   * contract from.
   */
  static @Nullable Map<String, Object> validRow(ParsedRecord rec, RowValidator validator) {
    if (rec.isMalformed()) {
      return null;
    }
    Validation v =
        validator.validate(Objects.requireNonNull(rec.row(), "a well-formed record has a row"));
    return v.isValid() && canonicalProblem(v.row()) == null ? v.row() : null;
  }

  /**
   * Parses {@code in} with the reader and records each item, numbering rows from {@code
   * firstIndex}; outputs go to the step's main, routed and audit outputs.
   */
  public Counts read(InputStream in, long firstIndex, DoFn.MultiOutputReceiver out)
      throws IOException {
    long[] counts = new long[4];
    long[] nextIndex = {firstIndex};
    reader.read(
        in,
        rec -> {
          int kind = handle(rec, nextIndex, out);
          counts[kind]++;
        });
    // Outputs of this call become visible only after it returns: the rows' payloads are
    // durable before any row record can commit.
    syncPayloads();
    return new Counts(counts[0], counts[1], counts[2], counts[3]);
  }

  /** What one item becomes, decided before anything of it is emitted. */
  public record Decision(
      int kind,
      ParsedRecord record,
      @Nullable Map<String, Object> data,
      @Nullable String problem,
      List<Violation> violations) {}

  /**
   * Decides what {@code rec} becomes when it takes {@code index}, emitting nothing: its kind is 0
   * for a valid row, 1 for a quarantined one, 2 for a discarded one, 3 for a row a resumed run
   * skips (it reached its terminal outcomes in the run being resumed).
   */
  public Decision decide(ParsedRecord rec, long index) {
    Checked c = check(rec);
    String problem = c.problem();
    boolean discard = problem != null && StepContext.DISCARD.equals(onValidationFailure);
    // Discarded rows take no index, so the indexes of a resumed run match the first run's.
    int kind;
    if (!discard && ctx.isDoneInResumedRun(index)) {
      kind = 3;
    } else if (problem == null) {
      kind = 0;
    } else {
      kind = discard ? 2 : 1;
    }
    return new Decision(kind, rec, c.data(), problem, c.violations());
  }

  /**
   * Whether {@code rec} takes a row index (every record but a discarded one), as {@link #decide}
   * would say, without emitting or hashing anything: records are validated only when invalid ones
   * are discarded.
   */
  public boolean takesIndex(ParsedRecord rec) {
    return !StepContext.DISCARD.equals(onValidationFailure) || check(rec).problem() == null;
  }

  /** A record checked against the schema: its validated row, or its problem. */
  private record Checked(
      @Nullable Map<String, Object> data, @Nullable String problem, List<Violation> violations) {}

  private Checked check(ParsedRecord rec) {
    if (rec.isMalformed()) {
      return new Checked(null, rec.problem(), List.of());
    }
    Validation v =
        validator.validate(Objects.requireNonNull(rec.row(), "a well-formed record has a row"));
    if (v.isValid()) {
      String problem = canonicalProblem(v.row());
      if (problem == null) {
        // Held to the types inferred from the source's first valid row (ELSPETH's locked contract).
        problem = inferred.problem(v.row());
      }
      return new Checked(v.row(), problem, List.of());
    }
    return new Checked(null, v.errorMessage(), v.violations());
  }

  /** Emits what {@code d} decided, at {@code index}, and counts it in the step's metrics. */
  public void emit(Decision d, long index, DoFn.MultiOutputReceiver out) {
    switch (d.kind()) {
      case 0 -> {
        emitValid(Objects.requireNonNull(d.data(), "a valid row has its data"), index, out);
        valid.inc();
      }
      case 1, 2 -> {
        boolean discard = d.kind() == 2;
        String message = d.record().location() + ": " + d.problem();
        out.get(StepTags.AUDIT)
            .output(
                validationError(
                    d.record().raw(),
                    message,
                    d.violations(),
                    discard ? StepContext.DISCARD : onValidationFailure));
        if (discard) {
          discarded.inc();
        } else {
          emitQuarantined(d.record().raw(), message, index, out);
          quarantined.inc();
        }
      }
      default -> {}
    }
  }

  /**
   * Makes the payloads of the rows emitted so far durable; call before the outputs can become
   * visible (before the call that emitted them returns), so no row record commits first.
   */
  public void syncPayloads() throws IOException {
    if (payloads != null) {
      payloads.syncDeferred();
    }
  }

  private int handle(ParsedRecord rec, long[] nextIndex, DoFn.MultiOutputReceiver out) {
    Decision d = decide(rec, nextIndex[0]);
    emit(d, nextIndex[0], out);
    if (d.kind() != 2) {
      nextIndex[0]++;
    }
    return d.kind();
  }

  private static @Nullable String canonicalProblem(Map<String, Object> data) {
    try {
      CanonicalJson.canonicalize(data);
      return null;
    } catch (CanonicalizationException e) {
      return e.getMessage();
    }
  }

  private void emitValid(Map<String, Object> data, long index, DoFn.MultiOutputReceiver out) {
    Instant now = Instant.now();
    String rowId = Ids.rowId(ctx.runId(), ctx.nodeId(), index);
    String hash = CanonicalJson.stableHash(data);
    Token token = Token.fromSource(rowId, index, data);
    String stateId = Ids.stateId();
    DoFn.OutputReceiver<io.elspeth.audit.record.AuditRecord> audit = out.get(StepTags.AUDIT);
    audit.output(
        new RowRecord(
            rowId, ctx.runId(), ctx.nodeId(), index, hash, payloadRef(data), now, token.tokenId()));
    audit.output(tokenRecord(token, now));
    audit.output(
        new NodeStateRecord(
            stateId,
            token.tokenId(),
            ctx.runId(),
            ctx.nodeId(),
            0,
            0,
            "completed",
            hash,
            hash,
            null,
            0.0,
            null,
            null,
            now,
            now,
            rowId));
    out.get(StepTags.MAIN).output(token.touchedBy(stateId));
  }

  private void emitQuarantined(
      Map<String, Object> raw, String message, long index, DoFn.MultiOutputReceiver out) {
    Instant now = Instant.now();
    String rowId = Ids.rowId(ctx.runId(), ctx.nodeId(), index);
    String hash = CanonicalJson.tolerantHash(raw);
    Token token = Token.fromSource(rowId, index, raw);
    String stateId = Ids.stateId();
    String errorHash = Ids.errorHash(message);
    DoFn.OutputReceiver<io.elspeth.audit.record.AuditRecord> audit = out.get(StepTags.AUDIT);
    audit.output(
        new RowRecord(
            rowId, ctx.runId(), ctx.nodeId(), index, hash, payloadRef(raw), now, token.tokenId()));
    audit.output(tokenRecord(token, now));
    audit.output(
        StepAudit.failed(
            ctx, stateId, token, hash, StepAudit.error(message, "ValidationError"), now));
    audit.output(
        StepAudit.routing(
            stateId, ctx.edgeId("__quarantine__"), "divert", Map.of("quarantine_error", message)));
    out.get(StepTags.ROUTED)
        .output(token.touchedBy(stateId).routedTo(onValidationFailure, "quarantined", errorHash));
  }

  /**
   * Stores the row's canonical JSON in the run's payload store and returns its key (equal to the
   * row's hash); null when the run has no store or the row has no canonical form (a quarantined row
   * hashed by its text). The store is durable before the row record is emitted.
   */
  private @Nullable String payloadRef(Map<String, Object> row) {
    String base = ctx.payloadStore();
    if (base == null) {
      return null;
    }
    byte[] canonical;
    try {
      canonical = CanonicalJson.canonicalBytes(row);
    } catch (CanonicalizationException e) {
      return null;
    }
    if (payloads == null) {
      payloads = FilesystemPayloadStore.at(Path.of(base));
    }
    return payloads.storeDeferred(canonical);
  }

  private TokenRecord tokenRecord(Token token, Instant now) {
    return new TokenRecord(
        token.tokenId(), token.rowId(), ctx.runId(), null, null, null, null, null, now);
  }

  private ValidationErrorRecord validationError(
      Map<String, Object> raw, String message, List<Violation> violations, String destination) {
    Violation first = violations.isEmpty() ? null : violations.get(0);
    return new ValidationErrorRecord(
        Ids.validationErrorId(),
        ctx.runId(),
        ctx.nodeId(),
        CanonicalJson.tolerantHash(raw),
        CanonicalJson.tolerantJson(raw),
        message,
        validator.spec().mode().configName(),
        destination,
        Instant.now(),
        first == null ? null : first.violationType(),
        first == null ? null : first.field(),
        first == null ? null : first.field(),
        first == null ? null : first.expectedType(),
        first == null ? null : first.actualType());
  }
}

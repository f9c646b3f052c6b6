package io.elspeth.plugin;

import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.AuditRecordCoder;
import io.elspeth.audit.token.Token;
import io.elspeth.audit.token.TokenCoder;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * The tagged outputs of every step: tokens that continue, tokens routed to a sink (their
 * destination set), and the audit records for the Landscape commit.
 */
public final class StepTags {
  public static final TupleTag<Token> MAIN = new TupleTag<>("main") {};
  public static final TupleTag<Token> ROUTED = new TupleTag<>("routed") {};
  public static final TupleTag<AuditRecord> AUDIT = new TupleTag<>("audit") {};

  private StepTags() {}

  public static TupleTagList additional() {
    return TupleTagList.of(ROUTED).and(AUDIT);
  }

  /** Sets the coders of a step's outputs. */
  public static PCollectionTuple withCoders(PCollectionTuple tuple) {
    tuple.get(MAIN).setCoder(TokenCoder.of());
    tuple.get(ROUTED).setCoder(TokenCoder.of());
    tuple.get(AUDIT).setCoder(AuditRecordCoder.of());
    return tuple;
  }
}

package io.elspeth.testkit.beam;

import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.token.Token;
import io.elspeth.plugin.StepTags;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Everything a step emitted (MAIN and ROUTED tokens, AUDIT records) gathered into one collection,
 * so that one PAssert can check the outputs against each other, e.g. that a token's last state is
 * the node state recorded for it.
 */
public final class StepOutputs {

  /** One element a step emitted, with the output it came from. */
  public record Emitted(String output, @Nullable Token token, @Nullable AuditRecord record)
      implements Serializable {}

  private final List<Token> main = new ArrayList<>();
  private final List<Token> routed = new ArrayList<>();
  private final List<AuditRecord> audit = new ArrayList<>();

  private StepOutputs(Iterable<Emitted> emitted) {
    for (Emitted e : emitted) {
      switch (e.output()) {
        case "main" -> main.add(e.token());
        case "routed" -> routed.add(e.token());
        case "audit" -> audit.add(e.record());
        default -> throw new IllegalStateException("unknown output " + e.output());
      }
    }
  }

  /** The three outputs of a step as one collection. */
  public static PCollection<Emitted> gather(PCollectionTuple out) {
    PCollection<Emitted> main =
        out.get(StepTags.MAIN)
            .apply(
                "main as emitted",
                MapElements.into(TypeDescriptor.of(Emitted.class))
                    .via(t -> new Emitted("main", t, null)));
    PCollection<Emitted> routed =
        out.get(StepTags.ROUTED)
            .apply(
                "routed as emitted",
                MapElements.into(TypeDescriptor.of(Emitted.class))
                    .via(t -> new Emitted("routed", t, null)));
    PCollection<Emitted> audit =
        out.get(StepTags.AUDIT)
            .apply(
                "audit as emitted",
                MapElements.into(TypeDescriptor.of(Emitted.class))
                    .via(r -> new Emitted("audit", null, r)));
    SerializableCoder<Emitted> coder = SerializableCoder.of(Emitted.class);
    main.setCoder(coder);
    routed.setCoder(coder);
    audit.setCoder(coder);
    return PCollectionList.of(main)
        .and(routed)
        .and(audit)
        .apply("gather step outputs", Flatten.pCollections())
        .setCoder(coder);
  }

  /** A view of the gathered elements, as PAssert hands them over. */
  public static StepOutputs of(Iterable<Emitted> emitted) {
    return new StepOutputs(emitted);
  }

  public List<Token> main() {
    return main;
  }

  public List<Token> routed() {
    return routed;
  }

  /** The audit records of one type, in no particular order. */
  public <T extends AuditRecord> List<T> audit(Class<T> type) {
    return audit.stream().filter(type::isInstance).map(type::cast).toList();
  }

  /** The one audit record of a type; more or fewer is a test failure. */
  public <T extends AuditRecord> T only(Class<T> type) {
    List<T> records = audit(type);
    if (records.size() != 1) {
      throw new AssertionError(
          "expected exactly one " + type.getSimpleName() + " but got " + records);
    }
    return records.get(0);
  }
}

package io.elspeth.audit.commit;

import io.elspeth.audit.payload.PayloadStore;
import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.CallRecord;
import io.elspeth.audit.record.TokenOutcomeRecord;
import io.elspeth.telemetry.config.Granularity;
import io.elspeth.telemetry.event.TelemetryEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The events of a trail a step commits itself (a failed operation, a batch checkpoint, a refused
 * sink row), where the run's graph is not at hand: one {@code ExternalCallCompleted} per inserted
 * call (at {@code full}; provider: the step's name unless the call names its own) and one {@code
 * TokenCompleted} per inserted terminal outcome that carries its row.
 *
 * @param tokenId the token a call is made for when the call does not name one (null: none)
 * @param payloads where call payloads are read back from at {@code full} (null: events without)
 */
public record StepTrailEvents(
    String runId, String stepName, @Nullable String tokenId, @Nullable PayloadStore payloads)
    implements CommitEvents {

  @Override
  public Granularity minimum() {
    return Granularity.ROWS;
  }

  @Override
  public Built of(List<? extends AuditRecord> records, List<AuditRecord> inserted, boolean full) {
    Instant now = Instant.now();
    List<TelemetryEvent> out = new ArrayList<>();
    int dropped = 0;
    for (AuditRecord r : inserted) {
      try {
        if (r instanceof CallRecord c && full) {
          out.add(CallTelemetry.event(runId, c, stepName, tokenId, now, payloads));
        } else if (r instanceof TokenOutcomeRecord o && o.isTerminal() == 1) {
          String row = o.rowId();
          if (row == null) {
            dropped++;
          } else {
            out.add(
                new TelemetryEvent.TokenCompleted(
                    now, runId, row, o.tokenId(), o.outcome(), o.sinkName()));
          }
        }
      } catch (RuntimeException e) {
        dropped++;
      }
    }
    return new Built(out, dropped);
  }
}

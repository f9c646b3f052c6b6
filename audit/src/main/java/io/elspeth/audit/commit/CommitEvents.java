package io.elspeth.audit.commit;

import io.elspeth.audit.record.AuditRecord;
import io.elspeth.telemetry.config.Granularity;
import io.elspeth.telemetry.event.TelemetryEvent;
import java.util.List;

/**
 * The telemetry of one committed transaction, for {@link LandscapeWriter}: the events of the
 * records the transaction inserted, built after it committed. Implementations never throw: an event
 * that cannot be built is counted in {@link Built#dropped()}.
 */
public interface CommitEvents {
  /** The coarsest granularity at which any of these events is wanted (none below it). */
  Granularity minimum();

  /**
   * The events of the {@code inserted} records of a transaction of {@code records} (every record of
   * the transaction gives context: rows of tokens, states of calls, ...).
   *
   * @param full whether {@code full} granularity is wanted (call events are emitted only then)
   */
  Built of(List<? extends AuditRecord> records, List<AuditRecord> inserted, boolean full);

  /** The events of one committed transaction, and how many could not be built. */
  record Built(List<TelemetryEvent> events, int dropped) {
    public Built {
      events = List.copyOf(events);
    }
  }
}

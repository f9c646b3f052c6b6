package io.elspeth.telemetry.config;

import java.util.Locale;

/**
 * How much telemetry a run emits; monotonic: every level emits everything the levels below it emit.
 * lifecycle: run and phase events; rows: plus row, transform, gate and token events; full: plus
 * external call events.
 */
public enum Granularity {
  LIFECYCLE,
  ROWS,
  FULL;

  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Whether this level emits events of {@code category}'s minimum level. */
  public boolean includes(Granularity category) {
    return compareTo(category) >= 0;
  }
}

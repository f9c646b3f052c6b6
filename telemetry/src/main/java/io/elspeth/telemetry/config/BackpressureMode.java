package io.elspeth.telemetry.config;

import java.util.Locale;

/**
 * What the telemetry queue does when full: block (bounded wait, then a counted drop) or drop the
 * oldest.
 */
public enum BackpressureMode {
  BLOCK,
  DROP;

  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }
}

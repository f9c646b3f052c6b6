package io.elspeth.telemetry.exporter;

/** An exporter's options are invalid; the message names the exporter and the option. */
public final class TelemetryConfigException extends RuntimeException {
  public TelemetryConfigException(String exporter, String message) {
    super("telemetry exporter '" + exporter + "': " + message);
  }
}

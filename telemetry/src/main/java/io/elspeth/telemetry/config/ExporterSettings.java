package io.elspeth.telemetry.config;

import java.io.Serializable;
import java.util.Map;

/** One configured exporter: its name and its free-form options. */
public record ExporterSettings(String name, Map<String, Object> options) implements Serializable {
  public ExporterSettings {
    options = Map.copyOf(options);
  }
}

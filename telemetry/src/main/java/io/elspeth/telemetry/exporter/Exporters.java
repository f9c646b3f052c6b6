package io.elspeth.telemetry.exporter;

import io.elspeth.telemetry.config.ExporterSettings;
import io.elspeth.telemetry.exporter.azure.AzureMonitorExporter;
import io.elspeth.telemetry.exporter.console.ConsoleExporter;
import io.elspeth.telemetry.exporter.datadog.DatadogExporter;
import io.elspeth.telemetry.exporter.otlp.OtlpExporter;
import java.util.List;

/** The built-in exporters by settings name: validation of their options and construction. */
public final class Exporters {
  private Exporters() {}

  /** Every problem with an exporter's options, as {@code options.<key>: ...} (empty: valid). */
  public static List<String> validate(ExporterSettings settings) {
    return switch (settings.name()) {
      case ConsoleExporter.NAME -> ConsoleExporter.validate(settings.options());
      case OtlpExporter.NAME -> OtlpExporter.validate(settings.options());
      case AzureMonitorExporter.NAME -> AzureMonitorExporter.validate(settings.options());
      case DatadogExporter.NAME -> DatadogExporter.validate(settings.options());
      default -> List.of("name: unknown exporter '" + settings.name() + "'");
    };
  }

  /** A configured exporter; invalid options raise {@link TelemetryConfigException}. */
  public static TelemetryExporter create(ExporterSettings settings) {
    return switch (settings.name()) {
      case ConsoleExporter.NAME -> ConsoleExporter.fromOptions(settings.options());
      case OtlpExporter.NAME -> OtlpExporter.fromOptions(settings.options());
      case AzureMonitorExporter.NAME -> AzureMonitorExporter.fromOptions(settings.options());
      case DatadogExporter.NAME -> DatadogExporter.fromOptions(settings.options());
      default -> throw new TelemetryConfigException(settings.name(), "unknown exporter");
    };
  }
}

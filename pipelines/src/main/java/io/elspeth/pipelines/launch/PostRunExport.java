package io.elspeth.pipelines.launch;

import io.elspeth.audit.export.CsvExportGroups;
import io.elspeth.audit.export.ExportWriter;
import io.elspeth.audit.export.LandscapeExporter;
import io.elspeth.audit.export.SigningKey;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.connectors.operation.OperationCalls;
import io.elspeth.connectors.schema.SchemaSpec;
import io.elspeth.connectors.sink.CsvSinkWriter;
import io.elspeth.pipelines.settings.LandscapeExport;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ELSPETH's post-run export ({@code landscape.export}): once a run has completed, its audit trail
 * (the records of {@code elspeth export}, signed the same way when {@code sign} is set) is written
 * to the export sink, and the run's {@code export_status} goes pending, then completed or failed
 * with the error. A failed export leaves the run completed (its rows and Landscape are whole) and
 * is reported to the caller, who exits non-zero, as ELSPETH reports a PARTIAL run.
 *
 * <ul>
 *   <li>{@code json}: every record (and the manifest, when signed) handed to the sink's writer in
 *       one write, so a {@code jsonl} file sink writes what {@code elspeth verify} checks;
 *   <li>{@code csv}: one file per record type, {@code <sink path without suffix>/<type>.csv}, rows
 *       flattened with dots and a sorted header (spec/landscape.md §7.3).
 * </ul>
 *
 * <p>The export's own writes are not recorded in the Landscape (the run is closed when it starts),
 * as in ELSPETH.
 */
final class PostRunExport {
  private static final Logger LOG = LoggerFactory.getLogger(PostRunExport.class);

  private PostRunExport() {}

  /** Exports {@code runId}; the error, or empty when the export completed. */
  static Optional<String> export(
      LandscapeStore store, String runId, LandscapeExport export, Map<String, String> env) {
    String sinkName = export.sink().name();
    store.setExportStatus(
        runId, "pending", null, export.format().configName(), sinkName, Instant.now());
    try {
      SigningKey key = export.sign() ? SigningKey.fromEnvironment(env) : null;
      Instant exportedAt = Instant.now();
      long[] written = {0};
      try (Connection c = store.connection()) {
        // Read from the Landscape a window of rows at a time, as the sink takes them: a run of
        // any size is exported in bounded memory. Each pass reads the run again (a writer may
        // read its rows twice), signed with the same time, so every pass yields the same records.
        Iterable<Map<String, Object>> records =
            () -> {
              Iterator<Map<String, Object>> read = LandscapeExporter.records(c, runId);
              Iterator<Map<String, Object>> signed =
                  key == null ? read : ExportWriter.signing(runId, read, key, exportedAt);
              written[0] = 0;
              return new Iterator<>() {
                @Override
                public boolean hasNext() {
                  return signed.hasNext();
                }

                @Override
                public Map<String, Object> next() {
                  written[0]++;
                  return signed.next();
                }
              };
            };
        OperationCalls calls = new OperationCalls(runId, "export_" + runId);
        if (export.format() == LandscapeExport.Format.JSON) {
          export.sink().descriptor().create(export.sink().options()).write(records, calls);
        } else {
          Path folder = folder(export);
          try (CsvExportGroups groups = CsvExportGroups.of(records.iterator())) {
            for (String type : groups.types()) {
              new CsvSinkWriter(
                      folder.resolve(type + ".csv").toString(),
                      ',',
                      "utf-8",
                      false,
                      SchemaSpec.dynamic(),
                      Map.of())
                  .write(groups.rows(type), calls);
            }
          }
        }
      }
      store.setExportStatus(runId, "completed", null, null, null, Instant.now());
      LOG.info(
          "run exported run_id={} sink={} format={} records={} signed={}",
          runId,
          sinkName,
          export.format().configName(),
          written[0],
          key != null);
      return Optional.empty();
    } catch (Exception e) {
      String error =
          "export of run "
              + runId
              + " to sink '"
              + sinkName
              + "' failed: "
              + RunLauncher.rootMessage(e);
      LOG.error("run export failed run_id={} sink={} error={}", runId, sinkName, error);
      store.setExportStatus(runId, "failed", error, null, null, Instant.now());
      return Optional.of(error);
    }
  }

  /** The CSV export's folder: the sink's path without its suffix, as ELSPETH names it. */
  static Path folder(LandscapeExport export) {
    Path path = Path.of((String) export.sink().options().asMap().get("path")).toAbsolutePath();
    String name = path.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return dot > 0 ? path.resolveSibling(name.substring(0, dot)) : path;
  }
}

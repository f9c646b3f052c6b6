package io.elspeth.audit.commit;

import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.store.LandscapeUrl;
import io.elspeth.telemetry.config.TelemetrySettings;
import java.io.Serializable;
import java.util.Map;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Commits the audit records of a pipeline to the Landscape: records are buffered per bundle and
 * written in one transaction when the bundle finishes, or earlier when the buffer reaches its cap.
 * A failed commit fails the bundle, so the run fails rather than produce output without its audit
 * record. With {@link #withTelemetry}, the records of each transaction that committed, and only
 * those, are turned into row and call telemetry events after the commit.
 *
 * <pre>{@code auditRecords.apply(LandscapeCommit.to(url).withMaxBatchSize(2000));}</pre>
 */
public final class LandscapeCommit extends PTransform<PCollection<AuditRecord>, PDone> {
  public static final int DEFAULT_MAX_BATCH_SIZE = 5000;

  private final LandscapeUrl url;
  private final int maxBatchSize;
  private final @Nullable TelemetryWiring telemetry;

  private LandscapeCommit(LandscapeUrl url, int maxBatchSize, @Nullable TelemetryWiring telemetry) {
    this.url = url;
    this.maxBatchSize = maxBatchSize;
    this.telemetry = telemetry;
  }

  public static LandscapeCommit to(LandscapeUrl url) {
    return new LandscapeCommit(url, DEFAULT_MAX_BATCH_SIZE, null);
  }

  /** Commits early once a bundle has buffered this many records. */
  public LandscapeCommit withMaxBatchSize(int size) {
    if (size < 1) {
      throw new IllegalArgumentException("withMaxBatchSize() must be at least 1, got " + size);
    }
    return new LandscapeCommit(url, size, telemetry);
  }

  /** Emits telemetry for committed records through the run's per-JVM manager. */
  public LandscapeCommit withTelemetry(TelemetryWiring wiring) {
    return new LandscapeCommit(url, maxBatchSize, wiring);
  }

  /** A DAG node as telemetry names it: its type (source, transform, gate, sink) and names. */
  public record NodeInfo(String nodeType, String name, String pluginName) implements Serializable {}

  /**
   * What the commit needs to emit telemetry: the run, its (serialisable) telemetry settings, the
   * run's nodes by id, each edge's destination name (a sink name) by edge id, and the base folder
   * of the run's payload store (call payloads at {@code full} are read from it; null: calls go
   * without payloads).
   */
  public record TelemetryWiring(
      String runId,
      TelemetrySettings settings,
      Map<String, NodeInfo> nodes,
      Map<String, String> edgeDestinations,
      @Nullable String payloadStore)
      implements Serializable {
    public TelemetryWiring {
      nodes = Map.copyOf(nodes);
      edgeDestinations = Map.copyOf(edgeDestinations);
    }

    /** Wiring of a run without a payload store. */
    public TelemetryWiring(
        String runId,
        TelemetrySettings settings,
        Map<String, NodeInfo> nodes,
        Map<String, String> edgeDestinations) {
      this(runId, settings, nodes, edgeDestinations, null);
    }
  }

  @Override
  public PDone expand(PCollection<AuditRecord> input) {
    input.apply("CommitPerBundle", ParDo.of(new LandscapeCommitFn(url, maxBatchSize, telemetry)));
    return PDone.in(input.getPipeline());
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    builder
        .add(DisplayData.item("landscape", url.toString()))
        .add(DisplayData.item("maxBatchSize", maxBatchSize))
        .add(DisplayData.item("telemetry", telemetry != null && telemetry.settings().enabled()));
  }
}

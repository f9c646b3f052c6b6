package io.elspeth.pipelines.openlineage;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.elspeth.connectors.schema.FieldSpec;
import io.elspeth.pipelines.graph.PipelinePlan;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The OpenLineage run events (spec 2-0-2) of one run of one pipeline, written with Jackson to the
 * OpenLineage JSON schema: the job (namespace from the settings, name the pipeline's), the run (its
 * id the Landscape run id as a UUID, an {@code elspeth} facet with the Landscape run id, the
 * settings hash and a link to the console), the input and output datasets with their schema facets
 * and, once the run has ended, their row counts.
 */
public final class RunEvents {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String SPEC = "https://openlineage.io/spec/2-0-2/OpenLineage.json";
  static final String FACETS = "https://openlineage.io/spec/facets/";

  /** Identifies this producer, as the spec asks: a URI naming the software and its version. */
  static final String PRODUCER = "urn:elspeth-on-beam:" + PipelinePlan.ENGINE_VERSION;

  /** The schema URL of ELSPETH's own facets (a URN: the spec requires a URI, not a fetch). */
  static final String ELSPETH_FACETS = "urn:elspeth-on-beam:openlineage-facets:1";

  /** The kinds of events ELSPETH emits. */
  public enum EventType {
    START,
    RUNNING,
    COMPLETE,
    FAIL,
    ABORT
  }

  private final String namespace;
  private final String jobName;
  private final @Nullable String description;
  private final String settingsHash;
  private final @Nullable String consoleUrl;
  private final RunDatasets datasets;

  /**
   * @param namespace the job namespace ({@code lineage.namespace})
   * @param jobName the pipeline's name ({@code name}, or the settings file's name)
   * @param description the pipeline's {@code description}, or null
   * @param settingsHash the hash of the settings recorded on the run
   * @param consoleUrl base URL of an {@code elspeth web} console, or null
   */
  public RunEvents(
      String namespace,
      String jobName,
      @Nullable String description,
      String settingsHash,
      @Nullable String consoleUrl,
      RunDatasets datasets) {
    this.namespace = namespace;
    this.jobName = jobName;
    this.description = description;
    this.settingsHash = settingsHash;
    this.consoleUrl = consoleUrl;
    this.datasets = datasets;
  }

  /** The datasets the events name. */
  public RunDatasets datasets() {
    return datasets;
  }

  /**
   * The OpenLineage run id of a Landscape run: the run id itself when it is a UUID written without
   * dashes (as ELSPETH mints them), otherwise a name-based UUID of it.
   */
  public static String openLineageRunId(String landscapeRunId) {
    if (landscapeRunId.matches("[0-9a-fA-F]{32}")) {
      String h = landscapeRunId.toLowerCase(java.util.Locale.ROOT);
      return h.substring(0, 8)
          + "-"
          + h.substring(8, 12)
          + "-"
          + h.substring(12, 16)
          + "-"
          + h.substring(16, 20)
          + "-"
          + h.substring(20);
    }
    return UUID.nameUUIDFromBytes(landscapeRunId.getBytes(java.nio.charset.StandardCharsets.UTF_8))
        .toString();
  }

  /** The event of a run starting: the datasets it will read and write, without counts. */
  public ObjectNode start(String runId, Instant at) {
    return event(EventType.START, runId, at, null, null, null);
  }

  /** The event of a run still going, with the rows it has read so far. */
  public ObjectNode running(String runId, Instant at, long rowsRead) {
    return event(EventType.RUNNING, runId, at, rowsRead, null, null);
  }

  /**
   * The event of a run that ended: {@code COMPLETE}, or {@code FAIL} with its error; the rows read
   * and, per sink name, the rows each sink received (terminal outcomes; null when they are not
   * known, and the outputs then carry no count).
   */
  public ObjectNode ended(
      String runId,
      Instant at,
      @Nullable String failure,
      long rowsRead,
      @Nullable Map<String, Long> rowsPerSink) {
    return event(
        failure == null ? EventType.COMPLETE : EventType.FAIL,
        runId,
        at,
        rowsRead,
        rowsPerSink,
        failure);
  }

  /** The event of a run found interrupted (its process gone) and closed by a resume. */
  public ObjectNode aborted(String runId, Instant at) {
    return event(EventType.ABORT, runId, at, null, null, null);
  }

  private ObjectNode event(
      EventType type,
      String runId,
      Instant at,
      @Nullable Long rowsRead,
      @Nullable Map<String, Long> rowsPerSink,
      @Nullable String failure) {
    ObjectNode e = JSON.createObjectNode();
    e.put("eventType", type.name());
    e.put("eventTime", at.toString());
    e.put("producer", PRODUCER);
    e.put("schemaURL", SPEC + "#/$defs/RunEvent");
    e.set("run", run(runId, failure));
    e.set("job", job());
    RunDatasets datasets = this.datasets.forRun(runId);
    ArrayNode inputs = e.putArray("inputs");
    datasets
        .input()
        .ifPresent(
            in -> {
              ObjectNode d = dataset(in);
              if (rowsRead != null) {
                d.putObject("inputFacets")
                    .set(
                        "inputStatistics",
                        facet(
                                "1-0-0/InputStatisticsInputDatasetFacet.json",
                                "InputStatisticsInputDatasetFacet")
                            .put("rowCount", rowsRead));
              }
              inputs.add(d);
            });
    ArrayNode outputs = e.putArray("outputs");
    datasets
        .outputs()
        .forEach(
            (sink, out) -> {
              ObjectNode d = dataset(out);
              if (rowsPerSink != null) {
                d.putObject("outputFacets")
                    .set(
                        "outputStatistics",
                        facet(
                                "1-0-2/OutputStatisticsOutputDatasetFacet.json",
                                "OutputStatisticsOutputDatasetFacet")
                            .put("rowCount", rowsPerSink.getOrDefault(sink, 0L)));
              }
              outputs.add(d);
            });
    return e;
  }

  private ObjectNode run(String runId, @Nullable String failure) {
    ObjectNode run = JSON.createObjectNode();
    run.put("runId", openLineageRunId(runId));
    ObjectNode facets = run.putObject("facets");
    ObjectNode elspeth = ownFacet("ElspethRunFacet");
    elspeth.put("landscapeRunId", runId);
    elspeth.put("settingsHash", settingsHash);
    if (consoleUrl != null) {
      elspeth.put(
          "consoleUrl",
          (consoleUrl.endsWith("/") ? consoleUrl : consoleUrl + "/") + "runs/" + runId);
    }
    facets.set("elspeth", elspeth);
    if (failure != null) {
      facets.set(
          "errorMessage",
          facet("1-0-1/ErrorMessageRunFacet.json", "ErrorMessageRunFacet")
              .put("message", failure)
              .put("programmingLanguage", "Java"));
    }
    return run;
  }

  private ObjectNode job() {
    ObjectNode job = JSON.createObjectNode();
    job.put("namespace", namespace);
    job.put("name", jobName);
    ObjectNode facets = job.putObject("facets");
    facets.set(
        "jobType",
        facet("2-0-4/JobTypeJobFacet.json", "JobTypeJobFacet")
            .put("processingType", "BATCH")
            .put("integration", "ELSPETH")
            .put("jobType", "PIPELINE"));
    if (description != null && !description.isBlank()) {
      facets.set(
          "documentation",
          facet("1-1-0/DocumentationJobFacet.json", "DocumentationJobFacet")
              .put("description", description));
    }
    facets.set("elspeth", ownFacet("ElspethJobFacet").put("settingsHash", settingsHash));
    return job;
  }

  private static ObjectNode dataset(LineageDataset dataset) {
    ObjectNode d = JSON.createObjectNode();
    d.put("namespace", dataset.namespace());
    d.put("name", dataset.name());
    ObjectNode facets = d.putObject("facets");
    if (!dataset.fields().isEmpty()) {
      ObjectNode schema = facet("1-2-0/SchemaDatasetFacet.json", "SchemaDatasetFacet");
      ArrayNode fields = schema.putArray("fields");
      for (FieldSpec f : dataset.fields()) {
        fields.addObject().put("name", f.name()).put("type", f.type().configName());
      }
      facets.set("schema", schema);
    }
    return d;
  }

  /** A facet of the spec: its producer and the schema URL of its definition. */
  private static ObjectNode facet(String file, String definition) {
    ObjectNode f = JSON.createObjectNode();
    f.put("_producer", PRODUCER);
    f.put("_schemaURL", FACETS + file + "#/$defs/" + definition);
    return f;
  }

  private static ObjectNode ownFacet(String definition) {
    ObjectNode f = JSON.createObjectNode();
    f.put("_producer", PRODUCER);
    f.put("_schemaURL", ELSPETH_FACETS + "#/$defs/" + definition);
    return f;
  }
}

package io.elspeth.pipelines.openlineage;

import io.elspeth.connectors.blob.AzureAuth;
import io.elspeth.connectors.lineage.DatasetName;
import io.elspeth.connectors.schema.FieldSpec;
import io.elspeth.connectors.schema.SchemaSpec;
import io.elspeth.connectors.sink.SinkWriter;
import io.elspeth.pipelines.graph.PipelinePlan;
import io.elspeth.pipelines.settings.PipelineSettings;
import io.elspeth.plugin.PluginOptions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The datasets a run reads and writes, as its OpenLineage events name them: the source's file or
 * blob (the {@code null} source reads none) and every sink's file, blob or table, each with the
 * schema its settings declare.
 *
 * @param input the source's dataset, if it reads one
 * @param outputs each sink's dataset, by sink name
 * @param outputsOfRun each sink's dataset for a run id, where the name depends on the run (a blob
 *     path templated with {@code run_id}); {@link #forRun} applies them
 */
public record RunDatasets(
    Optional<LineageDataset> input,
    Map<String, LineageDataset> outputs,
    Map<String, Function<String, LineageDataset>> outputsOfRun) {
  public RunDatasets {
    outputs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
    outputsOfRun = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(outputsOfRun));
  }

  public RunDatasets(Optional<LineageDataset> input, Map<String, LineageDataset> outputs) {
    this(input, outputs, Map.of());
  }

  /** The datasets as the run {@code runId} names them. */
  public RunDatasets forRun(String runId) {
    if (outputsOfRun.isEmpty()) {
      return this;
    }
    Map<String, LineageDataset> named = new LinkedHashMap<>(outputs);
    outputsOfRun.forEach((sink, naming) -> named.put(sink, naming.apply(runId)));
    return new RunDatasets(input, named, outputsOfRun);
  }

  /** The datasets of {@code plan}'s source and sinks. */
  public static RunDatasets of(PipelinePlan plan) {
    PipelineSettings settings = plan.settings();
    Map<String, LineageDataset> outputs = new LinkedHashMap<>();
    Map<String, Function<String, LineageDataset>> outputsOfRun = new LinkedHashMap<>();
    for (PipelineSettings.Sink sink : settings.sinks().values()) {
      SinkWriter writer = plan.sinkWriter(sink);
      List<FieldSpec> fields = fields(sink.options());
      outputs.put(sink.name(), LineageDataset.of(writer.dataset(), fields));
      outputsOfRun.put(sink.name(), runId -> LineageDataset.of(writer.dataset(runId), fields));
    }
    return new RunDatasets(source(settings.source()), outputs, outputsOfRun);
  }

  private static Optional<LineageDataset> source(PipelineSettings.Source source) {
    PluginOptions o = source.options();
    DatasetName name =
        switch (source.plugin()) {
          case "csv", "json" ->
              o.string("path") == null ? null : DatasetName.file(o.string("path"));
          case "azure_blob" ->
              DatasetName.azureBlob(
                  AzureAuth.from(o).account(),
                  o.requiredString("container"),
                  o.requiredString("blob_path"));
          // The null source reads nothing; a plugin not named here reads nothing ELSPETH names.
          default -> null;
        };
    return Optional.ofNullable(name).map(n -> LineageDataset.of(n, fields(o)));
  }

  private static List<FieldSpec> fields(PluginOptions options) {
    SchemaSpec schema = options.schema();
    return schema.isDynamic() ? List.of() : schema.fields();
  }
}

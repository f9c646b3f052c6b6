package io.elspeth.pipelines.openlineage;

import io.elspeth.connectors.blob.AzureAuth;
import io.elspeth.connectors.lineage.DatasetName;
import io.elspeth.connectors.schema.SchemaSpec;
import io.elspeth.pipelines.graph.PipelinePlan;
import io.elspeth.pipelines.settings.PipelineSettings;
import io.elspeth.plugin.PluginOptions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The datasets a run reads and writes, as its OpenLineage events name them: the source's file or
 * blob (the {@code null} source reads none) and every sink's file, blob or table, each with the
 * schema its settings declare.
 *
 * @param input the source's dataset, if it reads one
 * @param outputs each sink's dataset, by sink name
 */
public record RunDatasets(Optional<LineageDataset> input, Map<String, LineageDataset> outputs) {
  public RunDatasets {
    outputs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
  }

  /** The datasets of {@code plan}'s source and sinks. */
  public static RunDatasets of(PipelinePlan plan) {
    PipelineSettings settings = plan.settings();
    Map<String, LineageDataset> outputs = new LinkedHashMap<>();
    for (PipelineSettings.Sink sink : settings.sinks().values()) {
      DatasetName name = plan.sinkWriter(sink).dataset();
      outputs.put(sink.name(), LineageDataset.of(name, fields(sink.options())));
    }
    return new RunDatasets(source(settings.source()), outputs);
  }

  private static Optional<LineageDataset> source(PipelineSettings.Source source) {
    PluginOptions o = source.options();
    DatasetName name = switch (source.plugin()) {
      case "csv", "json" -> o.string("path") == null ? null : DatasetName.file(o.string("path"));
      case "azure_blob" -> DatasetName.azureBlob(AzureAuth.from(o).account(),
          o.requiredString("container"), o.requiredString("blob_path"));
      // The null source reads nothing; a plugin not named here reads nothing ELSPETH names.
      default -> null;
    };
    return Optional.ofNullable(name).map(n -> LineageDataset.of(n, fields(o)));
  }

  private static List<io.elspeth.connectors.schema.FieldSpec> fields(PluginOptions options) {
    SchemaSpec schema = options.schema();
    return schema.isDynamic() ? List.of() : schema.fields();
  }
}

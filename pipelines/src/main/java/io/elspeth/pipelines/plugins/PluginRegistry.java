package io.elspeth.pipelines.plugins;

import io.elspeth.connectors.blob.AzureBlobSinkPlugin;
import io.elspeth.connectors.blob.AzureBlobSourcePlugin;
import io.elspeth.connectors.database.DatabaseSinkPlugin;
import io.elspeth.connectors.plugins.CsvSinkPlugin;
import io.elspeth.connectors.plugins.CsvSourcePlugin;
import io.elspeth.connectors.plugins.JsonSinkPlugin;
import io.elspeth.connectors.plugins.JsonSourcePlugin;
import io.elspeth.connectors.plugins.NullSourcePlugin;
import io.elspeth.plugin.PluginDescriptor;
import io.elspeth.plugin.SinkPlugin;
import io.elspeth.plugin.SourcePlugin;
import io.elspeth.transforms.dag.AggregationPlugin;
import io.elspeth.transforms.dag.BatchReplicatePlugin;
import io.elspeth.transforms.dag.BatchStatsPlugin;
import io.elspeth.transforms.llm.BatchLlmPlugin;
import io.elspeth.transforms.llm.LlmPlugin;
import io.elspeth.transforms.local.FieldMapperPlugin;
import io.elspeth.transforms.local.JsonExplodePlugin;
import io.elspeth.transforms.local.KeywordFilterPlugin;
import io.elspeth.transforms.local.PassthroughPlugin;
import io.elspeth.transforms.local.TruncatePlugin;
import io.elspeth.transforms.rag.RagRetrievalPlugin;
import io.elspeth.transforms.safety.ContentSafetyPlugin;
import io.elspeth.transforms.safety.PromptShieldPlugin;
import io.elspeth.transforms.step.TransformPlugin;
import io.elspeth.transforms.web.WebScrapePlugin;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;

/** Every plugin a settings file can name, by kind and name. */
public final class PluginRegistry {
  private final Map<String, SourcePlugin> sources = new LinkedHashMap<>();
  private final Map<String, TransformPlugin> transforms = new LinkedHashMap<>();
  private final Map<String, SinkPlugin> sinks = new LinkedHashMap<>();
  private final Map<String, AggregationPlugin> aggregations = new LinkedHashMap<>();

  private PluginRegistry() {}

  /** The plugins shipped with this build. */
  public static PluginRegistry builtIn() {
    PluginRegistry r = new PluginRegistry();
    List.of(
            new CsvSourcePlugin(),
            new JsonSourcePlugin(),
            new NullSourcePlugin(),
            new AzureBlobSourcePlugin())
        .forEach(p -> r.sources.put(p.name(), p));
    List.of(
            new PassthroughPlugin(),
            new FieldMapperPlugin(),
            new TruncatePlugin(),
            new KeywordFilterPlugin(),
            new JsonExplodePlugin())
        .forEach(p -> r.transforms.put(p.name(), p));
    LlmPlugin.all().forEach(p -> r.transforms.put(p.name(), p));
    List.of(
            new ContentSafetyPlugin(),
            new PromptShieldPlugin(),
            new WebScrapePlugin(),
            new RagRetrievalPlugin())
        .forEach(p -> r.transforms.put(p.name(), p));
    List.of(
            new CsvSinkPlugin(),
            new JsonSinkPlugin(),
            new AzureBlobSinkPlugin(),
            new DatabaseSinkPlugin())
        .forEach(p -> r.sinks.put(p.name(), p));
    List.of(
            new BatchStatsPlugin(),
            new BatchReplicatePlugin(),
            BatchLlmPlugin.azureBatchLlm(),
            BatchLlmPlugin.openRouterBatchLlm())
        .forEach(p -> r.aggregations.put(p.name(), p));
    return r;
  }

  /**
   * The built-in plugins and every plugin found on the classpath: a jar lists its plugin classes
   * (each a {@link SourcePlugin}, {@link TransformPlugin}, {@link AggregationPlugin} or {@link
   * SinkPlugin} with a public no-argument constructor) in {@code
   * META-INF/services/io.elspeth.plugin.PluginDescriptor}. What the command and the Java API
   * validate settings against.
   *
   * @throws IllegalStateException when a found plugin's name is taken by another of its kind
   */
  public static PluginRegistry installed() {
    return builtIn().with(ServiceLoader.load(PluginDescriptor.class));
  }

  /** This registry and {@code plugins}, each filed under its kind. */
  PluginRegistry with(Iterable<PluginDescriptor> plugins) {
    PluginRegistry r = copy();
    for (PluginDescriptor p : plugins) {
      if (p instanceof SourcePlugin s) {
        add(r.sources, s);
      } else if (p instanceof TransformPlugin t) {
        add(r.transforms, t);
      } else if (p instanceof AggregationPlugin a) {
        add(r.aggregations, a);
      } else if (p instanceof SinkPlugin k) {
        add(r.sinks, k);
      } else {
        throw new IllegalStateException(
            "plugin "
                + p.getClass().getName()
                + " (listed in"
                + " META-INF/services/"
                + PluginDescriptor.class.getName()
                + ") is none of"
                + " SourcePlugin, TransformPlugin, AggregationPlugin, SinkPlugin");
      }
    }
    return r;
  }

  private static <P extends PluginDescriptor> void add(Map<String, P> kind, P plugin) {
    P taken = kind.putIfAbsent(plugin.name(), plugin);
    if (taken != null && taken.getClass() != plugin.getClass()) {
      throw new IllegalStateException(
          plugin.kind()
              + " plugin name '"
              + plugin.name()
              + "' of "
              + plugin.getClass().getName()
              + " is already taken by "
              + taken.getClass().getName());
    }
  }

  private PluginRegistry copy() {
    PluginRegistry r = new PluginRegistry();
    r.sources.putAll(sources);
    r.transforms.putAll(transforms);
    r.sinks.putAll(sinks);
    r.aggregations.putAll(aggregations);
    return r;
  }

  /**
   * This registry and one more transform plugin. Only code can call it (settings name the built-in
   * plugins): tests add a plugin that injects a failure into a runner's task.
   */
  public PluginRegistry withTransform(TransformPlugin plugin) {
    PluginRegistry r = copy();
    r.transforms.put(plugin.name(), plugin);
    return r;
  }

  public Optional<SourcePlugin> source(String name) {
    return Optional.ofNullable(sources.get(name));
  }

  public Optional<TransformPlugin> transform(String name) {
    return Optional.ofNullable(transforms.get(name));
  }

  public Optional<SinkPlugin> sink(String name) {
    return Optional.ofNullable(sinks.get(name));
  }

  public List<String> sourceNames() {
    return List.copyOf(sources.keySet());
  }

  public List<String> transformNames() {
    return List.copyOf(transforms.keySet());
  }

  public List<String> sinkNames() {
    return List.copyOf(sinks.keySet());
  }

  /** A batch-aware plugin named under {@code aggregations}. */
  public Optional<AggregationPlugin> aggregation(String name) {
    return Optional.ofNullable(aggregations.get(name));
  }

  public List<String> aggregationNames() {
    return List.copyOf(aggregations.keySet());
  }

  /** All plugins: sources, then transforms, then aggregation plugins, then sinks. */
  public List<PluginDescriptor> all() {
    List<PluginDescriptor> all = new ArrayList<>(sources.values());
    all.addAll(transforms.values());
    all.addAll(aggregations.values());
    all.addAll(sinks.values());
    return all;
  }
}

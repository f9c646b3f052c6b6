package io.elspeth.api;

import io.elspeth.audit.token.Ids;
import io.elspeth.audit.token.Token;
import io.elspeth.audit.token.TokenCoder;
import io.elspeth.connectors.client.ClientSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;

/**
 * Elspeth's plugins as Beam transforms with typed options, one static factory each, read the way
 * Beam's connectors read ({@code JdbcIO.write().withX(...)}):
 *
 * <pre>{@code
 * PCollection<Token> tokens = p.apply(ElspethTransforms.rows(rows));
 * StepResult mapped = tokens.apply(ElspethTransforms.fieldMapper(Map.of("txt", "text")));
 * StepResult scored = mapped.main().apply(ElspethTransforms.azureLlm()
 *     .withDeployment("gpt-4o-mini").withEndpoint(endpoint).withApiKey(key)
 *     .withTemplate("Sentiment of: {{ row.text }}").withResponseField("sentiment"));
 * StepResult gated = scored.main().apply(ElspethTransforms.gate("row['amount'] > 1000")
 *     .route("true", "high").route("false", "continue"));
 * }</pre>
 *
 * Each is the plugin a settings file names, validated by the plugin's own checks and run in the
 * step the settings run; {@link ElspethPipeline#builder()} puts them in a whole audited run.
 */
public final class ElspethTransforms {
  private ElspethTransforms() {}

  /** {@code azure_llm}: one chat completion per row on an Azure OpenAI deployment. */
  public static AzureLlm azureLlm() {
    return new AzureLlm(null, Map.of(), null, ClientSettings.defaults());
  }

  /** {@code openrouter_llm}: one chat completion per row on OpenRouter. */
  public static OpenRouterLlm openRouterLlm() {
    return new OpenRouterLlm(null, Map.of(), null, ClientSettings.defaults());
  }

  /** {@code field_mapper} renaming fields by {@code mapping} (old name to new). */
  public static FieldMapper fieldMapper(Map<String, String> mapping) {
    Objects.requireNonNull(mapping, "mapping");
    return new FieldMapper(null, Map.of(), null, ClientSettings.defaults()).withMapping(mapping);
  }

  /** A gate routing each token by {@code condition}'s result; add routes with {@code route}. */
  public static Gate gate(String condition) {
    return new Gate(condition, null, Map.of(), List.of(), null);
  }

  /**
   * Any installed transform plugin by name (built in, or a plugin jar's), its options set with
   * {@link AnyTransform#withOption}.
   */
  public static AnyTransform transform(String plugin) {
    Objects.requireNonNull(plugin, "plugin");
    return new AnyTransform(plugin, null, Map.of(), null, ClientSettings.defaults());
  }

  /**
   * Any installed aggregation plugin by name (built in, or a plugin jar's), its options set with
   * {@link AnyAggregation#withOption}; give it a trigger ({@code withCount}, ...).
   */
  public static AnyAggregation aggregation(String plugin) {
    Objects.requireNonNull(plugin, "plugin");
    return new AnyAggregation(
        AggregationTransform.Spec.of(plugin), null, ClientSettings.defaults());
  }

  /** {@code batch_stats} summarising numeric field {@code valueField} of each batch. */
  public static BatchStats batchStats(String valueField) {
    Objects.requireNonNull(valueField, "valueField");
    return new BatchStats(
            AggregationTransform.Spec.of("batch_stats"), null, ClientSettings.defaults())
        .withValueField(valueField);
  }

  /** {@code batch_replicate}: each row of a batch copied by its copy count. */
  public static BatchReplicate batchReplicate() {
    return new BatchReplicate(
        AggregationTransform.Spec.of("batch_replicate"), null, ClientSettings.defaults());
  }

  /**
   * A coalesce joining the children of one fork's {@code branches} (paths of a gate's {@code
   * forkTo}); {@code require_all} and {@code union} until told otherwise.
   */
  public static Coalesce coalesce(String... branches) {
    Objects.requireNonNull(branches, "branches");
    return new Coalesce(
        null,
        List.of(branches),
        io.elspeth.transforms.dag.CoalesceStep.Policy.REQUIRE_ALL,
        io.elspeth.transforms.dag.CoalesceStep.Merge.UNION,
        null,
        null,
        null,
        null);
  }

  /**
   * Source tokens of {@code rows}, in order (row index 0, 1, ...), for steps applied alone; row
   * values are plain JSON values (String, Long, Double, Boolean, List, Map, null).
   */
  public static PTransform<PBegin, PCollection<Token>> rows(List<Map<String, Object>> rows) {
    Objects.requireNonNull(rows, "rows");
    String runId = Ids.runId();
    List<Token> tokens = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      tokens.add(Token.fromSource(Ids.rowId(runId, "source_rows", i), i, rows.get(i)));
    }
    return Create.of(tokens).withCoder(TokenCoder.of());
  }
}

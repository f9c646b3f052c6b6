package io.elspeth.transforms.safety;

import io.elspeth.connectors.client.ClientSettings;
import io.elspeth.connectors.client.ExternalCallException;
import io.elspeth.connectors.client.PoolSettings;
import io.elspeth.plugin.OptionSpec;
import io.elspeth.plugin.OptionType;
import io.elspeth.plugin.PluginOptions;
import io.elspeth.transforms.local.TransformOptions;
import io.elspeth.transforms.step.RowTransform;
import io.elspeth.transforms.step.TransformPlugin;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * {@code azure_content_safety}: Azure AI Content Safety {@code text:analyze} on each configured
 * field; a category (hate, violence, sexual, self_harm) at or over its threshold (0–6, all
 * required) rejects the row, with every category's severity, threshold and verdict recorded.
 */
public final class ContentSafetyPlugin implements TransformPlugin {
  static final List<String> CATEGORIES = List.of("hate", "violence", "sexual", "self_harm");
  private static final Map<String, String> WIRE =
      Map.of("Hate", "hate", "Violence", "violence", "Sexual", "sexual", "SelfHarm", "self_harm");

  @Override
  public String name() {
    return "azure_content_safety";
  }

  @Override
  public String description() {
    return "Azure AI Content Safety: rejects rows whose text reaches a category threshold";
  }

  @Override
  public String determinism() {
    return "external_call";
  }

  @Override
  public List<OptionSpec> options() {
    List<OptionSpec> own =
        new ArrayList<>(
            List.of(
                OptionSpec.required(
                    "endpoint",
                    OptionType.STRING,
                    "https://<resource>.cognitiveservices.azure.com"),
                OptionSpec.required("api_key", OptionType.SECRET, "Content Safety key"),
                OptionSpec.required(
                    "fields",
                    OptionType.STRING_OR_LIST,
                    "field or fields to analyze; 'all' analyzes every string field"),
                OptionSpec.required(
                    "thresholds",
                    OptionType.INT_MAP,
                    "{hate, violence, sexual, self_harm}: severity 0-6 at which a row is rejected")));
    own.addAll(PoolSettings.options());
    return TransformOptions.with(own.toArray(OptionSpec[]::new));
  }

  @Override
  public List<String> validate(PluginOptions options) {
    List<String> problems = new ArrayList<>(PoolSettings.validate(options));
    Map<String, Object> t = options.map("thresholds");
    for (String c : CATEGORIES) {
      Object v = t.get(c);
      if (!(v instanceof Number n)) {
        problems.add("thresholds." + c + ": required (an integer 0-6)");
      } else if (n.longValue() < 0 || n.longValue() > 6) {
        problems.add("thresholds." + c + ": expected 0 to 6, got " + n);
      }
    }
    t.keySet().stream()
        .filter(k -> !CATEGORIES.contains(k))
        .forEach(
            k ->
                problems.add(
                    "thresholds." + k + ": unknown category (expected " + CATEGORIES + ")"));
    if (options.strings("fields").isEmpty()) {
      problems.add("fields: expected at least one field name");
    }
    return problems;
  }

  @Override
  public RowTransform create(PluginOptions options) {
    return create(options, ClientSettings.defaults());
  }

  @Override
  public RowTransform create(PluginOptions options, ClientSettings client) {
    Map<String, Long> thresholds = new LinkedHashMap<>();
    options.map("thresholds").forEach((k, v) -> thresholds.put(k, ((Number) v).longValue()));
    return new Analyze(
        options.requiredString("endpoint"),
        options.requiredString("api_key"),
        options.strings("fields"),
        thresholds,
        client,
        PoolSettings.from(options));
  }

  static final class Analyze extends SafetyTransform {
    private final Map<String, Long> thresholds;

    Analyze(
        String endpoint,
        String apiKey,
        List<String> fields,
        Map<String, Long> thresholds,
        ClientSettings client,
        PoolSettings pool) {
      super(endpoint, "text:analyze", apiKey, fields, client, pool, "azure_content_safety");
      this.thresholds = Map.copyOf(thresholds);
    }

    @Override
    Map<String, Object> body(String text) {
      Map<String, Object> b = new LinkedHashMap<>();
      b.put("text", text);
      b.put("categories", List.of("Hate", "Violence", "Sexual", "SelfHarm"));
      b.put("outputType", "FourSeverityLevels");
      return b;
    }

    @Override
    @Nullable Map<String, Object> verdict(String field, Map<?, ?> answer)
        throws ExternalCallException {
      if (!(answer.get("categoriesAnalysis") instanceof List<?> analysis)) {
        throw new ExternalCallException(
            ExternalCallException.Kind.INVALID_RESPONSE, "response lacks categoriesAnalysis", null);
      }
      Map<String, Object> categories = new LinkedHashMap<>();
      boolean flagged = false;
      for (Object item : analysis) {
        if (!(item instanceof Map<?, ?> m)
            || !(m.get("category") instanceof String wire)
            || !(m.get("severity") instanceof Number severity)) {
          throw new ExternalCallException(
              ExternalCallException.Kind.INVALID_RESPONSE,
              "malformed categoriesAnalysis entry",
              null);
        }
        String category = WIRE.get(wire);
        if (category == null) {
          continue;
        }
        // Validation requires a threshold for every category.
        long threshold = Objects.requireNonNull(thresholds.get(category), category);
        boolean exceeded = severity.longValue() >= threshold;
        flagged |= exceeded;
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("severity", severity.longValue());
        c.put("threshold", threshold);
        c.put("exceeded", exceeded);
        categories.put(category, c);
      }
      if (!flagged) {
        return null;
      }
      Map<String, Object> reason = new LinkedHashMap<>();
      reason.put("reason", "content_safety_violation");
      reason.put("field", field);
      reason.put("categories", categories);
      return reason;
    }
  }
}

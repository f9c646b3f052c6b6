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
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * {@code azure_prompt_shield}: Azure AI Content Safety {@code text:shieldPrompt} on each configured
 * field (sent as the user prompt and as a document); a detected attack in either rejects the row
 * with which kind was detected.
 */
public final class PromptShieldPlugin implements TransformPlugin {
  @Override
  public String name() {
    return "azure_prompt_shield";
  }

  @Override
  public String description() {
    return "Azure Prompt Shield: rejects rows carrying prompt-injection attacks";
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
                    "field or fields to check; 'all' checks every string field")));
    own.addAll(PoolSettings.options());
    return TransformOptions.with(own.toArray(OptionSpec[]::new));
  }

  @Override
  public List<String> validate(PluginOptions options) {
    List<String> problems = new ArrayList<>(PoolSettings.validate(options));
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
    return new Shield(
        options.requiredString("endpoint"),
        options.requiredString("api_key"),
        options.strings("fields"),
        client,
        PoolSettings.from(options));
  }

  static final class Shield extends SafetyTransform {
    Shield(
        String endpoint,
        String apiKey,
        List<String> fields,
        ClientSettings client,
        PoolSettings pool) {
      super(endpoint, "text:shieldPrompt", apiKey, fields, client, pool, "azure_prompt_shield");
    }

    @Override
    Map<String, Object> body(String text) {
      Map<String, Object> b = new LinkedHashMap<>();
      b.put("userPrompt", text);
      b.put("documents", List.of(text));
      return b;
    }

    @Override
    @Nullable Map<String, Object> verdict(String field, Map<?, ?> answer)
        throws ExternalCallException {
      if (!(answer.get("userPromptAnalysis") instanceof Map<?, ?> user)
          || !(user.get("attackDetected") instanceof Boolean userAttack)) {
        throw new ExternalCallException(
            ExternalCallException.Kind.INVALID_RESPONSE,
            "response lacks userPromptAnalysis.attackDetected",
            null);
      }
      boolean documentAttack = false;
      if (answer.get("documentsAnalysis") instanceof List<?> docs) {
        for (Object d : docs) {
          if (d instanceof Map<?, ?> m && Boolean.TRUE.equals(m.get("attackDetected"))) {
            documentAttack = true;
          }
        }
      }
      if (!userAttack && !documentAttack) {
        return null;
      }
      Map<String, Object> attacks = new LinkedHashMap<>();
      attacks.put("user_prompt_attack", userAttack);
      attacks.put("document_attack", documentAttack);
      Map<String, Object> reason = new LinkedHashMap<>();
      reason.put("reason", "prompt_injection_detected");
      reason.put("field", field);
      reason.put("attacks", attacks);
      return reason;
    }
  }
}

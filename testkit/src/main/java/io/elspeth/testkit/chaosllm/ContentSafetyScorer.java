package io.elspeth.testkit.chaosllm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.elspeth.testkit.chaosllm.ChaosConfig.Trigger;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Deterministic verdicts for Azure Content Safety {@code text:analyze} and Prompt Shield {@code
 * text:shieldPrompt}: a text's severity in a category is the highest severity among the configured
 * trigger words it contains, and a prompt or document is an attack when it contains a configured
 * attack phrase (both case-insensitive).
 */
final class ContentSafetyScorer {
  /** The categories in the order the real service reports them. */
  static final List<String> CATEGORIES = List.of("Hate", "SelfHarm", "Sexual", "Violence");

  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private final List<Trigger> triggers;
  private final List<String> attackPhrases;

  ContentSafetyScorer(
      ChaosConfig.ContentSafety contentSafety, ChaosConfig.PromptShield promptShield) {
    this.triggers = contentSafety.triggers();
    this.attackPhrases =
        promptShield.attackPhrases().stream().map(p -> p.toLowerCase(Locale.ROOT)).toList();
  }

  /**
   * The {@code text:analyze} response. {@code outputType} {@code FourSeverityLevels} (the service's
   * default) reports 0, 2, 4 or 6; {@code EightSeverityLevels} reports 0–7.
   */
  ObjectNode analyze(String text, Set<String> categories, boolean eightLevels) {
    String lower = text.toLowerCase(Locale.ROOT);
    ObjectNode response = JSON.objectNode();
    response.putArray("blocklistsMatch");
    ArrayNode analysis = response.putArray("categoriesAnalysis");
    for (String category : CATEGORIES) {
      if (!categories.isEmpty() && !categories.contains(category)) {
        continue;
      }
      int severity = 0;
      for (Trigger trigger : triggers) {
        if (trigger.category().equals(category)
            && lower.contains(trigger.word().toLowerCase(Locale.ROOT))) {
          severity = Math.max(severity, trigger.severity());
        }
      }
      if (!eightLevels) {
        severity = Math.min(6, severity - severity % 2);
      }
      analysis.addObject().put("category", category).put("severity", severity);
    }
    return response;
  }

  /** The {@code text:shieldPrompt} response. */
  ObjectNode shield(String userPrompt, List<String> documents) {
    ObjectNode response = JSON.objectNode();
    response.putObject("userPromptAnalysis").put("attackDetected", isAttack(userPrompt));
    ArrayNode docs = response.putArray("documentsAnalysis");
    for (String document : documents) {
      docs.addObject().put("attackDetected", isAttack(document));
    }
    return response;
  }

  private boolean isAttack(String text) {
    String lower = text.toLowerCase(Locale.ROOT);
    return attackPhrases.stream().anyMatch(lower::contains);
  }

  /** The category names a request asked for, in the service's spelling. */
  static Set<String> requestedCategories(JsonNode categories) {
    if (categories == null || !categories.isArray()) {
      return Set.of();
    }
    java.util.Set<String> names = new java.util.HashSet<>();
    categories.forEach(c -> names.add(c.asText()));
    return names;
  }
}

package io.elspeth.testkit.chaosllm;

import static io.elspeth.testkit.chaosllm.ChaosConfigTrees.TREES;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Fluent construction of a {@link ChaosConfig} over a configuration tree; each call overrides one
 * key, and {@link #build} validates the whole as every other source is validated.
 *
 * <pre>
 * {@code ChaosConfig.preset("gentle").toBuilder().port(0).seed(42).fault(FaultKind.RATE_LIMIT, 20).build()}
 * </pre>
 */
public final class ChaosConfigBuilder {
  private final ObjectNode tree;

  ChaosConfigBuilder(ObjectNode tree) {
    this.tree = tree;
  }

  /** Sets one key by its dotted snake_case path, e.g. {@code error_injection.burst.enabled}. */
  public ChaosConfigBuilder set(String dottedPath, @Nullable Object value) {
    String[] parts = dottedPath.split("\\.");
    ObjectNode node = tree;
    for (int i = 0; i < parts.length - 1; i++) {
      JsonNode child = node.get(parts[i]);
      if (!(child instanceof ObjectNode)) {
        child = node.putObject(parts[i]);
      }
      node = (ObjectNode) child;
    }
    node.set(parts[parts.length - 1], TREES.valueToTree(value));
    return this;
  }

  /** Deep-merges a partial configuration (nested maps with snake_case keys). */
  public ChaosConfigBuilder merge(Map<String, ?> partial) {
    ChaosConfigTrees.merge(tree, TREES.valueToTree(partial));
    return this;
  }

  public ChaosConfigBuilder host(String host) {
    return set("server.host", host);
  }

  /** The HTTP port, 0 for a free one. */
  public ChaosConfigBuilder port(int port) {
    return set("server.port", port);
  }

  /** The HTTPS port, 0 for a free one. */
  public ChaosConfigBuilder httpsPort(int port) {
    return set("server.https_port", port);
  }

  /** Where the certificate and truststore are written (default: a new temporary directory). */
  public ChaosConfigBuilder tlsDir(Path dir) {
    return set("server.tls_dir", dir.toString());
  }

  /** Seeds every random choice (faults, delays, generated text) for reproducible runs. */
  public ChaosConfigBuilder seed(long seed) {
    return set("seed", seed);
  }

  public ChaosConfigBuilder latency(int baseMs, int jitterMs) {
    return set("latency.base_ms", baseMs).set("latency.jitter_ms", jitterMs);
  }

  public ChaosConfigBuilder responseMode(ChaosConfig.ResponseMode mode) {
    return set("response.mode", mode.wire());
  }

  /** Template mode with this Jinja2 body. */
  public ChaosConfigBuilder template(String body) {
    return responseMode(ChaosConfig.ResponseMode.TEMPLATE).set("response.template.body", body);
  }

  /** Preset mode over this JSONL bank, {@code random} or {@code sequential}. */
  public ChaosConfigBuilder presetBank(Path file, String selection) {
    return responseMode(ChaosConfig.ResponseMode.PRESET)
        .set("response.preset.file", file.toString())
        .set("response.preset.selection", selection);
  }

  public ChaosConfigBuilder randomWords(int minWords, int maxWords) {
    return set("response.random.min_words", minWords).set("response.random.max_words", maxWords);
  }

  /** The percentage (0–100) of requests that get {@code kind}. */
  public ChaosConfigBuilder fault(FaultKind kind, double pct) {
    return set("error_injection." + kind.key() + "_pct", pct);
  }

  /** {@code priority} (first kind that fires, in {@link FaultKind} order) or {@code weighted}. */
  public ChaosConfigBuilder selectionMode(String mode) {
    return set("error_injection.selection_mode", mode);
  }

  public ChaosConfigBuilder retryAfterSec(double min, double max) {
    return set("error_injection.retry_after_sec", List.of(min, max));
  }

  public ChaosConfigBuilder timeoutSec(double min, double max) {
    return set("error_injection.timeout_sec", List.of(min, max));
  }

  public ChaosConfigBuilder slowResponseSec(double min, double max) {
    return set("error_injection.slow_response_sec", List.of(min, max));
  }

  public ChaosConfigBuilder connectionFailedLeadSec(double min, double max) {
    return set("error_injection.connection_failed_lead_sec", List.of(min, max));
  }

  public ChaosConfigBuilder connectionStallSec(
      double startMin, double startMax, double stallMin, double stallMax) {
    return set("error_injection.connection_stall_start_sec", List.of(startMin, startMax))
        .set("error_injection.connection_stall_sec", List.of(stallMin, stallMax));
  }

  public ChaosConfigBuilder burst(
      boolean enabled, int intervalSec, int durationSec, double rateLimitPct, double capacityPct) {
    return set("error_injection.burst.enabled", enabled)
        .set("error_injection.burst.interval_sec", intervalSec)
        .set("error_injection.burst.duration_sec", durationSec)
        .set("error_injection.burst.rate_limit_pct", rateLimitPct)
        .set("error_injection.burst.capacity_pct", capacityPct);
  }

  /**
   * Adds a Content Safety trigger: {@code word} in the text scores {@code category} at {@code
   * severity}.
   */
  public ChaosConfigBuilder contentSafetyTrigger(String word, String category, int severity) {
    ArrayNode triggers = arrayAt("content_safety", "triggers");
    triggers.addObject().put("word", word).put("category", category).put("severity", severity);
    return this;
  }

  /** Replaces the Content Safety triggers with none: every category scores 0. */
  public ChaosConfigBuilder noContentSafetyTriggers() {
    arrayAt("content_safety", "triggers").removeAll();
    return this;
  }

  /** Adds a phrase Prompt Shield reports as an attack. */
  public ChaosConfigBuilder promptShieldAttackPhrase(String phrase) {
    arrayAt("prompt_shield", "attack_phrases").add(phrase);
    return this;
  }

  /** Only these keys are accepted (default: any non-empty key). */
  public ChaosConfigBuilder apiKeys(String... keys) {
    return set("auth.api_keys", List.of(keys));
  }

  public ChaosConfig build() {
    return ChaosConfigTrees.bind(tree.deepCopy(), "builder");
  }

  private ArrayNode arrayAt(String section, String key) {
    JsonNode node = tree.get(section);
    ObjectNode object = node instanceof ObjectNode o ? o : tree.putObject(section);
    JsonNode array = object.get(key);
    return array instanceof ArrayNode a ? a : object.putArray(key);
  }
}

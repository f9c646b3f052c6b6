package io.elspeth.testkit.chaosllm;

import static io.elspeth.testkit.chaosllm.ChaosConfigTrees.TREES;
import static io.elspeth.testkit.chaosllm.ChaosConfigTrees.bind;
import static io.elspeth.testkit.chaosllm.ChaosConfigTrees.defaultsTree;
import static io.elspeth.testkit.chaosllm.ChaosConfigTrees.merge;
import static io.elspeth.testkit.chaosllm.ChaosConfigTrees.presetTree;
import static io.elspeth.testkit.chaosllm.ChaosConfigTrees.yamlFile;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The whole configuration of a {@link ChaosLlmServer}, with the reference ChaosLLM's YAML layout
 * ({@code server}, {@code response}, {@code latency}, {@code error_injection}) plus {@code
 * content_safety}, {@code prompt_shield} and {@code auth} for the Azure AI endpoints.
 *
 * <p>Every source (built-in defaults, a named preset, a YAML file, command-line overrides, {@code
 * POST /admin/config}, the {@link ChaosConfigBuilder}) is a JSON tree deep-merged over the previous
 * one and bound once ({@code ChaosConfigTrees}), so all of them validate the same way: an unknown
 * key or a value out of range is a {@link ChaosConfigException} naming the source and the key.
 */
public record ChaosConfig(
    Server server,
    @Nullable Long seed,
    @Nullable String presetName,
    Response response,
    Latency latency,
    ErrorInjection errorInjection,
    ContentSafety contentSafety,
    PromptShield promptShield,
    Auth auth) {

  /** The preset names, as in the reference ChaosLLM. */
  public static final List<String> PRESETS =
      List.of("silent", "gentle", "realistic", "chaos", "stress_aimd", "stress_extreme");

  public ChaosConfig {
    require(server != null, "server is required");
    require(response != null, "response is required");
    require(latency != null, "latency is required");
    require(errorInjection != null, "error_injection is required");
    require(contentSafety != null, "content_safety is required");
    require(promptShield != null, "prompt_shield is required");
    require(auth != null, "auth is required");
  }

  /** Where to listen. {@code port: 0} picks a free port; {@code https_port: 0} too. */
  public record Server(String host, int port, int httpsPort, @Nullable String tlsDir) {
    public Server {
      require(host != null && !host.isBlank(), "server.host must not be empty");
      require(port >= 0 && port <= 65535, "server.port must be 0..65535, got " + port);
      require(
          httpsPort >= 0 && httpsPort <= 65535,
          "server.https_port must be 0..65535, got " + httpsPort);
    }
  }

  /** How a successful chat completion's content is produced. */
  public enum ResponseMode {
    RANDOM,
    TEMPLATE,
    ECHO,
    PRESET;

    @JsonValue
    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static ResponseMode parse(String value) {
      for (ResponseMode mode : values()) {
        if (mode.wire().equals(value)) {
          return mode;
        }
      }
      throw new IllegalArgumentException(
          "response.mode must be one of random|template|echo|preset, got '" + value + "'");
    }
  }

  /** {@code response:} the mode and each mode's settings. */
  public record Response(
      ResponseMode mode,
      RandomWords random,
      Template template,
      PresetBank preset,
      boolean allowHeaderOverrides) {
    public Response {
      require(mode != null, "response.mode is required");
      require(
          random != null && template != null && preset != null,
          "response mode settings are required");
    }
  }

  /** {@code response.random}: {@code min_words..max_words} words from {@code english|lorem}. */
  public record RandomWords(int minWords, int maxWords, String vocabulary) {
    public RandomWords {
      require(minWords > 0, "response.random.min_words must be > 0, got " + minWords);
      require(
          minWords <= maxWords,
          "response.random.min_words (" + minWords + ") must be <= max_words (" + maxWords + ")");
      require(
          "english".equals(vocabulary) || "lorem".equals(vocabulary),
          "response.random.vocabulary must be english|lorem, got '" + vocabulary + "'");
    }
  }

  /** {@code response.template.body}: a Jinja2 template over the request. */
  public record Template(String body) {
    public Template {
      require(body != null, "response.template.body is required");
    }
  }

  /** {@code response.preset}: a JSONL file of responses, picked {@code random|sequential}. */
  public record PresetBank(String file, String selection) {
    public PresetBank {
      require(file != null, "response.preset.file is required");
      require(
          "random".equals(selection) || "sequential".equals(selection),
          "response.preset.selection must be random|sequential, got '" + selection + "'");
    }
  }

  /** {@code latency}: each successful response waits {@code base_ms ± jitter_ms}. */
  public record Latency(int baseMs, int jitterMs) {
    public Latency {
      require(baseMs >= 0, "latency.base_ms must be >= 0, got " + baseMs);
      require(jitterMs >= 0, "latency.jitter_ms must be >= 0, got " + jitterMs);
    }
  }

  /** A {@code [min, max]} range of seconds. */
  public record Range(double min, double max) {
    public Range {
      require(
          min >= 0 && min <= max,
          "range must be [min, max] with 0 <= min <= max, got [" + min + ", " + max + "]");
    }

    @JsonCreator
    static Range of(List<Double> values) {
      require(values != null && values.size() == 2, "expected a [min, max] range, got " + values);
      return new Range(values.get(0), values.get(1));
    }

    @JsonValue
    List<Double> asList() {
      return List.of(min, max);
    }
  }

  /** {@code error_injection.burst}: periodic storms of 429/529. */
  public record Burst(
      boolean enabled, int intervalSec, int durationSec, double rateLimitPct, double capacityPct) {
    public Burst {
      require(intervalSec > 0, "error_injection.burst.interval_sec must be > 0");
      require(durationSec > 0, "error_injection.burst.duration_sec must be > 0");
      requirePct(rateLimitPct, "error_injection.burst.rate_limit_pct");
      requirePct(capacityPct, "error_injection.burst.capacity_pct");
    }
  }

  /** {@code error_injection}: the percentage of requests that get each {@link FaultKind}. */
  public record ErrorInjection(
      double rateLimitPct,
      @JsonProperty("capacity_529_pct") double capacity529Pct,
      double serviceUnavailablePct,
      double badGatewayPct,
      double gatewayTimeoutPct,
      double internalErrorPct,
      double forbiddenPct,
      double notFoundPct,
      double htmlErrorPagePct,
      Range retryAfterSec,
      double timeoutPct,
      Range timeoutSec,
      double connectionFailedPct,
      Range connectionFailedLeadSec,
      double connectionStallPct,
      Range connectionStallStartSec,
      Range connectionStallSec,
      double connectionResetPct,
      double slowResponsePct,
      Range slowResponseSec,
      double invalidJsonPct,
      double truncatedPct,
      double emptyBodyPct,
      double missingFieldsPct,
      double nullContentPct,
      double missingChoicesPct,
      double wrongContentTypePct,
      double schemaViolationPct,
      Burst burst,
      String selectionMode) {
    public ErrorInjection {
      for (FaultKind kind : FaultKind.values()) {
        requirePct(
            pctOf(
                kind,
                rateLimitPct,
                capacity529Pct,
                serviceUnavailablePct,
                badGatewayPct,
                gatewayTimeoutPct,
                internalErrorPct,
                forbiddenPct,
                notFoundPct,
                htmlErrorPagePct,
                timeoutPct,
                connectionFailedPct,
                connectionStallPct,
                connectionResetPct,
                slowResponsePct,
                invalidJsonPct,
                truncatedPct,
                emptyBodyPct,
                missingFieldsPct,
                nullContentPct,
                missingChoicesPct,
                wrongContentTypePct,
                schemaViolationPct),
            "error_injection." + kind.key() + "_pct");
      }
      require(
          retryAfterSec != null
              && timeoutSec != null
              && connectionFailedLeadSec != null
              && connectionStallStartSec != null
              && connectionStallSec != null
              && slowResponseSec != null,
          "error_injection ranges are required");
      require(burst != null, "error_injection.burst is required");
      require(
          "priority".equals(selectionMode) || "weighted".equals(selectionMode),
          "error_injection.selection_mode must be priority|weighted, got '" + selectionMode + "'");
    }

    /** The configured percentage (0–100) of {@code kind}, outside bursts. */
    public double pct(FaultKind kind) {
      return pctOf(
          kind,
          rateLimitPct,
          capacity529Pct,
          serviceUnavailablePct,
          badGatewayPct,
          gatewayTimeoutPct,
          internalErrorPct,
          forbiddenPct,
          notFoundPct,
          htmlErrorPagePct,
          timeoutPct,
          connectionFailedPct,
          connectionStallPct,
          connectionResetPct,
          slowResponsePct,
          invalidJsonPct,
          truncatedPct,
          emptyBodyPct,
          missingFieldsPct,
          nullContentPct,
          missingChoicesPct,
          wrongContentTypePct,
          schemaViolationPct);
    }

    private static double pctOf(
        FaultKind kind,
        double rateLimit,
        double capacity,
        double unavailable,
        double badGateway,
        double gatewayTimeout,
        double internal,
        double forbidden,
        double notFound,
        double htmlErrorPage,
        double timeout,
        double connectionFailed,
        double stall,
        double reset,
        double slow,
        double invalidJson,
        double truncated,
        double emptyBody,
        double missingFields,
        double nullContent,
        double missingChoices,
        double wrongType,
        double schemaViolation) {
      return switch (kind) {
        case RATE_LIMIT -> rateLimit;
        case CAPACITY_529 -> capacity;
        case SERVICE_UNAVAILABLE -> unavailable;
        case BAD_GATEWAY -> badGateway;
        case GATEWAY_TIMEOUT -> gatewayTimeout;
        case INTERNAL_ERROR -> internal;
        case FORBIDDEN -> forbidden;
        case NOT_FOUND -> notFound;
        case HTML_ERROR_PAGE -> htmlErrorPage;
        case TIMEOUT -> timeout;
        case CONNECTION_FAILED -> connectionFailed;
        case CONNECTION_STALL -> stall;
        case CONNECTION_RESET -> reset;
        case SLOW_RESPONSE -> slow;
        case INVALID_JSON -> invalidJson;
        case TRUNCATED -> truncated;
        case EMPTY_BODY -> emptyBody;
        case MISSING_FIELDS -> missingFields;
        case NULL_CONTENT -> nullContent;
        case MISSING_CHOICES -> missingChoices;
        case WRONG_CONTENT_TYPE -> wrongType;
        case SCHEMA_VIOLATION -> schemaViolation;
      };
    }
  }

  /** A word or phrase that raises one Content Safety category to a severity (0–7). */
  public record Trigger(String word, String category, int severity) {
    private static final Map<String, String> CATEGORIES =
        Map.of(
            "hate",
            "Hate",
            "selfharm",
            "SelfHarm",
            "self_harm",
            "SelfHarm",
            "sexual",
            "Sexual",
            "violence",
            "Violence");

    public Trigger {
      require(word != null && !word.isBlank(), "content_safety.triggers[].word must not be empty");
      String canonical =
          category == null ? null : CATEGORIES.get(category.toLowerCase(Locale.ROOT));
      require(
          canonical != null,
          "content_safety.triggers[].category must be Hate|SelfHarm|Sexual|Violence, got '"
              + category
              + "'");
      category = canonical;
      require(
          severity >= 0 && severity <= 7,
          "content_safety.triggers[].severity must be 0..7, got " + severity);
    }
  }

  /** {@code content_safety.triggers}: case-insensitive words scored by {@code text:analyze}. */
  public record ContentSafety(List<Trigger> triggers) {
    public ContentSafety {
      require(triggers != null, "content_safety.triggers is required");
      triggers = List.copyOf(triggers);
    }
  }

  /**
   * {@code prompt_shield.attack_phrases}: case-insensitive phrases {@code text:shieldPrompt} flags.
   */
  public record PromptShield(List<String> attackPhrases) {
    public PromptShield {
      require(attackPhrases != null, "prompt_shield.attack_phrases is required");
      attackPhrases = List.copyOf(attackPhrases);
    }
  }

  /**
   * {@code auth.api_keys}: the keys accepted in {@code api-key} / {@code Ocp-Apim-Subscription-Key}
   * / {@code Authorization: Bearer}. Empty accepts any non-empty key; a missing key is always 401.
   */
  public record Auth(List<String> apiKeys) {
    public Auth {
      require(apiKeys != null, "auth.api_keys is required");
      apiKeys = List.copyOf(apiKeys);
    }
  }

  // ---------------------------------------------------------------- factories

  /** The built-in defaults: no faults, no latency, random responses, loopback, ephemeral ports. */
  public static ChaosConfig defaults() {
    return bind(defaultsTree(), "built-in defaults");
  }

  /** A named preset ({@link #PRESETS}) over the defaults. */
  public static ChaosConfig preset(String name) {
    return load(name, null, Map.of());
  }

  /** A YAML file over the defaults. */
  public static ChaosConfig fromYaml(Path file) {
    return load(null, file, Map.of());
  }

  /**
   * The reference's precedence: {@code overrides} (nested maps, e.g. from the command line) over
   * {@code file} over {@code preset} over the defaults.
   */
  public static ChaosConfig load(
      @Nullable String preset, @Nullable Path file, Map<String, ?> overrides) {
    ObjectNode tree = defaultsTree();
    String source = "built-in defaults";
    if (preset != null) {
      merge(tree, presetTree(preset));
      tree.put("preset_name", preset);
      source = "preset '" + preset + "'";
    }
    if (file != null) {
      merge(tree, yamlFile(file));
      source = file.toString();
    }
    if (!overrides.isEmpty()) {
      merge(tree, TREES.valueToTree(overrides));
      source = source + " with overrides";
    }
    return bind(tree, source);
  }

  /** A builder starting from the defaults. */
  public static ChaosConfigBuilder builder() {
    return new ChaosConfigBuilder(defaultsTree());
  }

  /** A builder starting from this configuration. */
  public ChaosConfigBuilder toBuilder() {
    return new ChaosConfigBuilder(toTree());
  }

  /** This configuration as the snake_case tree {@code GET /admin/config} returns. */
  public ObjectNode toTree() {
    return TREES.valueToTree(this);
  }

  /** This configuration with {@code updates} (a partial snake_case tree) deep-merged over it. */
  public ChaosConfig merged(JsonNode updates, String source) {
    if (!updates.isObject()) {
      throw new ChaosConfigException(source + ": expected a mapping of configuration sections");
    }
    ObjectNode tree = toTree();
    merge(tree, (ObjectNode) updates);
    return bind(tree, source);
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException(message);
    }
  }

  private static void requirePct(double pct, String key) {
    require(pct >= 0 && pct <= 100, key + " must be 0..100, got " + pct);
  }
}

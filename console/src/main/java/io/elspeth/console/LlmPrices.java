package io.elspeth.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Prices of LLM tokens, for the run page's estimated cost: per model, US dollars per million prompt
 * tokens and per million completion tokens, read from a JSON file ({@code elspeth web --llm-prices
 * FILE}):
 *
 * <pre>{"gpt-4o": {"prompt": 2.50, "completion": 10.00}}</pre>
 *
 * A model the service reports as {@code gpt-4o-2024-08-06} takes the price of the longest
 * configured name it starts with. Prices change and differ by contract, so none are built in.
 */
public record LlmPrices(Map<String, Price> byModel) {
  /** US dollars per million tokens. */
  public record Price(double promptPerMillion, double completionPerMillion) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  public LlmPrices {
    byModel = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(byModel));
  }

  /** No prices: costs are not estimated. */
  public static LlmPrices none() {
    return new LlmPrices(Map.of());
  }

  /** The prices in {@code file}; throws naming the file and key when it is not as expected. */
  public static LlmPrices read(Path file) {
    JsonNode root;
    try {
      root = JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new ConsoleConfigException(
          "--llm-prices " + file + ": cannot read it as JSON: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw new ConsoleConfigException(
          "--llm-prices "
              + file
              + ": expected a JSON object"
              + " {\"<model>\": {\"prompt\": <USD per million>, \"completion\": <USD per million>}}");
    }
    Map<String, Price> prices = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    root.fields()
        .forEachRemaining(
            e -> {
              JsonNode p = e.getValue().get("prompt");
              JsonNode c = e.getValue().get("completion");
              if (p == null
                  || !p.isNumber()
                  || p.asDouble() < 0
                  || c == null
                  || !c.isNumber()
                  || c.asDouble() < 0) {
                problems.add(
                    e.getKey()
                        + ": expected {\"prompt\": <number >= 0>, \"completion\":"
                        + " <number >= 0>} (US dollars per million tokens)");
              } else {
                prices.put(e.getKey(), new Price(p.asDouble(), c.asDouble()));
              }
            });
    if (!problems.isEmpty()) {
      throw new ConsoleConfigException("--llm-prices " + file + ": " + String.join("; ", problems));
    }
    return new LlmPrices(prices);
  }

  /** The price of {@code model}: its own, else the longest configured name it starts with. */
  public Optional<Price> of(String model) {
    Price exact = byModel.get(model);
    if (exact != null) {
      return Optional.of(exact);
    }
    return byModel.entrySet().stream()
        .filter(e -> model.startsWith(e.getKey()))
        .max(java.util.Comparator.comparingInt(e -> e.getKey().length()))
        .map(Map.Entry::getValue);
  }
}

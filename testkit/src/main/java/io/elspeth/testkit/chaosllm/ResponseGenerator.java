package io.elspeth.testkit.chaosllm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import io.elspeth.testkit.chaosllm.ChaosConfig.ResponseMode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Produces the assistant message of a successful chat completion: random words, an echo of the last
 * user message, a Jinja2 template over the request, or the next entry of a JSONL bank. In random
 * mode a request with a {@code json_schema} response format gets a random JSON object that fits the
 * schema, as a model held to structured outputs answers.
 */
final class ResponseGenerator {

  /** A request the generator cannot answer (bad template, no bank); the server answers 400/500. */
  static final class GenerationException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int status;

    GenerationException(int status, String message) {
      super(message);
      this.status = status;
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private static final List<String> ENGLISH =
      List.of(
          ("the of and to in is that it for was on are as with "
                  + "his they at be this from have or by one had not but what all were when we there can an your "
                  + "which their said if do will each about how up out them then she many some so these would "
                  + "other into has more her two like him see time could no make than first been its who now "
                  + "people my made over did down only way find use may water long little very after words "
                  + "called just where most know get through back much before go good new write our used me man "
                  + "too any day same right look think also around another came come work three word must because "
                  + "does part even place well such here take why things help put years different away again off "
                  + "went old number great tell men say small every found still between name should home big give "
                  + "air line set own under read last never us left end along while might next sound below saw "
                  + "something thought both few those always looked show large often together asked house world")
              .split(" "));

  private static final List<String> LOREM =
      List.of(
          ("lorem ipsum dolor sit amet consectetur adipiscing "
                  + "elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua enim ad minim veniam quis "
                  + "nostrud exercitation ullamco laboris nisi aliquip ex ea commodo consequat duis aute irure in "
                  + "reprehenderit voluptate velit esse cillum fugiat nulla pariatur excepteur sint occaecat "
                  + "cupidatat non proident sunt culpa qui officia deserunt mollit anim id est laborum")
              .split(" "));

  private final ChaosConfig.Response config;
  private final Random random;
  private final Jinjava jinjava =
      new Jinjava(JinjavaConfig.newBuilder().withFailOnUnknownTokens(false).build());
  private final List<String> bank;
  private int nextInBank;

  ResponseGenerator(ChaosConfig.Response config, Random random) {
    this.config = config;
    this.random = random;
    this.bank =
        config.mode() == ResponseMode.PRESET
            ? loadBank(Path.of(config.preset().file()))
            : List.of();
  }

  /**
   * The content for {@code request} (the parsed request body). The overrides come from the {@code
   * X-Fake-Response-Mode} / {@code X-Fake-Template} headers when the config allows them.
   */
  synchronized String content(
      JsonNode request,
      String model,
      @Nullable String deployment,
      @Nullable String modeOverride,
      @Nullable String templateOverride) {
    ResponseMode mode = config.mode();
    String template = config.template().body();
    if (config.allowHeaderOverrides()) {
      if (modeOverride != null) {
        try {
          mode = ResponseMode.parse(modeOverride);
        } catch (IllegalArgumentException e) {
          throw new GenerationException(400, "X-Fake-Response-Mode: " + e.getMessage());
        }
      }
      if (templateOverride != null) {
        mode = ResponseMode.TEMPLATE;
        template = templateOverride;
      }
    }
    return switch (mode) {
      case RANDOM -> {
        JsonNode schema = schema(request);
        yield schema != null ? fitting(schema) : randomWords();
      }
      case ECHO -> lastMessage(request, "user");
      case TEMPLATE -> render(template, request, model, deployment);
      case PRESET -> fromBank();
    };
  }

  /** The {@code response_format.json_schema.schema} of a request; null when it has none. */
  static @Nullable JsonNode schema(JsonNode request) {
    JsonNode format = request.path("response_format");
    JsonNode schema = format.path("json_schema").path("schema");
    return "json_schema".equals(format.path("type").asText()) && schema.isObject() ? schema : null;
  }

  /** A random JSON object fitting {@code schema}, as text. */
  private String fitting(JsonNode schema) {
    return instance(schema, 0).toString();
  }

  /**
   * Content that breaks the request's schema: one required key dropped, one value of the wrong
   * type, or a key the schema does not allow; not JSON when there is no schema to break.
   */
  synchronized String violating(JsonNode request) {
    JsonNode schema = schema(request);
    if (schema == null) {
      return "I cannot answer that in the requested format.";
    }
    JsonNode fits = instance(schema, 0);
    if (!(fits instanceof ObjectNode object) || object.isEmpty()) {
      return "[\"not\", \"an\", \"object\"]";
    }
    List<String> keys = new ArrayList<>();
    object.fieldNames().forEachRemaining(keys::add);
    String key = keys.get(random.nextInt(keys.size()));
    switch (random.nextInt(3)) {
      case 0 -> object.remove(key);
      case 1 -> {
        JsonNode value = object.get(key);
        object.set(
            key,
            value.isTextual()
                ? JSON.getNodeFactory().numberNode(42)
                : JSON.getNodeFactory()
                    .textNode("not a " + value.getNodeType().name().toLowerCase()));
      }
      default -> object.put("unexpected_" + key, "not in the schema");
    }
    return object.toString();
  }

  /** A random instance of a (subset of) JSON Schema: type, enum, properties, items. */
  private JsonNode instance(JsonNode schema, int depth) {
    var nodes = JSON.getNodeFactory();
    JsonNode values = schema.path("enum");
    if (values.isArray() && !values.isEmpty()) {
      return values.get(random.nextInt(values.size()));
    }
    JsonNode typeNode = schema.path("type");
    String type = typeNode.isArray() ? firstNonNullType(typeNode) : typeNode.asText("object");
    return switch (type) {
      case "object" -> {
        ObjectNode object = nodes.objectNode();
        if (depth < 5) {
          schema
              .path("properties")
              .fields()
              .forEachRemaining(e -> object.set(e.getKey(), instance(e.getValue(), depth + 1)));
        }
        yield object;
      }
      case "array" -> {
        var array = nodes.arrayNode();
        for (int i = 1 + random.nextInt(3); i > 0 && depth < 5; i--) {
          array.add(instance(schema.path("items"), depth + 1));
        }
        yield array;
      }
      case "integer" -> nodes.numberNode(random.nextInt(11));
      case "number" -> nodes.numberNode(Math.round(random.nextDouble() * 1000) / 100.0);
      case "boolean" -> nodes.booleanNode(random.nextBoolean());
      case "null" -> nodes.nullNode();
      default -> nodes.textNode(words(1 + random.nextInt(4)));
    };
  }

  private static String firstNonNullType(JsonNode types) {
    for (JsonNode t : types) {
      if (!"null".equals(t.asText())) {
        return t.asText();
      }
    }
    return "null";
  }

  private String words(int count) {
    List<String> vocabulary = "lorem".equals(config.random().vocabulary()) ? LOREM : ENGLISH;
    List<String> words = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      words.add(vocabulary.get(random.nextInt(vocabulary.size())));
    }
    return String.join(" ", words);
  }

  private String randomWords() {
    List<String> vocabulary = "lorem".equals(config.random().vocabulary()) ? LOREM : ENGLISH;
    int count =
        config.random().minWords()
            + random.nextInt(config.random().maxWords() - config.random().minWords() + 1);
    List<String> words = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      words.add(vocabulary.get(random.nextInt(vocabulary.size())));
    }
    String text = String.join(" ", words);
    return Character.toUpperCase(text.charAt(0)) + text.substring(1) + ".";
  }

  private String render(
      String template, JsonNode request, String model, @Nullable String deployment) {
    Map<String, Object> context = new HashMap<>();
    context.put("request", JSON.convertValue(request, Map.class));
    context.put("messages", JSON.convertValue(request.path("messages"), List.class));
    context.put("model", model);
    context.put("deployment", deployment);
    context.put("user_message", lastMessage(request, "user"));
    context.put("system_message", lastMessage(request, "system"));
    RenderResult result = jinjava.renderForResult(template, context);
    List<TemplateError> fatal =
        result.getErrors().stream()
            .filter(e -> e.getSeverity() == TemplateError.ErrorType.FATAL)
            .toList();
    if (!fatal.isEmpty()) {
      throw new GenerationException(
          500,
          "response template failed: "
              + fatal.stream().map(TemplateError::getMessage).collect(Collectors.joining("; ")));
    }
    return result.getOutput();
  }

  private String fromBank() {
    if (bank.isEmpty()) {
      throw new GenerationException(
          400,
          "preset mode needs response.mode: preset with a response.preset.file in the server config");
    }
    if ("sequential".equals(config.preset().selection())) {
      String next = bank.get(nextInBank);
      nextInBank = (nextInBank + 1) % bank.size();
      return next;
    }
    return bank.get(random.nextInt(bank.size()));
  }

  /** The text of the last message with {@code role}; multi-part contents are joined. */
  static String lastMessage(JsonNode request, String role) {
    JsonNode messages = request.path("messages");
    for (int i = messages.size() - 1; i >= 0; i--) {
      JsonNode message = messages.get(i);
      if (role.equals(message.path("role").asText())) {
        return text(message.path("content"));
      }
    }
    return "";
  }

  static String text(JsonNode content) {
    if (content.isTextual()) {
      return content.asText();
    }
    if (content.isArray()) {
      List<String> parts = new ArrayList<>();
      content.forEach(
          part -> {
            if (part.path("text").isTextual()) {
              parts.add(part.path("text").asText());
            }
          });
      return String.join("\n", parts);
    }
    return "";
  }

  private static List<String> loadBank(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new ChaosConfigException("response.preset.file not found: " + file);
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ChaosConfigException(
          "response.preset.file unreadable: " + file + ": " + e.getMessage(), e);
    }
    List<String> contents = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty()) {
        continue;
      }
      JsonNode entry;
      try {
        entry = JSON.readTree(line);
      } catch (IOException e) {
        throw new ChaosConfigException(
            file + ":" + (i + 1) + ": not a JSON object: " + e.getMessage(), e);
      }
      if (!entry.path("content").isTextual()) {
        throw new ChaosConfigException(
            file + ":" + (i + 1) + ": expected {\"content\": \"...\"}, got " + line);
      }
      contents.add(entry.path("content").asText());
    }
    if (contents.isEmpty()) {
      throw new ChaosConfigException("response.preset.file has no responses: " + file);
    }
    return List.copyOf(contents);
  }
}

package io.elspeth.testkit.chaosllm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The configuration trees a {@link ChaosConfig} is made from: the built-in defaults and presets
 * (resources of the testkit jar), YAML files, the deep merge of one tree over another, and the one
 * binding of a merged tree to a validated {@link ChaosConfig}, whose errors name the source and the
 * key.
 */
final class ChaosConfigTrees {
  /** Binds configuration trees (snake_case keys) and renders them back for the admin API. */
  static final ObjectMapper TREES =
      JsonMapper.builder()
          .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .build();

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final String RESOURCES = "/io/elspeth/testkit/chaosllm/";

  private ChaosConfigTrees() {}

  static ObjectNode defaultsTree() {
    return resourceTree("defaults.yaml");
  }

  static ObjectNode presetTree(String name) {
    if (!ChaosConfig.PRESETS.contains(name)) {
      throw new ChaosConfigException(
          "unknown ChaosLLM preset '"
              + name
              + "'; available: "
              + String.join(", ", ChaosConfig.PRESETS));
    }
    return resourceTree("presets/" + name + ".yaml");
  }

  private static ObjectNode resourceTree(String name) {
    try (InputStream in = ChaosConfig.class.getResourceAsStream(RESOURCES + name)) {
      if (in == null) {
        throw new IllegalStateException("ChaosLLM resource missing from the testkit jar: " + name);
      }
      return (ObjectNode) YAML.readTree(in);
    } catch (IOException e) {
      throw new IllegalStateException("ChaosLLM resource unreadable: " + name, e);
    }
  }

  static ObjectNode yamlFile(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new ChaosConfigException("ChaosLLM config file not found: " + file);
    }
    try {
      JsonNode node = YAML.readTree(file.toFile());
      if (node == null || node.isMissingNode() || node.isNull()) {
        return TREES.createObjectNode();
      }
      if (!node.isObject()) {
        throw new ChaosConfigException(file + ": expected a YAML mapping at the top level");
      }
      return (ObjectNode) node;
    } catch (JsonProcessingException e) {
      throw new ChaosConfigException(file + ": invalid YAML: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new ChaosConfigException(file + ": cannot read: " + e.getMessage(), e);
    }
  }

  /** Objects merge key by key; anything else (scalars, lists) replaces. */
  static void merge(ObjectNode base, ObjectNode override) {
    Iterator<Map.Entry<String, JsonNode>> fields = override.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      JsonNode existing = base.get(field.getKey());
      if (existing instanceof ObjectNode existingObject
          && field.getValue() instanceof ObjectNode overrideObject) {
        merge(existingObject, overrideObject);
      } else {
        base.set(field.getKey(), field.getValue().deepCopy());
      }
    }
  }

  static ChaosConfig bind(ObjectNode tree, String source) {
    // The reference's server.workers and metrics.* have no meaning here (one JVM, in-memory
    // counters); they are accepted so the reference's preset and config files load unchanged.
    if (tree.get("server") instanceof ObjectNode server) {
      server.remove("workers");
    }
    tree.remove("metrics");
    try {
      return TREES.treeToValue(tree, ChaosConfig.class);
    } catch (JsonMappingException e) {
      String key =
          e.getPath().stream()
              .map(
                  ref ->
                      ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
              .collect(Collectors.joining("."))
              .replace(".[", "[");
      Throwable cause = e.getCause() instanceof IllegalArgumentException iae ? iae : null;
      String message = cause != null ? cause.getMessage() : firstLine(e.getOriginalMessage());
      throw new ChaosConfigException(
          "ChaosLLM config ("
              + source
              + ")"
              + (key.isEmpty() ? "" : " at '" + key + "'")
              + ": "
              + message,
          e);
    } catch (JsonProcessingException e) {
      throw new ChaosConfigException(
          "ChaosLLM config (" + source + "): " + firstLine(e.getOriginalMessage()), e);
    }
  }

  private static String firstLine(String message) {
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}

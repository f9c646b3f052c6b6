package io.elspeth.transforms.llm;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.connectors.client.PoolSettings;
import io.elspeth.plugin.OptionSpec;
import io.elspeth.plugin.OptionType;
import io.elspeth.plugin.PluginOptions;
import io.elspeth.transforms.local.TransformOptions;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * ELSPETH's {@code LLMConfig}, shared by the LLM transforms: the model, the Jinja2 {@code template}
 * (or {@code template_file}) seeing {@code row} and {@code lookup}, the {@code system_prompt} (or
 * {@code system_prompt_file}), {@code temperature}, {@code max_tokens}, {@code response_field}, the
 * {@code lookup} data (or {@code lookup_file}, YAML), the {@code *_source} paths recorded for
 * audit, and the pool options. Files are read when the pipeline is built, relative to the working
 * directory, and their paths recorded as sources.
 */
public record LlmOptions(
    String model,
    PromptTemplate template,
    @Nullable String templateSource,
    @Nullable String systemPrompt,
    @Nullable String systemPromptSource,
    Map<String, Object> lookup,
    @Nullable String lookupSource,
    @Nullable String lookupHash,
    double temperature,
    @Nullable Integer maxTokens,
    String responseField,
    double timeoutSeconds)
    implements Serializable {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** The shared LLM options, then a plugin's own, then the pool and common transform options. */
  public static List<OptionSpec> with(OptionSpec... own) {
    List<OptionSpec> specs = new ArrayList<>(List.of(own));
    specs.add(
        OptionSpec.optional(
            "template",
            OptionType.STRING,
            null,
            "Jinja2 prompt template over row and lookup (or template_file)"));
    specs.add(
        OptionSpec.optional(
            "template_file", OptionType.PATH, null, "file holding the prompt template"));
    specs.add(
        OptionSpec.optional(
            "template_source",
            OptionType.STRING,
            null,
            "where the template came from, recorded for audit"));
    specs.add(OptionSpec.optional("system_prompt", OptionType.STRING, null, "system message"));
    specs.add(
        OptionSpec.optional(
            "system_prompt_file", OptionType.PATH, null, "file holding the system message"));
    specs.add(
        OptionSpec.optional(
            "system_prompt_source",
            OptionType.STRING,
            null,
            "where the system prompt came from, recorded for audit"));
    specs.add(
        OptionSpec.optional("temperature", OptionType.NUMBER, 0.0, "sampling temperature, 0 to 2"));
    specs.add(OptionSpec.optional("max_tokens", OptionType.INT, null, "completion token limit"));
    specs.add(
        OptionSpec.optional(
            "response_field",
            OptionType.STRING,
            "llm_response",
            "output field for the response (metadata fields get it as prefix)"));
    specs.add(
        OptionSpec.optional(
            "lookup",
            OptionType.OBJECT,
            null,
            "data the template sees as lookup (or lookup_file)"));
    specs.add(
        OptionSpec.optional("lookup_file", OptionType.PATH, null, "YAML file of lookup data"));
    specs.add(
        OptionSpec.optional(
            "lookup_source",
            OptionType.STRING,
            null,
            "where the lookup came from, recorded for audit"));
    specs.add(
        OptionSpec.optional(
            "timeout_seconds", OptionType.NUMBER, 60.0, "time allowed for one request"));
    specs.addAll(PoolSettings.options());
    return TransformOptions.with(specs.toArray(OptionSpec[]::new));
  }

  /** Problems with the values, each naming its option. */
  public static List<String> validate(PluginOptions o) {
    List<String> problems = new ArrayList<>(PoolSettings.validate(o));
    boolean inline = o.has("template");
    boolean file = o.has("template_file");
    if (inline == file) {
      problems.add("template: give exactly one of template and template_file");
    }
    if (o.has("system_prompt") && o.has("system_prompt_file")) {
      problems.add("system_prompt: give at most one of system_prompt and system_prompt_file");
    }
    if (o.has("lookup") && o.has("lookup_file")) {
      problems.add("lookup: give at most one of lookup and lookup_file");
    }
    for (String key : List.of("template_file", "system_prompt_file", "lookup_file")) {
      if (o.has(key) && !Files.isReadable(Path.of(o.requiredString(key)))) {
        problems.add(key + ": cannot read file '" + o.requiredString(key) + "'");
      }
    }
    if (problems.isEmpty()) {
      try {
        String text =
            inline ? o.requiredString("template") : read(o.requiredString("template_file"));
        String syntax = PromptTemplate.syntaxProblem(text);
        if (syntax != null) {
          problems.add("template: not a valid Jinja2 template: " + syntax);
        }
        lookup(o);
      } catch (IOException | RuntimeException e) {
        problems.add("lookup_file: " + e.getMessage());
      }
    }
    double t = number(o, "temperature", 0.0);
    if (t < 0 || t > 2) {
      problems.add("temperature: expected 0 to 2, got " + t);
    }
    if (o.has("max_tokens") && o.integer("max_tokens", 1) < 1) {
      problems.add("max_tokens: expected 1 or more");
    }
    if (number(o, "timeout_seconds", 60.0) <= 0) {
      problems.add("timeout_seconds: expected more than 0");
    }
    return problems;
  }

  /** Reads the options (and the files they name); call after {@link #validate}. */
  public static LlmOptions from(PluginOptions o, @Nullable String defaultModel) {
    try {
      String template =
          o.has("template")
              ? o.requiredString("template")
              : read(o.requiredString("template_file"));
      String templateSource =
          o.has("template_source") ? o.string("template_source") : o.string("template_file");
      String system =
          o.has("system_prompt_file")
              ? read(o.requiredString("system_prompt_file"))
              : o.string("system_prompt");
      String systemSource =
          o.has("system_prompt_source")
              ? o.string("system_prompt_source")
              : o.string("system_prompt_file");
      Map<String, Object> lookup = lookup(o);
      String lookupSource =
          o.has("lookup_source") ? o.string("lookup_source") : o.string("lookup_file");
      String model = o.has("model") ? o.requiredString("model") : defaultModel;
      if (model == null) {
        // Validation requires model (OpenRouter) or deployment_name, its Azure default.
        throw new IllegalStateException("validated LLM options name no model");
      }
      return new LlmOptions(
          model,
          new PromptTemplate(template),
          templateSource,
          system,
          systemSource,
          lookup,
          lookupSource,
          lookup.isEmpty() ? null : CanonicalJson.stableHash(lookup),
          number(o, "temperature", 0.0),
          o.has("max_tokens") ? (int) o.integer("max_tokens", 0) : null,
          o.requiredString("response_field"),
          number(o, "timeout_seconds", 60.0));
    } catch (IOException e) {
      throw new IllegalStateException(
          "a validated template or lookup file became unreadable: " + e.getMessage(), e);
    }
  }

  static double number(PluginOptions o, String key, double fallback) {
    return o.asMap().get(key) instanceof Number n ? n.doubleValue() : fallback;
  }

  private static String read(String path) throws IOException {
    return Files.readString(Path.of(path));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> lookup(PluginOptions o) throws IOException {
    if (o.has("lookup_file")) {
      Object data =
          CanonicalJson.toPlain(YAML.readTree(Path.of(o.requiredString("lookup_file")).toFile()));
      if (!(data instanceof Map<?, ?> m)) {
        throw new IOException("'" + o.requiredString("lookup_file") + "' must hold a YAML mapping");
      }
      return new LinkedHashMap<>((Map<String, Object>) m);
    }
    return new LinkedHashMap<>(o.map("lookup"));
  }

  /** The template's variables for a row: {@code row} and {@code lookup}. */
  public Map<String, Object> variables(Map<String, Object> row) {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("row", row);
    v.put("lookup", lookup);
    return v;
  }

  /**
   * ELSPETH's metadata fields of one multi-query answer, after its mapped fields: {@code
   * <prefix>_usage} (zero token counts when the service reported none), {@code _model}, {@code
   * _template_hash}, {@code _variables_hash}, {@code _template_source}, {@code _lookup_hash},
   * {@code _lookup_source}, {@code _system_prompt_source}.
   */
  public void addQueryMetadata(
      Map<String, Object> out,
      String prefix,
      PromptTemplate.Rendered r,
      Map<String, Object> usage,
      String model) {
    Map<String, Object> zero = new LinkedHashMap<>();
    zero.put("prompt_tokens", 0L);
    zero.put("completion_tokens", 0L);
    out.put(prefix + "_usage", usage == null || usage.isEmpty() ? zero : usage);
    out.put(prefix + "_model", model);
    out.put(prefix + "_template_hash", r.templateHash());
    out.put(prefix + "_variables_hash", r.variablesHash());
    addSources(out, prefix);
  }

  /**
   * {@code _template_source}, {@code _lookup_hash}, {@code _lookup_source}, {@code
   * _system_prompt_source}.
   */
  private void addSources(Map<String, Object> out, String prefix) {
    out.put(prefix + "_template_source", templateSource);
    out.put(prefix + "_lookup_hash", lookupHash);
    out.put(prefix + "_lookup_source", lookupSource);
    out.put(prefix + "_system_prompt_source", systemPromptSource);
  }

  /**
   * ELSPETH's metadata fields beside the response: {@code <field>_usage}, {@code _model}, {@code
   * _template_hash}, {@code _variables_hash}, {@code _prompt_hash}, and the sources.
   */
  public void addMetadata(
      Map<String, Object> out,
      String field,
      PromptTemplate.Rendered r,
      Map<String, Object> usage,
      String model) {
    out.put(field + "_usage", usage);
    out.put(field + "_model", model);
    out.put(field + "_template_hash", r.templateHash());
    out.put(field + "_variables_hash", r.variablesHash());
    out.put(field + "_prompt_hash", r.promptHash());
    addSources(out, field);
  }
}

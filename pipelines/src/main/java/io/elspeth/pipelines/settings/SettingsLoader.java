package io.elspeth.pipelines.settings;

import io.elspeth.pipelines.secrets.LoadedSecrets;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Reads a settings file as ELSPETH does: YAML, an optional {@code default:} block with {@code
 * profiles:} overrides chosen by name, and {@code ${VAR}} / {@code ${VAR:-default}} replaced in
 * string values from the environment and a {@code .env} file (the real environment wins; the {@code
 * .env} beside the settings file, then the one in the working directory). Plugin file options are
 * then resolved from the settings file's folder ({@link RelativePaths#pluginFilesAgainstSettings})
 * and OpenRouter endpoints defaulted from the environment ({@link EndpointDefaults}).
 */
public final class SettingsLoader {
  private static final Pattern VARIABLE =
      Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?}");

  private SettingsLoader() {}

  /** Loads with the process environment and the .env files. */
  public static Map<String, Object> load(Path file, @Nullable String profile) {
    return load(file, profile, environment(file.toAbsolutePath().getParent()));
  }

  /**
   * Loads settings given as YAML text, as if read from a file in {@code baseDir} named {@code
   * origin} (the name error messages show): the same profiles, variables, limits and checks as a
   * file, with the {@code .env} of {@code baseDir}.
   */
  public static Map<String, Object> loadText(String yaml, Path origin, @Nullable String profile) {
    int size = yaml.getBytes(StandardCharsets.UTF_8).length;
    if (size > SettingsYaml.MAX_BYTES) {
      throw new SettingsException(
          origin,
          List.of(
              "the settings are "
                  + size
                  + " bytes; settings"
                  + " may have at most "
                  + SettingsYaml.MAX_BYTES
                  + " bytes (1 MiB)"));
    }
    return parse(
        origin,
        yaml.startsWith("\uFEFF") ? yaml.substring(1) : yaml,
        profile,
        environment(origin.toAbsolutePath().getParent()));
  }

  /** The process environment over the .env in {@code folder} over the working directory's. */
  private static Map<String, String> environment(@Nullable Path folder) {
    Map<String, String> env = new HashMap<>();
    env.putAll(DotEnv.read(Path.of(".env")));
    if (folder != null) {
      env.putAll(DotEnv.read(folder.resolve(".env")));
    }
    env.putAll(System.getenv());
    return env;
  }

  /**
   * The file as UTF-8 text (a leading byte-order mark dropped), refused past {@link
   * SettingsYaml#MAX_BYTES} before it is read.
   */
  private static String text(Path file) {
    try {
      long size = Files.size(file);
      if (size > SettingsYaml.MAX_BYTES) {
        throw new SettingsException(
            file,
            List.of(
                "the file is "
                    + size
                    + " bytes; a settings file"
                    + " may have at most "
                    + SettingsYaml.MAX_BYTES
                    + " bytes (1 MiB)"));
      }
      byte[] bytes = Files.readAllBytes(file);
      if (bytes.length > SettingsYaml.MAX_BYTES) {
        throw new SettingsException(
            file,
            List.of("the file grew past " + SettingsYaml.MAX_BYTES + " bytes while it was read"));
      }
      String text = decode(file, bytes);
      return text.startsWith("\uFEFF") ? text.substring(1) : text;
    } catch (IOException e) {
      throw new SettingsException(file, List.of("cannot read: " + e.getMessage()));
    }
  }

  private static String decode(Path file, byte[] bytes) {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length);
    CoderResult result = decoder.decode(in, out, true);
    if (result.isError()) {
      throw new SettingsException(
          file,
          List.of(
              "not UTF-8 text: invalid byte at offset "
                  + in.position()
                  + " (save the file as UTF-8)"));
    }
    decoder.flush(out);
    return out.flip().toString();
  }

  /** Loads with an explicit environment (tests). */
  public static Map<String, Object> load(
      Path file, @Nullable String profile, Map<String, String> env) {
    if (!Files.isRegularFile(file)) {
      throw new SettingsException(file, List.of("settings file not found"));
    }
    return parse(file, text(file), profile, env);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> parse(
      Path file, String text, @Nullable String profile, Map<String, String> env) {
    SettingsYaml.Parsed yaml = SettingsYaml.parse(file, text);
    Object parsed = yaml.value();
    if (!(parsed instanceof Map<?, ?>)) {
      throw new SettingsException(
          file, List.of("expected a mapping of settings at the top level (source, sinks, ...)"));
    }
    Map<String, Object> root = (Map<String, Object>) parsed;
    List<String> problems = new ArrayList<>();
    boolean profiled = root.containsKey("default") || root.containsKey("profiles");
    root = applyProfile(root, profile, problems);
    // The secrets: block is read before variables are substituted: its values feed them.
    LoadedSecrets secrets = SettingsSecrets.load(file, root.get(SecretsSettings.KEY), env);
    env = SettingsSecrets.overlay(env, secrets);
    // Recorded as secret_resolutions, not with the settings (as in ELSPETH).
    root = new LinkedHashMap<>(root);
    root.remove(SecretsSettings.KEY);
    Object substituted = substitute(root, "", env, problems);
    if (!problems.isEmpty()) {
      throw new SettingsException(file, problems);
    }
    Map<String, Object> settings =
        RelativePaths.pluginFilesAgainstSettings(
            EndpointDefaults.apply(
                (Map<String, Object>)
                    Objects.requireNonNull(substituted, "the substituted settings map"),
                env),
            file);
    return new LocatedSettings(
        settings,
        profiled ? profileLocations(yaml.locations(), profile) : yaml.locations(),
        secrets);
  }

  /** Where each merged key came from: the profile's override, else the default block. */
  private static Map<String, String> profileLocations(
      Map<String, String> file, @Nullable String profile) {
    Map<String, String> out = new HashMap<>();
    String override = "profiles." + profile + ".";
    file.forEach(
        (path, at) -> {
          if (path.startsWith("default.")) {
            out.putIfAbsent(path.substring("default.".length()), at);
          }
        });
    if (profile != null) {
      file.forEach(
          (path, at) -> {
            if (path.startsWith(override)) {
              out.put(path.substring(override.length()), at);
            }
          });
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> applyProfile(
      Map<String, Object> root, @Nullable String profile, List<String> problems) {
    if (!root.containsKey("default") && !root.containsKey("profiles")) {
      if (profile != null) {
        problems.add("profiles: --profile " + profile + " given but the file has no profiles");
      }
      return root;
    }
    Object base = root.getOrDefault("default", Map.of());
    if (!(base instanceof Map<?, ?>)) {
      problems.add("default: expected a mapping of settings");
      return root;
    }
    Map<String, Object> merged = new LinkedHashMap<>((Map<String, Object>) base);
    if (profile != null) {
      Object profiles = root.get("profiles");
      if (!(profiles instanceof Map<?, ?> map) || !map.containsKey(profile)) {
        problems.add("profiles." + profile + ": no such profile");
        return merged;
      }
      Object overrides = map.get(profile);
      if (!(overrides instanceof Map<?, ?>)) {
        problems.add("profiles." + profile + ": expected a mapping of settings");
        return merged;
      }
      merged = deepMerge(merged, (Map<String, Object>) overrides);
    }
    return merged;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> deepMerge(Map<String, Object> base, Map<String, Object> over) {
    Map<String, Object> out = new LinkedHashMap<>(base);
    over.forEach(
        (k, v) -> {
          Object b = out.get(k);
          if (b instanceof Map<?, ?> bm && v instanceof Map<?, ?> vm) {
            out.put(k, deepMerge((Map<String, Object>) bm, (Map<String, Object>) vm));
          } else {
            out.put(k, v);
          }
        });
    return out;
  }

  private static @Nullable Object substitute(
      @Nullable Object value, String path, Map<String, String> env, List<String> problems) {
    if (value instanceof String s) {
      return substituteString(s, path, env, problems);
    }
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> out = new LinkedHashMap<>();
      map.forEach(
          (k, v) ->
              out.put(
                  k.toString(),
                  substitute(v, path.isEmpty() ? k.toString() : path + "." + k, env, problems)));
      return out;
    }
    if (value instanceof List<?> list) {
      List<Object> out = new ArrayList<>();
      for (int i = 0; i < list.size(); i++) {
        out.add(substitute(list.get(i), path + "[" + i + "]", env, problems));
      }
      return out;
    }
    return value;
  }

  private static String substituteString(
      String s, String path, Map<String, String> env, List<String> problems) {
    Matcher m = VARIABLE.matcher(s);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String name = m.group(1);
      String value = env.get(name);
      if (value == null) {
        value = m.group(2) != null ? m.group(3) : null;
      }
      if (value == null) {
        problems.add(
            path
                + ": environment variable "
                + name
                + " is not set (set it, add it to .env, or write ${"
                + name
                + ":-default})");
        value = "";
      }
      m.appendReplacement(sb, Matcher.quoteReplacement(value));
    }
    m.appendTail(sb);
    return sb.toString();
  }
}

package io.elspeth.pipelines.settings;

import io.elspeth.pipelines.secrets.LoadedSecrets;
import io.elspeth.pipelines.secrets.SecretsException;
import io.elspeth.pipelines.secrets.SecretsLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Where the settings loader meets the {@code secrets:} block: parses it, loads its secrets (Key
 * Vault values override the environment's, as in ELSPETH), and hands what was loaded to the
 * launcher, which records it.
 */
public final class SettingsSecrets {
  /** Replaced only by tests that open vaults with their own credential. */
  private static volatile SecretsLoader loader = new SecretsLoader();

  private SettingsSecrets() {}

  static LoadedSecrets load(Path file, @Nullable Object block, Map<String, String> env) {
    List<String> problems = new ArrayList<>();
    SecretsSettings settings = SecretsSettings.parse(block, problems);
    if (!problems.isEmpty()) {
      throw new SettingsException(file, problems);
    }
    try {
      return loader.load(settings, env);
    } catch (SecretsException e) {
      throw new SettingsException(file, List.of(e.getMessage()));
    }
  }

  static Map<String, String> overlay(Map<String, String> env, LoadedSecrets secrets) {
    if (secrets.values().isEmpty()) {
      return env;
    }
    Map<String, String> out = new HashMap<>(env);
    out.putAll(secrets.values());
    return out;
  }

  /** What the secrets: block of {@code settings} loaded (none for settings not from a file). */
  public static LoadedSecrets of(PipelineSettings settings) {
    return of(settings.resolved());
  }

  /** What the secrets: block of loaded settings loaded. */
  public static LoadedSecrets of(@Nullable Map<String, Object> loaded) {
    return loaded instanceof LocatedSettings located ? located.secrets() : LoadedSecrets.none();
  }

  /**
   * Test hook: loads later settings' secrets with {@code replacement}; returns the loader it
   * replaced, to put back.
   */
  public static SecretsLoader useLoader(SecretsLoader replacement) {
    SecretsLoader previous = loader;
    loader = replacement;
    return previous;
  }
}

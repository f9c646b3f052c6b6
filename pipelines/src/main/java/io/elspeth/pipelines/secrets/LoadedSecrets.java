package io.elspeth.pipelines.secrets;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * What a {@code secrets:} block loaded: the values by variable name (kept in memory only, for
 * {@code ${VAR}} substitution and for scrubbing them wherever they end up) and one {@link
 * Resolution} per secret for the Landscape's {@code secret_resolutions}.
 */
public record LoadedSecrets(Map<String, String> values, List<Resolution> resolutions) {

  public LoadedSecrets {
    values = Map.copyOf(values);
    resolutions = List.copyOf(resolutions);
  }

  public static LoadedSecrets none() {
    return new LoadedSecrets(Map.of(), List.of());
  }

  /**
   * One secret loaded from Key Vault, by fingerprint only.
   *
   * @param fingerprint HMAC-SHA256 of the value keyed by {@code ELSPETH_FINGERPRINT_KEY}
   */
  public record Resolution(
      String envVarName,
      String vaultUrl,
      String secretName,
      Instant resolvedAt,
      double latencyMs,
      String fingerprint) {}

  @Override
  public String toString() {
    // Never the values.
    return "LoadedSecrets" + values.keySet();
  }

  /** The loaded value of {@code name}, or null. */
  public @Nullable String value(String name) {
    return values.get(name);
  }
}

package io.elspeth.pipelines.secrets;

import io.elspeth.audit.secrets.SecretFingerprinter;
import io.elspeth.connectors.keyvault.KeyVaultException;
import io.elspeth.connectors.keyvault.KeyVaultSecretReader;
import io.elspeth.pipelines.settings.SecretsSettings;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the secrets a {@code secrets:} block names, as ELSPETH does: nothing for {@code source:
 * env}; for {@code source: keyvault}, every mapped secret from the vault, the fingerprint key
 * first, all or nothing (a failure part-way loads none), each fingerprinted at once. Fails before
 * any fetch when no fingerprint key will be available, so no secret is loaded that could not be
 * recorded.
 */
public final class SecretsLoader {
  private static final Logger LOG = LoggerFactory.getLogger(SecretsLoader.class);

  private final Function<String, KeyVaultSecretReader> vaults;

  /** Opens vaults with {@code DefaultAzureCredential}. */
  public SecretsLoader() {
    this(KeyVaultSecretReader::open);
  }

  /** Opens vaults with {@code vaults} (a vault URL → reader), for a chosen credential. */
  public SecretsLoader(Function<String, KeyVaultSecretReader> vaults) {
    this.vaults = vaults;
  }

  /**
   * The secrets of {@code settings}; {@code env} is the environment the settings are read with (it
   * may hold {@code ELSPETH_FINGERPRINT_KEY}).
   *
   * @throws SecretsException naming the variable, the secret and the vault, never a value
   */
  public LoadedSecrets load(SecretsSettings settings, Map<String, String> env) {
    if (!settings.fromKeyVault()) {
      return LoadedSecrets.none();
    }
    String keyName = SecretFingerprinter.KEY_ENV;
    String envKey = env.get(keyName);
    if (envKey == null || envKey.isEmpty()) {
      envKey = System.getProperty("elspeth.fingerprint.key");
    }
    boolean keyMapped = settings.mapping().containsKey(keyName);
    if ((envKey == null || envKey.isEmpty()) && !keyMapped) {
      throw new SecretsException(
          "secrets: "
              + keyName
              + " is required when loading secrets from"
              + " Key Vault: it keys the fingerprints that record each secret in the Landscape. Set"
              + " the environment variable "
              + keyName
              + ", or map it from the vault"
              + " (secrets.mapping."
              + keyName
              + ": <secret name>)");
    }
    // The fingerprint key first, so the other secrets can be fingerprinted whatever the order.
    List<Map.Entry<String, String>> ordered = new ArrayList<>();
    if (keyMapped) {
      ordered.add(Map.entry(keyName, settings.mapping().get(keyName)));
    }
    settings
        .mapping()
        .forEach(
            (var, secret) -> {
              if (!var.equals(keyName)) {
                ordered.add(Map.entry(var, secret));
              }
            });
    String vaultUrl = settings.vaultUrl();
    KeyVaultSecretReader vault;
    try {
      vault = vaults.apply(vaultUrl);
    } catch (KeyVaultException e) {
      throw new SecretsException("secrets.vault_url: " + e.getMessage(), e);
    }
    Map<String, String> values = new LinkedHashMap<>();
    List<LoadedSecrets.Resolution> resolutions = new ArrayList<>();
    SecretFingerprinter fingerprinter = null;
    for (Map.Entry<String, String> e : ordered) {
      String var = e.getKey();
      String secret = e.getValue();
      Instant at = Instant.now();
      long started = System.nanoTime();
      String value;
      try {
        value = vault.read(secret);
      } catch (KeyVaultException ex) {
        throw new SecretsException("secrets.mapping." + var + ": " + ex.getMessage(), ex);
      }
      double latencyMs = (System.nanoTime() - started) / 1e6;
      if (fingerprinter == null) {
        fingerprinter = new SecretFingerprinter(var.equals(keyName) ? value : envKey);
      }
      values.put(var, value);
      resolutions.add(
          new LoadedSecrets.Resolution(
              var,
              Objects.requireNonNull(vaultUrl, "a secret read from a vault has its vault_url"),
              secret,
              at,
              latencyMs,
              fingerprinter.fingerprint(value)));
      LOG.info(
          "secret loaded env_var={} secret={} vault={} latency_ms={}",
          var,
          secret,
          vaultUrl,
          Math.round(latencyMs));
    }
    return new LoadedSecrets(values, resolutions);
  }
}

package io.elspeth.pipelines.launch;

import io.elspeth.audit.secrets.SecretFingerprinter;
import io.elspeth.connectors.client.ClientSettings;
import io.elspeth.pipelines.settings.DeclaredSecrets;
import io.elspeth.pipelines.settings.PipelineSettings;
import io.elspeth.pipelines.settings.SettingsException;
import io.elspeth.pipelines.settings.SettingsSecrets;
import java.util.ArrayList;
import java.util.List;

/**
 * What a run checks before anything is recorded (secrets that can be fingerprinted, the input, an
 * export's signing key), and the secrets its records are scrubbed of.
 */
final class RunPreflight {
  private RunPreflight() {}

  /**
   * Checks that need the world without running anything: the input is present, and secrets in the
   * settings can be fingerprinted (fail closed without {@code ELSPETH_FINGERPRINT_KEY}, as ELSPETH
   * does, unless {@code ELSPETH_ALLOW_RAW_SECRETS=true}, which leaves them out).
   */
  static void preflight(PipelineSettings settings) {
    preflight(settings, fingerprinter(settings), SecretFingerprinter.rawSecretsAllowed());
  }

  /**
   * Keyed from the environment, or by the {@code ELSPETH_FINGERPRINT_KEY} the settings' {@code
   * secrets:} block loaded from Key Vault (then also set as the system property {@code
   * elspeth.fingerprint.key}, so this JVM's clients fingerprint with the same key).
   */
  private static SecretFingerprinter fingerprinter(PipelineSettings settings) {
    SecretFingerprinter.registerKnownValues(SettingsSecrets.of(settings).values().values());
    String loaded = SettingsSecrets.of(settings).value(SecretFingerprinter.KEY_ENV);
    if (loaded == null) {
      return SecretFingerprinter.fromEnvironment();
    }
    String env = System.getenv(SecretFingerprinter.KEY_ENV);
    if (env != null && !env.isEmpty() && !env.equals(loaded)) {
      // Clients of this JVM read the environment first: two keys would make two fingerprints.
      throw new SettingsException(
          settings.file(),
          List.of(
              "secrets.mapping."
                  + SecretFingerprinter.KEY_ENV
                  + ": the fingerprint key loaded from Key Vault differs"
                  + " from the environment variable "
                  + SecretFingerprinter.KEY_ENV
                  + "; unset one"));
    }
    System.setProperty("elspeth.fingerprint.key", loaded);
    return new SecretFingerprinter(loaded);
  }

  static void preflight(
      PipelineSettings settings, SecretFingerprinter secrets, boolean rawSecretsAllowed) {
    List<String> problems = new ArrayList<>();
    if (!secrets.hasKey() && !rawSecretsAllowed) {
      for (String path :
          DeclaredSecrets.apply(settings, secrets).secretPaths(settings.resolved())) {
        problems.add(
            path
                + ": a secret is configured but "
                + SecretFingerprinter.KEY_ENV
                + " is not set, so it cannot be fingerprinted for the audit record; set "
                + SecretFingerprinter.KEY_ENV
                + " (or "
                + SecretFingerprinter.ALLOW_RAW_ENV
                + "=true in development, which leaves secrets out of the record)");
      }
    }
    settings
        .source()
        .descriptor()
        .preflight(settings.source().options())
        .forEach(p -> problems.add("source.options." + p));
    String signingKey = System.getenv(io.elspeth.audit.export.SigningKey.ENV);
    if (settings.export() != null
        && settings.export().sign()
        && (signingKey == null || signingKey.isEmpty())) {
      problems.add(
          "landscape.export.sign: a signed export needs the HMAC key in the environment"
              + " variable "
              + io.elspeth.audit.export.SigningKey.ENV
              + ", which is not set");
    }
    if (!problems.isEmpty()) {
      throw new SettingsException(settings.file(), problems);
    }
  }

  /** The secrets of a run of {@code settings}: its declared secret options and URL parameters. */
  static SecretFingerprinter runSecrets(PipelineSettings settings) {
    return DeclaredSecrets.apply(
            settings,
            fingerprinter(settings)
                .withSecretUrlParams(ClientSettings.secretUrlParams(settings.resolved())))
        .withKnownValues(SettingsSecrets.of(settings).values().values());
  }
}

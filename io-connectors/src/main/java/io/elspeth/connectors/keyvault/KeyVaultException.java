package io.elspeth.connectors.keyvault;

import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A Key Vault secret could not be read: the message names the vault and the secret and says why,
 * and never holds a secret's value.
 */
public final class KeyVaultException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String vaultUrl;
  private final @Nullable String secretName;

  public KeyVaultException(
      String vaultUrl, @Nullable String secretName, String why, @Nullable Throwable cause) {
    super(
        (secretName == null
                ? "Key Vault " + vaultUrl
                : "Key Vault secret '" + secretName + "' in " + vaultUrl)
            + ": "
            + why,
        cause);
    this.vaultUrl = vaultUrl;
    this.secretName = secretName;
  }

  public String vaultUrl() {
    return vaultUrl;
  }

  public @Nullable String secretName() {
    return secretName;
  }
}

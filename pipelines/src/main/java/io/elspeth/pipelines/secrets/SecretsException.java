package io.elspeth.pipelines.secrets;

/**
 * The {@code secrets:} block could not be loaded: the message starts with the settings key ({@code
 * secrets.mapping.OPENAI_KEY: ...}) and names the vault and the secret, never a value.
 */
public final class SecretsException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public SecretsException(String message) {
    super(message);
  }

  public SecretsException(String message, Throwable cause) {
    super(message, cause);
  }
}

package io.elspeth.testkit.chaosllm;

/** A ChaosLLM configuration a user got wrong; the message names the source and the key. */
public final class ChaosConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ChaosConfigException(String message) {
    super(message);
  }

  public ChaosConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}

package io.elspeth.audit.canonical;

/** A value that has no canonical JSON form (NaN, an unsafe integer, an unsupported type). */
public class CanonicalizationException extends IllegalArgumentException {
  public CanonicalizationException(String message) {
    super(message);
  }

  public CanonicalizationException(String message, Throwable cause) {
    super(message, cause);
  }
}

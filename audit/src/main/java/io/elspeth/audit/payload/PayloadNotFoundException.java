package io.elspeth.audit.payload;

/** Nothing is stored under a key: the payload was never stored, or it was purged. */
public class PayloadNotFoundException extends RuntimeException {
  private final String key;

  /** No payload under {@code key}. */
  public PayloadNotFoundException(String key, String where) {
    super("no payload " + key + " in " + where);
    this.key = key;
  }

  /** The key that was asked for. */
  public String key() {
    return key;
  }
}

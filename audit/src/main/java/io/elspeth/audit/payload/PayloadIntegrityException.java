package io.elspeth.audit.payload;

/**
 * Stored payload bytes do not hash to their key: the store was altered or corrupted. The audit
 * trail cannot vouch for such content, so it is never returned.
 */
public class PayloadIntegrityException extends RuntimeException {
  /** An integrity failure described by {@code message}, which names the key. */
  public PayloadIntegrityException(String message) {
    super(message);
  }
}

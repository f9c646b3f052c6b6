package io.elspeth.audit.lineage;

/**
 * The Landscape contradicts itself while it is being read: a token of another run under a row of
 * this run, two terminal outcomes for one token, a parent token that does not exist, stored JSON
 * that does not parse. The audit trail is Tier 1 data, so lineage refuses to guess and fails; the
 * message names the offending id.
 */
public class AuditIntegrityException extends RuntimeException {
  /** An integrity failure described by {@code message}, which names the offending id. */
  public AuditIntegrityException(String message) {
    super(message);
  }

  /** An integrity failure caused by {@code cause} (for example a JSON parse error). */
  public AuditIntegrityException(String message, Throwable cause) {
    super(message, cause);
  }
}

package io.elspeth.connectors.replay;

/**
 * A replay that cannot go on: the pipeline asked something the recorded run did not (ELSPETH's
 * {@code ReplayMissError}), or the recorded answer's payload is gone (its {@code
 * ReplayPayloadMissingError}). It fails the run: a replay that answered a call from anywhere but
 * the recording would not reproduce the audit.
 */
public final class ReplayException extends RuntimeException {
  public ReplayException(String message) {
    super(message);
  }

  public ReplayException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * Throws the replay failure behind {@code e} (itself, or a cause: a call made on a pool thread),
   * so that a step's handler of plugin failures does not turn it into a row error.
   */
  public static void rethrowIfReplay(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof ReplayException replay) {
        throw replay;
      }
    }
  }
}

package io.elspeth.audit.store;

/**
 * The Landscape refused a record: a key that exists with other content, a second terminal outcome,
 * a broken constraint. The legal record would be contradictory, so the run fails.
 */
public class LandscapeIntegrityException extends RuntimeException {
  public LandscapeIntegrityException(String message) {
    super(message);
  }

  public LandscapeIntegrityException(String message, Throwable cause) {
    super(message, cause);
  }
}

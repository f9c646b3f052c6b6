package io.elspeth.audit.store;

/** The Landscape could not be written (database unreachable, disk full, locked): the run fails. */
public class LandscapeWriteException extends RuntimeException {
  public LandscapeWriteException(String message, Throwable cause) {
    super(message, cause);
  }
}

package io.elspeth.audit.store;

import org.checkerframework.checker.nullness.qual.Nullable;

/** The Landscape could not be written (database unreachable, disk full, locked): the run fails. */
public class LandscapeWriteException extends RuntimeException {
  public LandscapeWriteException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}

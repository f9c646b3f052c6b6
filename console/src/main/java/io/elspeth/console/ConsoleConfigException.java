package io.elspeth.console;

/** A console option a user gave that cannot work; the message says what to change. */
public final class ConsoleConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ConsoleConfigException(String message) {
    super(message);
  }
}

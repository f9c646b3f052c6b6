package io.elspeth.pipelines.cli;

import io.elspeth.audit.store.LandscapeUrl;

/** Turns an exception into the one-line reason the CLI prints. */
final class CliErrors {
  private CliErrors() {}

  static String oneLine(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t && t.getMessage() == null) {
      t = t.getCause();
    }
    String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    return LandscapeUrl.redact(m);
  }
}

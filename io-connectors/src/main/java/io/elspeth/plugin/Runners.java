package io.elspeth.plugin;

import org.apache.beam.sdk.options.PipelineOptions;

/** What steps need to know of the runner that will run them. */
public final class Runners {
  private static final String DIRECT = "org.apache.beam.runners.direct.DirectRunner";

  private Runners() {}

  /**
   * Whether the pipeline runs on the DirectRunner: one JVM, no backpressure, bundles held on the
   * heap (named, not referenced, so steps need not depend on the runner).
   */
  public static boolean isDirect(PipelineOptions options) {
    return options.getRunner().getName().equals(DIRECT);
  }
}

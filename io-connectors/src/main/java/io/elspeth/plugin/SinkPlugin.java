package io.elspeth.plugin;

import io.elspeth.connectors.sink.SinkWriter;

/** A sink plugin: builds the writer that makes the sink's output durable. */
public interface SinkPlugin extends PluginDescriptor {
  SinkWriter create(PluginOptions options);

  /**
   * The writer of a run that resumes others, from {@code options} already switched to append where
   * the sink says so ({@code mode}, {@code if_exists}). By default the same as {@link #create}; a
   * sink whose target is not fixed by its options (a blob named after the run and the time)
   * continues the target {@code resume} names.
   */
  default SinkWriter createResuming(PluginOptions options, SinkResume resume) {
    return create(options);
  }

  @Override
  default PluginKind kind() {
    return PluginKind.SINK;
  }

  @Override
  default String determinism() {
    return "io_write";
  }
}

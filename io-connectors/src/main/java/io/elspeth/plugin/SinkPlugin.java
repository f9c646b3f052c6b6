package io.elspeth.plugin;

import io.elspeth.connectors.sink.SinkWriter;

/** A sink plugin: builds the writer that makes the sink's output durable. */
public interface SinkPlugin extends PluginDescriptor {
  SinkWriter create(PluginOptions options);

  @Override
  default PluginKind kind() {
    return PluginKind.SINK;
  }

  @Override
  default String determinism() {
    return "io_write";
  }
}

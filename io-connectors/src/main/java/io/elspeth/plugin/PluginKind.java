package io.elspeth.plugin;

/** Where a plugin sits in a pipeline. */
public enum PluginKind {
  SOURCE,
  TRANSFORM,
  SINK
}

package io.elspeth.plugin;

import java.util.List;

/**
 * What the settings validator and {@code elspeth plugins list} know of a plugin: its name, kind,
 * options, and the checks its options need beyond their types (a regex that must compile, a number
 * that must be positive).
 */
public interface PluginDescriptor {
  String name();

  PluginKind kind();

  String description();

  List<OptionSpec> options();

  /** Problems with option values the types cannot express; each message names the option. */
  default List<String> validate(PluginOptions options) {
    return List.of();
  }

  /**
   * Fields every output row of this plugin has beyond those its {@code schema} declares (an LLM
   * transform's response field and its {@code _usage} and {@code _model}): ELSPETH's computed
   * {@code guaranteed_fields}, which the steps after it may name in {@code required_input_fields}.
   */
  default java.util.Set<String> computedGuaranteedFields(PluginOptions options) {
    return java.util.Set.of();
  }

  /** Plugin version recorded on the node. */
  default String version() {
    return "1.0.0";
  }

  /** Determinism recorded on the node: deterministic, io_read, io_write, external_call... */
  String determinism();
}

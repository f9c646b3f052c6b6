package io.elspeth.api;

import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A source's or sink's plugin and its options by their settings names, as a settings file's entry
 * holds them; every wither of the typed sources and sinks makes a new one.
 */
record PluginEntry(String plugin, Map<String, Object> options) implements Serializable {
  PluginEntry {
    Objects.requireNonNull(plugin, "plugin");
    options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
  }

  static PluginEntry of(String plugin) {
    return new PluginEntry(plugin, Map.of());
  }

  /** This entry with option {@code key} set to {@code value} (a plain JSON value). */
  PluginEntry with(String key, Object value) {
    Objects.requireNonNull(key, "key");
    if (value == null) {
      throw new IllegalArgumentException(key + ": a value is required (null given)");
    }
    Map<String, Object> next = new LinkedHashMap<>(options);
    next.put(key, value);
    return new PluginEntry(plugin, next);
  }

  /** The settings entry: {@code {plugin, options}}. */
  Map<String, Object> settingsEntry() {
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("plugin", plugin);
    entry.put("options", new LinkedHashMap<>(options));
    return entry;
  }
}

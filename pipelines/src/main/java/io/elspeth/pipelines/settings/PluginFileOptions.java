package io.elspeth.pipelines.settings;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The file options of transform and aggregation plugins ({@code template_file},
 * {@code lookup_file}, {@code system_prompt_file}) resolved as ELSPETH resolves them: a relative
 * path is relative to the settings file's folder, not the working directory. The path as written
 * is kept as the matching {@code *_source} (what ELSPETH records) unless one is given.
 */
final class PluginFileOptions {
  /** File option → the option recording where its content came from. */
  private static final Map<String, String> FILE_OPTIONS = Map.of(
      "template_file", "template_source",
      "lookup_file", "lookup_source",
      "system_prompt_file", "system_prompt_source");

  private PluginFileOptions() {}

  /** The settings with every relative file option of {@code transforms} and {@code aggregations} made absolute. */
  static Map<String, Object> resolve(Map<String, Object> settings, Path settingsFile) {
    Path folder = settingsFile.toAbsolutePath().getParent();
    return PluginEntries.mapOptions(settings, (plugin, options) -> resolveOptions(options, folder));
  }

  private static Map<String, Object> resolveOptions(Map<String, Object> options, Path folder) {
    Map<String, Object> out = new LinkedHashMap<>(options);
    FILE_OPTIONS.forEach((key, source) -> {
      if (!(out.get(key) instanceof String written) || written.isBlank()) {
        return;
      }
      Path path;
      try {
        path = Path.of(written);
      } catch (java.nio.file.InvalidPathException e) {
        return; // the plugin's validation names the unreadable file
      }
      if (!path.isAbsolute()) {
        out.put(key, folder.resolve(path).normalize().toString());
        out.putIfAbsent(source, written);
      }
    });
    return out;
  }
}

package io.elspeth.pipelines.settings;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loaded settings that remember where each key path was written in the file ({@code
 * sinks.out.options.path} → {@code line 12, column 7}), so a validation problem, which starts with
 * its key path, can also say where to look.
 */
final class LocatedSettings extends LinkedHashMap<String, Object> {
  private static final long serialVersionUID = 1L;

  /** A key path: names and list indexes joined by dots. */
  private static final Pattern KEY_PATH =
      Pattern.compile("[A-Za-z_][\\w-]*(?:\\[\\d+])*(?:\\.[\\w-]+(?:\\[\\d+])*)*");

  /** Only needed until validation; not carried where the settings are serialised. */
  private final transient Map<String, String> locations;

  /** What the secrets: block loaded; in memory only, never serialised with the settings. */
  private final transient io.elspeth.pipelines.secrets.LoadedSecrets secrets;

  LocatedSettings(Map<String, Object> settings, Map<String, String> locations) {
    this(settings, locations, io.elspeth.pipelines.secrets.LoadedSecrets.none());
  }

  LocatedSettings(
      Map<String, Object> settings,
      Map<String, String> locations,
      io.elspeth.pipelines.secrets.LoadedSecrets secrets) {
    super(settings);
    this.locations = Map.copyOf(locations);
    this.secrets = secrets;
  }

  /** The secrets the settings' secrets: block loaded (none after deserialisation). */
  io.elspeth.pipelines.secrets.LoadedSecrets secrets() {
    return secrets == null ? io.elspeth.pipelines.secrets.LoadedSecrets.none() : secrets;
  }

  /**
   * Each problem with the location of the key paths it begins with (the first, and a second after
   * {@code " and "}): {@code (line 12, column 7)}, or {@code (lines 12 and 15)}.
   */
  List<String> annotate(List<String> problems) {
    if (locations == null || locations.isEmpty()) {
      return problems;
    }
    List<String> out = new ArrayList<>(problems.size());
    for (String p : problems) {
      List<String> where = new ArrayList<>();
      Matcher m = KEY_PATH.matcher(p);
      if (m.lookingAt()) {
        locate(m.group()).ifPresent(where::add);
        String rest = p.substring(m.end());
        if (rest.startsWith(" and ")) {
          Matcher second = KEY_PATH.matcher(rest.substring(" and ".length()));
          if (second.lookingAt()) {
            locate(second.group()).ifPresent(where::add);
          }
        }
      }
      out.add(where.isEmpty() ? p : p + " (" + describe(where) + ")");
    }
    return out;
  }

  private static String describe(List<String> where) {
    if (where.size() == 1 || where.get(0).equals(where.get(1))) {
      return where.get(0);
    }
    return "lines "
        + where.get(0).replaceFirst("^line (\\d+).*", "$1")
        + " and "
        + where.get(1).replaceFirst("^line (\\d+).*", "$1");
  }

  /** The location of the path, or of its nearest written parent. */
  private java.util.Optional<String> locate(String path) {
    for (String p = path; !p.isEmpty(); p = parent(p)) {
      String at = locations.get(p);
      if (at != null) {
        return java.util.Optional.of(at);
      }
    }
    return java.util.Optional.empty();
  }

  private static String parent(String path) {
    int cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
    return cut <= 0 ? "" : path.substring(0, cut);
  }
}

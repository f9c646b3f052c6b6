package io.elspeth.pipelines.settings;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Registers who writes each connection of a current-format file: its one job is the rule that a
 * connection has one writer (for {@link CurrentTranslator}).
 */
final class ConnectionWriters {
  private ConnectionWriters() {}

  /** The node a producer description names: "source", "transforms[0]", "coalesce[1]". */
  static String node(String who) {
    int dot = who.indexOf('.');
    return dot < 0 ? who : who.substring(0, dot);
  }

  /** Registers {@code who} as the writer of {@code name}, unless it is a sink. */
  static void produce(
      String name,
      String who,
      Set<String> sinks,
      Map<String, String> producers,
      List<String> problems) {
    if (sinks.contains(name)) {
      return;
    }
    String other = producers.putIfAbsent(name, who);
    if (other != null && !node(other).equals(node(who))) {
      problems.add(
          who
              + " and "
              + other
              + ": both write connection '"
              + name
              + "'; a"
              + " connection has one writer");
    }
  }
}

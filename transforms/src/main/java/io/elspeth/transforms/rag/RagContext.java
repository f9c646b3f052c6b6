package io.elspeth.transforms.rag;

import io.elspeth.connectors.client.AuditedSearchClient;
import java.util.ArrayList;
import java.util.List;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Joins retrieved chunks into one context text, as ELSPETH's formatter does: {@code numbered}
 * ({@code "1. text"} lines joined by a newline), {@code separated} (joined by the separator) or
 * {@code raw} (joined by nothing). With {@code max_context_length} the text is cut at the last
 * whole chunk that fits; when not even the first fits, the first is cut and ends with {@code
 * [truncated]} inside the limit. Lengths count characters as Python does (code points).
 */
final class RagContext {
  static final String TRUNCATED = "[truncated]";

  /** The context text and whether it was cut. */
  record Formatted(String text, boolean truncated) {}

  private RagContext() {}

  static Formatted format(
      List<AuditedSearchClient.Chunk> chunks,
      String mode,
      String separator,
      @Nullable Integer maxLength) {
    if (chunks.isEmpty()) {
      return new Formatted("", false);
    }
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < chunks.size(); i++) {
      String content = chunks.get(i).content();
      parts.add(mode.equals("numbered") ? (i + 1) + ". " + content : content);
    }
    String joiner =
        switch (mode) {
          case "numbered" -> "\n";
          case "separated" -> separator;
          default -> "";
        };
    String full = String.join(joiner, parts);
    if (maxLength == null || length(full) <= maxLength) {
      return new Formatted(full, false);
    }
    List<String> included = new ArrayList<>();
    int used = 0;
    for (int i = 0; i < parts.size(); i++) {
      int add = length(parts.get(i)) + (i > 0 ? length(joiner) : 0);
      if (used + add > maxLength) {
        break;
      }
      included.add(parts.get(i));
      used += add;
    }
    if (!included.isEmpty()) {
      return new Formatted(String.join(joiner, included), true);
    }
    int budget = maxLength - TRUNCATED.length();
    String first = parts.get(0);
    return new Formatted(
        budget > 0 ? prefix(first, budget) + TRUNCATED : prefix(first, maxLength), true);
  }

  private static int length(String s) {
    return s.codePointCount(0, s.length());
  }

  private static String prefix(String s, int codePoints) {
    return s.substring(0, s.offsetByCodePoints(0, Math.min(codePoints, length(s))));
  }
}

package io.elspeth.audit.lineage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Locale;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Text for the lineage page: escaping for XHTML, table cells and fact rows, and the short forms the
 * page shows values in ({@code -} for absent, clipped names, compact or pretty JSON).
 */
final class HtmlText {
  private static final ObjectMapper JSON = new ObjectMapper();

  private HtmlText() {}

  /** Escapes text for element content and attribute values ({@code -} for null). */
  static String esc(@Nullable String text) {
    if (text == null) {
      return "-";
    }
    StringBuilder s = new StringBuilder(text.length() + 16);
    for (int i = 0; i < text.length(); i++) {
      char ch = text.charAt(i);
      switch (ch) {
        case '&' -> s.append("&amp;");
        case '<' -> s.append("&lt;");
        case '>' -> s.append("&gt;");
        case '"' -> s.append("&quot;");
        case '\'' -> s.append("&#39;");
        default -> {
          // Control characters are not allowed in XML 1.0; show them as code points instead.
          if (ch < 0x20 && ch != '\n' && ch != '\t' && ch != '\r') {
            s.append(String.format(Locale.ROOT, "\\u%04x", (int) ch));
          } else {
            s.append(ch);
          }
        }
      }
    }
    return s.toString();
  }

  static String td(@Nullable String text) {
    return "<td>" + esc(text) + "</td>";
  }

  static String mono(@Nullable String text) {
    return "<td class=\"mono\">" + esc(text) + "</td>";
  }

  static void fact(StringBuilder h, String name, String value) {
    h.append("<tr><td>")
        .append(esc(name))
        .append("</td><td class=\"mono\">")
        .append(esc(value))
        .append("</td></tr>\n");
  }

  static String clip(String text, int max) {
    return text.length() <= max ? text : text.substring(0, max - 1) + "…";
  }

  static String orDash(@Nullable String s) {
    return s == null ? "-" : s;
  }

  static String scalar(@Nullable JsonNode node) {
    if (node == null || node.isNull()) {
      return "-";
    }
    return node.isValueNode() ? node.asText() : compact(node);
  }

  static String compact(@Nullable JsonNode node) {
    return node == null ? "-" : node.toString();
  }

  static String pretty(String json) {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(JSON.readTree(json));
    } catch (JsonProcessingException e) {
      return json;
    }
  }
}

package io.elspeth.transforms.web;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.nodes.TextNode;

/**
 * What web_scrape keeps of a page, as ELSPETH does: {@code raw} (the HTML as received), {@code
 * text} (the visible text, whitespace-separated) or {@code markdown} (headings, paragraphs, links,
 * images, lists, emphasis, code and tables as Markdown), after removing the {@code strip_elements}
 * (default {@code script} and {@code style}); and its fingerprint, the SHA-256 of the content
 * ({@code full}) or of the content with whitespace runs collapsed ({@code content}, so reflowed
 * pages keep their fingerprint). Parsing is jsoup's, which accepts any input as HTML the way
 * browsers do.
 */
final class PageContent {
  private PageContent() {}

  static String extract(String html, String format, List<String> stripElements) {
    if (format.equals("raw")) {
      return html;
    }
    Document doc = Jsoup.parse(html);
    for (String tag : stripElements) {
      doc.select(tag).remove();
    }
    return switch (format) {
      case "text" -> doc.text();
      case "markdown" -> Markdown.of(doc.body() != null ? doc.body() : doc);
      default -> throw new IllegalArgumentException("unknown format: " + format);
    };
  }

  static String fingerprint(String content, String mode) {
    String text = mode.equals("content") ? content.replaceAll("\\s+", " ").strip() : content;
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by the Java platform", e);
    }
  }

  /** A small HTML → Markdown writer over jsoup's tree. */
  static final class Markdown {
    private final StringBuilder out = new StringBuilder();
    private int listDepth;

    static String of(Element root) {
      Markdown md = new Markdown();
      md.children(root);
      return md.out.toString().replaceAll("[ \\t]+\n", "\n").replaceAll("\n{3,}", "\n\n").strip()
          + "\n";
    }

    private void children(Node node) {
      for (Node child : node.childNodes()) {
        node(child);
      }
    }

    private void block() {
      if (out.length() > 0 && !out.toString().endsWith("\n\n")) {
        out.append(out.toString().endsWith("\n") ? "\n" : "\n\n");
      }
    }

    private void node(Node node) {
      if (node instanceof TextNode t) {
        String text = t.text();
        if (!text.isBlank()
            || out.length() > 0 && !Character.isWhitespace(out.charAt(out.length() - 1))) {
          out.append(text.replaceAll("\\s+", " "));
        }
        return;
      }
      if (!(node instanceof Element e)) {
        return;
      }
      String tag = e.normalName();
      switch (tag) {
        case "h1", "h2", "h3", "h4", "h5", "h6" -> {
          block();
          out.append("#".repeat(tag.charAt(1) - '0')).append(' ').append(e.text().strip());
          block();
        }
        case "p", "div", "section", "article", "header", "footer", "main", "nav" -> {
          block();
          children(e);
          block();
        }
        case "br" -> out.append("  \n");
        case "hr" -> {
          block();
          out.append("* * *");
          block();
        }
        case "strong", "b" -> wrap(e, "**");
        case "em", "i" -> wrap(e, "_");
        case "code" -> out.append('`').append(e.text()).append('`');
        case "pre" -> {
          block();
          out.append("```\n").append(e.wholeText().strip()).append("\n```");
          block();
        }
        case "a" -> {
          String href = e.attr("href");
          if (href.isEmpty()) {
            children(e);
          } else {
            out.append('[').append(e.text().strip()).append("](").append(href).append(')');
          }
        }
        case "img" ->
            out.append("![").append(e.attr("alt")).append("](").append(e.attr("src")).append(')');
        case "ul", "ol" -> {
          block();
          listDepth++;
          int n = 1;
          for (Element li : e.children()) {
            if (!li.normalName().equals("li")) {
              continue;
            }
            out.append("  ".repeat(listDepth - 1)).append(tag.equals("ol") ? (n++) + ". " : "  * ");
            children(li);
            out.append('\n');
          }
          listDepth--;
          block();
        }
        case "blockquote" -> {
          block();
          out.append("> ").append(e.text().strip());
          block();
        }
        case "tr" -> {
          for (Element cell : e.children()) {
            out.append("| ").append(cell.text().strip()).append(' ');
          }
          out.append("|\n");
        }
        case "table", "thead", "tbody" -> {
          if (tag.equals("table")) {
            block();
          }
          children(e);
          if (tag.equals("table")) {
            block();
          }
        }
        case "head", "title", "script", "style", "noscript", "template" -> {
          // Not page content.
        }
        default -> children(e);
      }
    }

    private void wrap(Element e, String mark) {
      String text = e.text().strip();
      if (!text.isEmpty()) {
        out.append(mark).append(text).append(mark);
      }
    }
  }
}

package io.elspeth.transforms.rag;

import io.elspeth.transforms.llm.PromptTemplate;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Builds a row's search text, ELSPETH's three ways, all from {@code query_field}: the field's text
 * as it is; {@code query_template} (Jinja2, seeing {@code query}, the field's value, and {@code
 * row}); or {@code query_pattern} (a regular expression whose first group, or whole match without
 * groups, is the text, searched for at most five seconds). A null field, a text that is empty or
 * blank, a template that fails and a pattern that does not match are row errors, with ELSPETH's
 * reasons.
 */
final class RagQuery implements Serializable {
  static final long REGEX_TIMEOUT_NANOS = 5_000_000_000L;

  /** The text to search for, or why there is none. */
  record Built(@Nullable String query, @Nullable Map<String, Object> error) {}

  private final String field;
  private final @Nullable PromptTemplate template;
  private final @Nullable String pattern;
  private transient @Nullable Pattern compiled;

  RagQuery(String field, @Nullable String template, @Nullable String pattern) {
    this.field = field;
    this.template = template == null ? null : new PromptTemplate(template);
    this.pattern = pattern;
  }

  /**
   * A Python regular expression in Java's dialect: named groups {@code (?P<n>...)} and back
   * references {@code (?P=n)} are written the Java way; the rest of the syntax the two share.
   */
  static Pattern compile(String python) throws PatternSyntaxException {
    String java = python.replace("(?P<", "(?<").replaceAll("\\(\\?P=(\\w+)\\)", "\\\\k<$1>");
    return Pattern.compile(java);
  }

  private Pattern pattern() {
    if (compiled == null) {
      compiled = compile(java.util.Objects.requireNonNull(pattern, "a regex query has a pattern"));
    }
    return compiled;
  }

  Built build(Map<String, Object> row) {
    if (!row.containsKey(field)) {
      return error("invalid_input", "missing_field");
    }
    Object value = row.get(field);
    if (value == null) {
      return error("invalid_input", "null_value");
    }
    if (template != null) {
      Map<String, Object> vars = new LinkedHashMap<>();
      vars.put("query", value);
      vars.put("row", row);
      try {
        return nonEmpty(template.render(vars, vars).prompt());
      } catch (PromptTemplate.RenderException e) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("reason", "template_rendering_failed");
        r.put("error", e.getMessage());
        r.put("field", field);
        return new Built(null, r);
      }
    }
    if (!(value instanceof String text)) {
      // ELSPETH takes a non-text field as an upstream bug; here the row is rejected with it named.
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("reason", "invalid_input");
      r.put("field", field);
      r.put("cause", "not_a_string");
      return new Built(null, r);
    }
    if (pattern == null) {
      return nonEmpty(text);
    }
    Matcher m = pattern().matcher(new Deadline(text, System.nanoTime() + REGEX_TIMEOUT_NANOS));
    boolean found;
    try {
      found = m.find();
    } catch (Deadline.Exceeded e) {
      return error("no_regex_match", "regex_timeout");
    }
    if (!found) {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("reason", "no_regex_match");
      r.put("field", field);
      r.put("pattern", pattern);
      return new Built(null, r);
    }
    String captured = m.groupCount() > 0 ? m.group(1) : m.group();
    if (captured == null) {
      return error("no_regex_match", "capture_group_empty");
    }
    return nonEmpty(captured);
  }

  private Built nonEmpty(String query) {
    return query.isBlank() ? error("invalid_input", "empty_query") : new Built(query, null);
  }

  private Built error(String reason, String cause) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("reason", reason);
    r.put("field", field);
    r.put("cause", cause);
    return new Built(null, r);
  }

  /**
   * The text a pattern runs over, failing the match once the time is up: a Java regex cannot be
   * interrupted, but it reads its input through {@link #charAt}, so a runaway pattern stops there.
   */
  private static final class Deadline implements CharSequence {
    static final class Exceeded extends RuntimeException {
      Exceeded() {
        super("regex deadline exceeded", null, false, false);
      }
    }

    private final CharSequence text;
    private final long deadline;
    private int reads;

    Deadline(CharSequence text, long deadline) {
      this.text = text;
      this.deadline = deadline;
    }

    @Override
    public char charAt(int index) {
      // The clock is read every 4096 characters: cheap, and still within milliseconds.
      if ((++reads & 0xFFF) == 0 && System.nanoTime() > deadline) {
        throw new Exceeded();
      }
      return text.charAt(index);
    }

    @Override
    public int length() {
      return text.length();
    }

    @Override
    public CharSequence subSequence(int start, int end) {
      return new Deadline(text.subSequence(start, end), deadline);
    }

    @Override
    public String toString() {
      return text.toString();
    }
  }
}

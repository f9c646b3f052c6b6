package io.elspeth.transforms.local;

import io.elspeth.plugin.OptionSpec;
import io.elspeth.plugin.OptionType;
import io.elspeth.plugin.PluginOptions;
import io.elspeth.transforms.step.RowTransform;
import io.elspeth.transforms.step.TransformPlugin;
import io.elspeth.transforms.step.TransformResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * {@code keyword_filter}: rejects a row when a listed field ({@code fields}: a name, a list, or
 * {@code all} for every string field) matches one of {@code blocked_patterns} (regular
 * expressions). The rejection records the field, the pattern and the text around the match.
 */
public final class KeywordFilterPlugin implements TransformPlugin {
  private static final int CONTEXT_CHARS = 40;

  @Override
  public String name() {
    return "keyword_filter";
  }

  @Override
  public String description() {
    return "Rejects rows whose fields match blocked regular expressions";
  }

  @Override
  public List<OptionSpec> options() {
    return TransformOptions.with(
        OptionSpec.required(
            "fields",
            OptionType.STRING_OR_LIST,
            "field or fields to scan; 'all' scans every string field"),
        OptionSpec.required(
            "blocked_patterns",
            OptionType.STRING_LIST,
            "regular expressions; a match rejects the row"));
  }

  @Override
  public List<String> validate(PluginOptions options) {
    List<String> problems = new ArrayList<>();
    List<String> patterns = options.strings("blocked_patterns");
    if (patterns.isEmpty()) {
      problems.add("blocked_patterns: expected at least one pattern");
    }
    for (int i = 0; i < patterns.size(); i++) {
      try {
        Pattern.compile(patterns.get(i));
      } catch (PatternSyntaxException e) {
        problems.add(
            "blocked_patterns["
                + i
                + "]: invalid regular expression '"
                + patterns.get(i)
                + "': "
                + e.getDescription());
      }
    }
    if (options.strings("fields").isEmpty()) {
      problems.add("fields: expected at least one field name");
    }
    return problems;
  }

  @Override
  public RowTransform create(PluginOptions options) {
    return new Filter(options.strings("fields"), options.strings("blocked_patterns"));
  }

  /** Patterns are kept as text (serialisable) and compiled once per instance. */
  static final class Filter implements RowTransform {
    private final List<String> fields;
    private final List<String> patterns;
    private transient @Nullable List<Pattern> compiled;

    Filter(List<String> fields, List<String> patterns) {
      this.fields = List.copyOf(fields);
      this.patterns = List.copyOf(patterns);
    }

    private List<Pattern> compiled() {
      if (compiled == null) {
        compiled = patterns.stream().map(Pattern::compile).toList();
      }
      return compiled;
    }

    @Override
    public TransformResult apply(Map<String, Object> row) {
      List<String> scanned =
          fields.size() == 1 && fields.get(0).equals("all")
              ? new ArrayList<>(row.keySet())
              : fields;
      for (String field : scanned) {
        if (!(row.get(field) instanceof String text)) {
          continue;
        }
        for (Pattern p : compiled()) {
          Matcher m = p.matcher(text);
          if (m.find()) {
            Map<String, Object> reason = new LinkedHashMap<>();
            reason.put("reason", "blocked_content");
            reason.put("field", field);
            reason.put("matched_pattern", p.pattern());
            reason.put(
                "match_context",
                text.substring(
                    Math.max(0, m.start() - CONTEXT_CHARS),
                    Math.min(text.length(), m.end() + CONTEXT_CHARS)));
            return TransformResult.error(reason);
          }
        }
      }
      return TransformResult.success(row);
    }
  }
}

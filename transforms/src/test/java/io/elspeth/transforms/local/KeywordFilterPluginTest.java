package io.elspeth.transforms.local;

import static io.elspeth.transforms.Rows.row;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.instanceOf;
import static org.hamcrest.Matchers.startsWith;

import io.elspeth.transforms.step.RowTransform;
import io.elspeth.transforms.step.TransformResult;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KeywordFilterPluginTest {
  private static final KeywordFilterPlugin PLUGIN = new KeywordFilterPlugin();

  private static Map<String, Object> reason(TransformResult result) {
    assertThat(result, instanceOf(TransformResult.Error.class));
    return ((TransformResult.Error) result).reason();
  }

  @Test
  void matchRejectsTheRowNamingFieldPatternAndContext() {
    RowTransform filter =
        PluginFixture.create(
            PLUGIN, row("fields", "comment", "blocked_patterns", List.of("secret\\w*")));

    Map<String, Object> reason = reason(filter.apply(row("comment", "the secrets are out")));

    assertThat(
        reason,
        equalTo(
            row(
                "reason",
                "blocked_content",
                "field",
                "comment",
                "matched_pattern",
                "secret\\w*",
                "match_context",
                "the secrets are out")));
  }

  @Test
  void matchContextIsCutToFortyCharactersAroundTheMatch() {
    RowTransform filter =
        PluginFixture.create(
            PLUGIN, row("fields", "comment", "blocked_patterns", List.of("secret")));
    String text = "a".repeat(50) + "secret" + "b".repeat(50);

    Map<String, Object> reason = reason(filter.apply(row("comment", text)));

    assertThat(reason.get("match_context"), equalTo("a".repeat(40) + "secret" + "b".repeat(40)));
  }

  @Test
  void rowWithoutAMatchSucceedsUnchanged() {
    RowTransform filter =
        PluginFixture.create(
            PLUGIN,
            row("fields", List.of("comment", "title"), "blocked_patterns", List.of("secret")));

    TransformResult result = filter.apply(row("comment", "all public", "title", "hello"));

    assertThat(result, instanceOf(TransformResult.Success.class));
    assertThat(
        ((TransformResult.Success) result).row(),
        equalTo(row("comment", "all public", "title", "hello")));
  }

  @Test
  void onlyTheListedFieldsAreScanned() {
    RowTransform filter =
        PluginFixture.create(PLUGIN, row("fields", "title", "blocked_patterns", List.of("secret")));

    assertThat(
        filter.apply(row("title", "hello", "comment", "secret")),
        instanceOf(TransformResult.Success.class));
  }

  @Test
  void fieldsAllScansEveryStringField() {
    RowTransform filter =
        PluginFixture.create(PLUGIN, row("fields", "all", "blocked_patterns", List.of("secret")));

    Map<String, Object> reason =
        reason(filter.apply(row("id", 7L, "title", "hello", "notes", "top secret")));

    assertThat(reason.get("field"), equalTo("notes"));
  }

  @Test
  void inlineCaseInsensitiveFlagMatchesAnyCase() {
    RowTransform filter =
        PluginFixture.create(
            PLUGIN, row("fields", "comment", "blocked_patterns", List.of("(?i)password")));

    Map<String, Object> reason = reason(filter.apply(row("comment", "my PassWord is hunter2")));

    assertThat(reason.get("matched_pattern"), equalTo("(?i)password"));
  }

  @Test
  void patternsAreCaseSensitiveWithoutTheFlag() {
    RowTransform filter =
        PluginFixture.create(
            PLUGIN, row("fields", "comment", "blocked_patterns", List.of("password")));

    assertThat(
        filter.apply(row("comment", "my PASSWORD")), instanceOf(TransformResult.Success.class));
  }

  @Test
  void validateRejectsAnInvalidRegexNamingItsIndex() {
    List<String> problems =
        PluginFixture.problems(
            PLUGIN, row("fields", "comment", "blocked_patterns", List.of("ok", "(unclosed")));

    assertThat(
        problems,
        hasItem(startsWith("blocked_patterns[1]: invalid regular expression '(unclosed'")));
  }

  @Test
  void validateRejectsAnEmptyPatternList() {
    assertThat(
        PluginFixture.problems(PLUGIN, row("fields", "comment", "blocked_patterns", List.of())),
        hasItem("blocked_patterns: expected at least one pattern"));
  }

  @Test
  void filterStillRejectsAfterJavaSerialization() throws Exception {
    RowTransform filter =
        PluginFixture.create(
            PLUGIN, row("fields", "comment", "blocked_patterns", List.of("(?i)secret")));
    // Use it first so its compiled patterns exist before it is written.
    filter.apply(row("comment", "warm up"));

    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(filter);
    }
    RowTransform copy;
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      copy = (RowTransform) in.readObject();
    }

    assertThat(
        reason(copy.apply(row("comment", "a SECRET plan"))).get("field"), equalTo("comment"));
    assertThat(copy.apply(row("comment", "public")), instanceOf(TransformResult.Success.class));
  }

  @Test
  void validateAcceptsWellFormedOptions() {
    assertThat(
        PluginFixture.problems(
            PLUGIN,
            row(
                "fields",
                List.of("a", "b"),
                "blocked_patterns",
                List.of("x+", "(?i)y"),
                "on_error",
                "sinkA")),
        empty());
  }

  @Test
  void onErrorMustNameAConfiguredSink() {
    assertThat(
        PluginFixture.problems(
            PLUGIN, row("fields", "a", "blocked_patterns", List.of("x"), "on_error", "nowhere")),
        hasItem(containsString("transforms[0].options.on_error: no sink named 'nowhere'")));
  }
}

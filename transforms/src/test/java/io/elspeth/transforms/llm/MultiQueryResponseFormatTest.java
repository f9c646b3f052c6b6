package io.elspeth.transforms.llm;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.plugin.PluginOptions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code response_format}: what each query asks the service for, and how an answer is held to the
 * configured {@code output_mapping} on the way back.
 */
class MultiQueryResponseFormatTest {

  private static MultiQuery queries(String responseFormat) {
    Map<String, Object> mapping = new LinkedHashMap<>();
    mapping.put("score", Map.of("suffix", "score", "type", "integer"));
    mapping.put("rationale", Map.of("suffix", "why", "type", "string"));
    mapping.put(
        "confidence",
        Map.of("suffix", "confidence", "type", "enum", "values", List.of("low", "medium", "high")));
    mapping.put("flagged", Map.of("suffix", "flagged", "type", "boolean"));
    mapping.put("weight", Map.of("suffix", "weight", "type", "number"));
    Map<String, Object> options = new LinkedHashMap<>();
    options.put("case_studies", List.of(Map.of("name", "cs1", "input_fields", List.of("text"))));
    options.put("criteria", List.of(Map.of("name", "tone")));
    options.put("output_mapping", mapping);
    options.put("response_format", responseFormat);
    List<String> problems = new ArrayList<>();
    MultiQuery q = MultiQuery.parse(new PluginOptions(options, null), problems);
    assertThat(problems, is(empty()));
    return q;
  }

  private static Map<String, Object> answer(Object... keysAndValues) {
    Map<String, Object> a = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      a.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return a;
  }

  private static Map<String, Object> valid() {
    return answer(
        "score", 4L, "rationale", "clear", "confidence", "high", "flagged", false, "weight", 0.5);
  }

  @Test
  void standardAsksForJsonMode() {
    assertThat(queries("standard").requestFormat(), equalTo(Map.of("type", "json_object")));
  }

  @Test
  void structuredSendsAStrictSchemaOfTheOutputMapping() {
    Map<String, Object> format = queries("structured").requestFormat();
    assertThat(
        CanonicalJson.canonicalize(format),
        equalTo(
            CanonicalJson.canonicalize(
                Map.of(
                    "type",
                    "json_schema",
                    "json_schema",
                    Map.of(
                        "name",
                        "query_response",
                        "strict",
                        true,
                        "schema",
                        Map.of(
                            "type",
                            "object",
                            "properties",
                            Map.of(
                                "score", Map.of("type", "integer"),
                                "rationale", Map.of("type", "string"),
                                "confidence",
                                    Map.of(
                                        "type", "string", "enum", List.of("low", "medium", "high")),
                                "flagged", Map.of("type", "boolean"),
                                "weight", Map.of("type", "number")),
                            "required",
                            List.of("score", "rationale", "confidence", "flagged", "weight"),
                            "additionalProperties",
                            false))))));
  }

  @Test
  void anAnswerThatFitsHasNoProblems() {
    assertThat(queries("structured").answerProblems(valid()), is(empty()));
    assertThat(queries("standard").answerProblems(valid()), is(empty()));
  }

  @Test
  void aMissingRequiredKeyIsAProblemInBothModes() {
    Map<String, Object> a = valid();
    a.remove("rationale");
    for (String mode : List.of("standard", "structured")) {
      assertThat(
          queries(mode).answerProblems(a), contains("rationale: expected string, got nothing"));
    }
  }

  @Test
  void wrongTypesAreProblemsNamingTheKey() {
    Map<String, Object> a = valid();
    a.put("score", "four");
    a.put("flagged", "no");
    a.put("weight", "heavy");
    a.put("confidence", "certain");
    List<String> problems = queries("structured").answerProblems(a);
    assertThat(problems, hasSize(4));
    assertThat(
        problems.stream().map(p -> p.substring(0, p.indexOf(':'))).toList(),
        containsInAnyOrder("score", "flagged", "weight", "confidence"));
    assertThat(
        problems.stream().filter(p -> p.startsWith("confidence")).findFirst().get(),
        startsWith("confidence: expected one of [low, medium, high], got certain"));
  }

  @Test
  void aFractionIsNotAnInteger() {
    Map<String, Object> a = valid();
    a.put("score", 4.5);
    assertThat(
        queries("structured").answerProblems(a), contains("score: expected integer, got 4.5"));
  }

  @Test
  void aKeyOutsideTheSchemaIsAProblemOnlyWhenStructured() {
    Map<String, Object> a = valid();
    a.put("notes", "extra");
    assertThat(queries("standard").answerProblems(a), is(empty()));
    assertThat(
        queries("structured").answerProblems(a),
        contains("notes: not in the response schema (additionalProperties: false)"));
  }
}

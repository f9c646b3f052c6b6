package io.elspeth.transforms.llm;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

import io.elspeth.audit.canonical.CanonicalJson;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** ELSPETH's named {@code queries}: how they are read, checked, asked for and answered. */
class NamedQueriesTest {

  private static Map<String, Object> query(Object... keysAndValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      m.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return m;
  }

  private static List<String> problems(Object raw) {
    List<String> problems = new ArrayList<>();
    NamedQueries.parse(raw, problems);
    return problems;
  }

  @Test
  void aMappingNamesEachQueryByItsKeyAndAListByItsName() {
    Map<String, Object> byName = new LinkedHashMap<>();
    byName.put(
        "tone",
        query(
            "input_fields",
            Map.of("text", "notes"),
            "output_fields",
            List.of(Map.of("suffix", "score", "type", "integer"))));
    byName.put(
        "topic",
        query(
            "input_fields",
            Map.of("text", "notes"),
            "template",
            "T {{ row.text }}",
            "max_tokens",
            20L));
    List<String> problems = new ArrayList<>();
    NamedQueries fromMap = NamedQueries.parse(byName, problems);
    assertThat(problems, is(empty()));
    assertThat(
        fromMap.queries().stream().map(NamedQueries.Query::name).toList(),
        contains("tone", "topic"));
    assertThat(fromMap.queries().get(1).maxTokens(), is(20));
    assertThat(
        fromMap.guaranteedFields("llm_response"),
        contains(
            "tone_llm_response",
            "tone_llm_response_usage",
            "tone_llm_response_model",
            "tone_score",
            "topic_llm_response",
            "topic_llm_response_usage",
            "topic_llm_response_model"));

    NamedQueries fromList =
        NamedQueries.parse(
            List.of(query("name", "tone", "input_fields", Map.of("text", "notes"))), problems);
    assertThat(problems, is(empty()));
    assertThat(fromList.queries().get(0).name(), equalTo("tone"));
  }

  @Test
  void eachProblemNamesItsQueryAndKey() {
    Map<String, Object> byName = new LinkedHashMap<>();
    byName.put("a", query("input_fields", Map.of(), "colour", "red"));
    byName.put(
        "b",
        query(
            "input_fields",
            Map.of("x", "f"),
            "template",
            "{{ input_1 }}",
            "response_format",
            "strict",
            "output_fields",
            List.of(
                Map.of("suffix", "level", "type", "enum"),
                Map.of("suffix", "n", "type", "integer", "values", List.of("1")))));
    List<String> problems = problems(byName);
    assertThat(
        problems,
        hasItem(
            "queries.a.colour: unknown query option (expected one of"
                + " [input_fields, template, output_fields, response_format, max_tokens])"));
    assertThat(
        problems,
        hasItem(
            org.hamcrest.Matchers.startsWith(
                "queries.a.input_fields:" + " required, a non-empty mapping")));
    assertThat(
        problems,
        hasItem(
            org.hamcrest.Matchers.startsWith(
                "queries.b.template: uses" + " positional variables")));
    assertThat(
        problems,
        hasItem("queries.b.response_format: expected standard or structured," + " got strict"));
    assertThat(
        problems,
        hasItem(
            "queries.b.output_fields[0].values: enum type requires a" + " non-empty values list"));
    assertThat(
        problems,
        hasItem("queries.b.output_fields[1].values: only valid for type enum," + " not integer"));

    assertThat(
        problems(
            List.of(
                query("name", "q", "input_fields", Map.of("x", "f")),
                query("name", "q", "input_fields", Map.of("x", "f")))),
        contains(org.hamcrest.Matchers.startsWith("queries[1].name: duplicate query name 'q'")));
    assertThat(problems(Map.of()), contains("queries: expected at least one query"));
  }

  @Test
  void twoQueriesMayNotWriteTheSameField() {
    Map<String, Object> byName = new LinkedHashMap<>();
    byName.put(
        "a_b",
        query(
            "input_fields",
            Map.of("x", "f"),
            "output_fields",
            List.of(Map.of("suffix", "c", "type", "string"))));
    byName.put(
        "a",
        query(
            "input_fields",
            Map.of("x", "f"),
            "output_fields",
            List.of(Map.of("suffix", "b_c", "type", "string"))));
    assertThat(
        problems(byName),
        contains(
            "queries.a.output_fields: output field 'a_b_c' is" + " also written by query 'a_b'"));
  }

  @Test
  void theResponseFormatFollowsTheOutputFields() {
    Map<String, Object> byName = new LinkedHashMap<>();
    byName.put("free", query("input_fields", Map.of("x", "f")));
    byName.put(
        "json",
        query(
            "input_fields",
            Map.of("x", "f"),
            "output_fields",
            List.of(Map.of("suffix", "s", "type", "number"))));
    byName.put(
        "schema",
        query(
            "input_fields",
            Map.of("x", "f"),
            "response_format",
            "structured",
            "output_fields",
            List.of(
                Map.of("suffix", "s", "type", "integer"),
                Map.of("suffix", "level", "type", "enum", "values", List.of("low", "high")))));
    List<NamedQueries.Query> q = NamedQueries.parse(byName, new ArrayList<>()).queries();
    assertThat(q.get(0).requestFormat(), is(nullValue()));
    assertThat(q.get(1).requestFormat(), equalTo(Map.of("type", "json_object")));
    assertThat(
        CanonicalJson.canonicalize(q.get(2).requestFormat()),
        equalTo(
            CanonicalJson.canonicalize(
                Map.of(
                    "type",
                    "json_schema",
                    "json_schema",
                    Map.of(
                        "name",
                        "schema_output",
                        "schema",
                        Map.of(
                            "type",
                            "object",
                            "properties",
                            Map.of(
                                "s",
                                Map.of("type", "integer"),
                                "level",
                                Map.of("type", "string", "enum", List.of("low", "high"))),
                            "required",
                            List.of("s", "level")))))));
  }

  @Test
  void answerValuesAreCheckedAsElspethChecksThem() {
    NamedQueries.OutputField integer = new NamedQueries.OutputField("n", "integer", List.of());
    assertThat(integer.problem(3L), is(nullValue()));
    assertThat("an integral float is an integer", integer.problem(3.0), is(nullValue()));
    assertThat(integer.problem(3.5), equalTo("expected integer, got float"));
    assertThat(integer.problem(true), equalTo("expected integer, got boolean"));
    assertThat(integer.problem("3"), equalTo("expected integer, got str"));
    NamedQueries.OutputField number = new NamedQueries.OutputField("n", "number", List.of());
    assertThat(number.problem(2L), is(nullValue()));
    assertThat(number.problem(false), equalTo("expected number, got boolean"));
    NamedQueries.OutputField level =
        new NamedQueries.OutputField("l", "enum", List.of("low", "high"));
    assertThat(level.problem("low"), is(nullValue()));
    assertThat(level.problem("mid"), equalTo("value 'mid' not in allowed values: [low, high]"));
    assertThat(level.problem(1L), equalTo("expected string (enum), got int"));
    assertThat(
        new NamedQueries.OutputField("b", "boolean", List.of()).problem(null),
        equalTo("expected boolean, got null"));
  }
}

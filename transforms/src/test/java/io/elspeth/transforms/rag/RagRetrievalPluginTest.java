package io.elspeth.transforms.rag;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

import io.elspeth.connectors.client.AuditedSearchClient;
import io.elspeth.plugin.PluginOptions;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The local parts of rag_retrieval: option checks, search text, context formatting. */
class RagRetrievalPluginTest {
  private static final RagRetrievalPlugin PLUGIN = new RagRetrievalPlugin();

  private static PluginOptions options(Map<String, Object> extra) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("query_field", "q");
    o.put("output_prefix", "sci");
    o.put("provider", "azure_search");
    o.put(
        "provider_config",
        Map.of("endpoint", "https://search.example.net", "index", "docs", "api_key", "k-123456"));
    o.putAll(extra);
    return new PluginOptions(o, null);
  }

  private static List<AuditedSearchClient.Chunk> chunks(String... texts) {
    return java.util.Arrays.stream(texts)
        .map(t -> new AuditedSearchClient.Chunk(t, 0.5, t, Map.of()))
        .toList();
  }

  @Test
  void validOptionsHaveNoProblem() {
    assertThat(PLUGIN.validate(options(Map.of())), empty());
  }

  @Test
  void outputPrefixMustBeAnIdentifierAndNotAPythonKeyword() {
    assertThat(
        PLUGIN.validate(options(Map.of("output_prefix", "class"))),
        hasItem(containsString("output_prefix: must not be a Python keyword")));
    assertThat(
        PLUGIN.validate(options(Map.of("output_prefix", "a-b"))),
        hasItem(containsString("output_prefix: must be an identifier")));
  }

  @Test
  void templateAndPatternAreExclusiveAndTopKAndMinScoreBounded() {
    Map<String, Object> extra = new HashMap<>();
    extra.put("query_template", "{{ query }}");
    extra.put("query_pattern", "(\\w+)");
    extra.put("top_k", 101L);
    extra.put("min_score", 1.5);
    List<String> problems = PLUGIN.validate(options(extra));
    assertThat(problems, hasItem(containsString("mutually exclusive")));
    assertThat(problems, hasItem(containsString("top_k: expected 1 to 100")));
    assertThat(problems, hasItem(containsString("min_score: expected 0 to 1")));
  }

  @Test
  void chromaIsRefusedNamingTheModeTheStoreAndWhatWorks() {
    Map<String, Object> extra = new HashMap<>();
    extra.put("provider", "chroma");
    extra.put(
        "provider_config",
        Map.of("collection", "science", "mode", "persistent", "persist_directory", "data/chroma"));
    List<String> problems = PLUGIN.validate(options(extra));
    assertThat(
        problems,
        hasItem(
            allOf(
                containsString("provider: 'chroma' is not supported"),
                containsString("provider_config.mode: persistent"),
                containsString("'data/chroma'"),
                containsString("provider: azure_search"))));
    extra.put("provider_config", Map.of("collection", "science", "mode", "client", "host", "h"));
    assertThat(
        PLUGIN.validate(options(extra)), hasItem(containsString("embedded by the Python client")));
  }

  @Test
  void searchTextFromTheFieldATemplateOrAPattern() {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("q", "Ticket 42: printer on fire");
    row.put("team", "ops");
    assertThat(new RagQuery("q", null, null).build(row).query(), is("Ticket 42: printer on fire"));
    assertThat(
        new RagQuery("q", "{{ row.team }}: {{ query }}", null).build(row).query(),
        is("ops: Ticket 42: printer on fire"));
    assertThat(new RagQuery("q", null, ":\\s*(?P<t>.+)").build(row).query(), is("printer on fire"));
    RagQuery.Built none = new RagQuery("q", null, "^nothing").build(row);
    assertThat(none.query(), nullValue());
    assertThat(none.error().get("reason"), is("no_regex_match"));
    row.put("q", "   ");
    assertThat(new RagQuery("q", null, null).build(row).error().get("cause"), is("empty_query"));
    row.put("q", null);
    assertThat(new RagQuery("q", null, null).build(row).error().get("cause"), is("null_value"));
  }

  @Test
  void contextFormatsAndCutsAtChunkBoundaries() {
    assertThat(RagContext.format(chunks("a", "b"), "numbered", "|", null).text(), is("1. a\n2. b"));
    assertThat(RagContext.format(chunks("a", "b"), "separated", "|", null).text(), is("a|b"));
    assertThat(RagContext.format(chunks("a", "b"), "raw", "|", null).text(), is("ab"));
    RagContext.Formatted cut = RagContext.format(chunks("aaaa", "bbbb"), "separated", "|", 6);
    assertThat(cut.text(), is("aaaa"));
    assertThat(cut.truncated(), is(true));
    RagContext.Formatted hard =
        RagContext.format(chunks("abcdefghijklmnopqrstuvwxyz"), "raw", "", 15);
    assertThat(hard.text(), is("abcd[truncated]"));
    assertThat(RagContext.format(chunks("abcdef"), "raw", "", 3).text(), is("abc"));
  }
}

package io.elspeth.transforms.web;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;

import io.elspeth.plugin.PluginOptions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WebScrapePluginTest {
  private static Map<String, Object> options() {
    Map<String, Object> o = new HashMap<>();
    o.put("url_field", "url");
    o.put("content_field", "page");
    o.put("fingerprint_field", "page_fp");
    o.put(
        "http",
        new HashMap<>(Map.of("abuse_contact", "a@example.com", "scraping_reason", "monitoring")));
    return o;
  }

  @Test
  void validOptionsHaveNoProblemsAndDeclareTheFieldsTheyAdd() {
    WebScrapePlugin plugin = new WebScrapePlugin();
    PluginOptions o = new PluginOptions(options(), null);
    assertThat(plugin.validate(o), is(empty()));
    assertThat(
        plugin.create(o).declaredOutputFields(),
        containsInAnyOrder(
            "page", "page_fp", "fetch_status", "fetch_url_final", "fetch_url_final_ip"));
  }

  @Test
  void eachBadOptionIsNamed() {
    Map<String, Object> o = options();
    o.put("fingerprint_field", "page");
    o.put(
        "http",
        new HashMap<>(
            Map.of(
                "abuse_contact",
                " ",
                "timeout",
                0,
                "allowed_hosts",
                List.of("300.0.0.1/8"),
                "proxy",
                "x")));
    List<String> problems = new WebScrapePlugin().validate(new PluginOptions(o, null));
    assertThat(
        problems,
        hasItem(
            "fingerprint_field: content_field and fingerprint_field must"
                + " differ, both are 'page'"));
    assertThat(
        problems,
        hasItem(
            "http.proxy: unknown key (expected abuse_contact,"
                + " scraping_reason, timeout, allowed_hosts)"));
    assertThat(
        problems.stream().anyMatch(p -> p.startsWith("http.abuse_contact: required")), is(true));
    assertThat(
        problems.stream().anyMatch(p -> p.startsWith("http.scraping_reason: required")), is(true));
    assertThat(
        problems, hasItem("http.timeout: expected a positive whole number of seconds," + " got 0"));
    assertThat(
        problems.stream().anyMatch(p -> p.startsWith("http.allowed_hosts: invalid CIDR")),
        is(true));
  }
}

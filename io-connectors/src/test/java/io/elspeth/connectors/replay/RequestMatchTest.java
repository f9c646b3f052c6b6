package io.elspeth.connectors.replay;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import io.elspeth.audit.canonical.CanonicalJson;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RequestMatchTest {
  private static Map<String, Object> request(String auth, String url, String text) {
    Map<String, Object> headers = new LinkedHashMap<>();
    headers.put("content-type", "application/json");
    headers.put("ocp-apim-subscription-key", auth);
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("method", "POST");
    r.put("url", url);
    r.put("headers", headers);
    r.put("json", Map.of("text", text, "temperature", 0.0));
    return r;
  }

  @Test
  void credentialsDoNotChangeTheMatchButWhatWasAskedDoes() {
    String recorded =
        RequestMatch.hash(
            request("<fingerprint:aa11>", "https://h/x?sig=<fingerprint:bb22>", "hello"));
    // Another key, another fingerprint key, or none (the header dropped, the secret masked).
    Map<String, Object> noKey = request("x", "https://h/x?sig=***", "hello");
    ((Map<?, ?>) noKey.get("headers")).remove("ocp-apim-subscription-key");
    assertThat(
        RequestMatch.hash(
            request("<fingerprint:cc33>", "https://h/x?sig=<fingerprint:dd44>", "hello")),
        equalTo(recorded));
    assertThat(RequestMatch.hash(noKey), equalTo(recorded));
    assertThat(
        RequestMatch.hash(
            request("<fingerprint:aa11>", "https://h/x?sig=<fingerprint:bb22>", "hello!")),
        not(equalTo(recorded)));
    assertThat(
        RequestMatch.hash(
            request("<fingerprint:aa11>", "https://other/x?sig=<fingerprint:bb22>", "hello")),
        not(equalTo(recorded)));
  }

  @Test
  void aStoredPayloadMatchesTheRequestItWasStoredFrom() {
    Map<String, Object> r = request("<fingerprint:aa11>", "https://h/x", "hé \u2028 1e3");
    assertThat(
        RequestMatch.hashOfPayload(CanonicalJson.canonicalize(r)), equalTo(RequestMatch.hash(r)));
  }

  @Test
  void changesNameThePathsWhereTwoAnswersDiffer() {
    Object recorded =
        CanonicalJson.parse(
            "{\"content\": \"neutral\", \"usage\": {\"total_tokens\": 3}, \"list\": [1, 2]}");
    Object live =
        CanonicalJson.parse(
            "{\"content\": \"changed\", \"usage\": {\"total_tokens\": 3}, \"list\": [1], \"x\": 1}");
    List<Map<String, Object>> changes = RunVerification.changes(recorded, live);
    assertThat(
        changes.stream().map(c -> c.get("path")).toList(),
        contains("root['content']", "root['list'][1]", "root['x']"));
    assertThat(changes.get(0).get("recorded"), is("neutral"));
    assertThat(changes.get(0).get("live"), is("changed"));
    assertThat(changes.get(1).get("live"), is("<absent>"));
    assertThat(RunVerification.changes(recorded, recorded), is(empty()));
  }

  @Test
  void changesStopAtTheLimit() {
    Map<String, Object> a = new LinkedHashMap<>();
    Map<String, Object> b = new LinkedHashMap<>();
    for (int i = 0; i < 50; i++) {
      a.put("k" + i, i);
      b.put("k" + i, -i - 1);
    }
    assertThat(RunVerification.changes(a, b), hasSize(RunVerification.MAX_CHANGES));
  }
}

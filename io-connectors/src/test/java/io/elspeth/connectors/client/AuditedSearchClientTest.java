package io.elspeth.connectors.client;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.closeTo;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.payload.PayloadStore;
import io.elspeth.audit.record.CallRecord;
import io.elspeth.audit.secrets.SecretFingerprinter;
import io.elspeth.testkit.chaosllm.SelfSignedCertificate;
import io.elspeth.testkit.search.FakeAzureSearch;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Azure AI Search client through the real Azure SDK against the fake service on loopback HTTPS:
 * ELSPETH's request body per search mode, score normalisation, what is skipped, and one call record
 * per search whatever happened, with the api key fingerprinted.
 */
class AuditedSearchClientTest {
  private static final String KEY = "search-key-7c1e0b5a93d2";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path tls;
  private static FakeAzureSearch service;
  private static HttpClient http;

  @BeforeAll
  static void start() throws Exception {
    SelfSignedCertificate certificate = SelfSignedCertificate.generate(tls);
    service = FakeAzureSearch.start(certificate.serverContext(), KEY);
    KeyStore trust = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(certificate.trustStore())) {
      trust.load(in, SelfSignedCertificate.TRUSTSTORE_PASSWORD.toCharArray());
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext client = SSLContext.getInstance("TLS");
    client.init(null, tmf.getTrustManagers(), null);
    http =
        new JdkHttpClientBuilder(java.net.http.HttpClient.newBuilder().sslContext(client)).build();
    service
        .put(
            "science",
            "doc-1",
            "Photosynthesis turns light into chemical energy in plants",
            Map.of("source", "biology.txt", "page", 3))
        .put("science", "doc-2", "Plants need light and water", Map.of("source", "garden.txt"))
        .put("science", "doc-3", "The moon orbits the earth", Map.of("source", "astro.txt"));
  }

  @AfterAll
  static void stop() {
    service.close();
  }

  @BeforeEach
  void resetService() {
    service.reset();
  }

  /** The records and payloads of one node state, payloads kept in memory. */
  private static final class Sink implements CallSink {
    final List<CallRecord> calls = new ArrayList<>();
    final Map<String, byte[]> payloads = new ConcurrentHashMap<>();
    private final AtomicInteger next = new AtomicInteger();

    @Override
    public String stateId() {
      return "state-1";
    }

    @Override
    public int nextCallIndex() {
      return next.getAndIncrement();
    }

    @Override
    public synchronized void record(CallRecord call) {
      calls.add(call);
    }

    @Override
    public PayloadStore payloads() {
      return new PayloadStore() {
        @Override
        public String store(byte[] content) {
          String k = CanonicalJson.sha256Hex(content);
          payloads.put(k, content);
          return k;
        }

        @Override
        public byte[] retrieve(String key) {
          return payloads.get(key);
        }

        @Override
        public boolean exists(String key) {
          return payloads.containsKey(key);
        }

        @Override
        public boolean delete(String key) {
          return payloads.remove(key) != null;
        }
      };
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> payload(String ref) throws Exception {
      return JSON.readValue(payloads.get(ref), Map.class);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> json(String text) throws Exception {
    return JSON.readValue(text, Map.class);
  }

  private static Map<String, Object> sent(FakeAzureSearch.Request r) throws Exception {
    return json(String.valueOf(r.body()));
  }

  private static AuditedSearchClient.Settings settings(String mode, String key) {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("endpoint", service.url());
    config.put("index", "science");
    config.put("api_key", key);
    config.put("search_mode", mode);
    if (mode.equals("semantic")) {
      config.put("semantic_config", "default-semantic");
    }
    List<String> problems = new ArrayList<>();
    AuditedSearchClient.Settings s = AuditedSearchClient.Settings.parse(config, problems);
    assertThat(problems, empty());
    return s;
  }

  private static AuditedSearchClient client(String mode) {
    return AuditedSearchClient.create(settings(mode, KEY), List.of(), http);
  }

  @Test
  void hybridSearchSendsElspethsBodyAndNormalisesTheScores() throws Exception {
    Sink sink = new Sink();
    AuditedSearchClient.Result r = client("hybrid").search("light plants", 3, 0.0, sink);

    FakeAzureSearch.Request sent = service.searches().get(0);
    // The SDK writes the keys in its own order; the content is ELSPETH's body.
    assertThat(
        sent(sent),
        equalTo(
            json(
                "{\"top\":3,\"search\":\"light plants\",\"vectorQueries\":[{\"kind\":\"text\","
                    + "\"text\":\"light plants\",\"fields\":\"contentVector\",\"k\":3}]}")));
    assertThat(sent.query(), containsString("api-version=2024-07-01"));
    // Both words match doc-1 and doc-2: 2 x 5 = 10 on the hybrid range 0-50.
    assertThat(r.chunks(), hasSize(2));
    assertThat(r.chunks().get(0).sourceId(), is("doc-1"));
    assertThat(r.chunks().get(0).score(), closeTo(0.2, 1e-9));
    assertThat(r.chunks().get(0).content(), containsString("Photosynthesis"));
    assertThat(r.chunks().get(0).metadata().get("source"), is("biology.txt"));
    assertThat(r.chunks().get(0).metadata().containsKey("@search.score"), is(false));
    assertThat(r.chunks().get(0).metadata().containsKey("content"), is(false));
    assertThat(r.skipped(), empty());

    assertThat(sink.calls, hasSize(1));
    CallRecord call = sink.calls.get(0);
    assertThat(call.callType(), is("http"));
    assertThat(call.status(), is("success"));
    assertThat(call.callIndex(), is(0));
    Map<String, Object> request = sink.payload(call.requestRef());
    assertThat(request.get("method"), is("POST"));
    assertThat((String) request.get("url"), containsString("/indexes"));
    assertThat(
        ((Map<?, ?>) request.get("headers")).get("api-key"),
        is("<fingerprint:" + SecretFingerprinter.fromEnvironment().fingerprint(KEY) + ">"));
    assertThat(request.get("json"), equalTo(sent(sent)));
    // The URL recorded is the one the SDK posted to.
    assertThat((String) request.get("url"), is(service.url() + sent.path() + "?" + sent.query()));
    assertThat(CanonicalJson.stableHash(request), is(call.requestHash()));
    Map<String, Object> response = sink.payload(call.responseRef());
    assertThat(response.get("status_code"), is(200));
    assertThat(((Map<?, ?>) response.get("body")).get("value"), not(nullValue()));
    for (byte[] p : sink.payloads.values()) {
      assertThat(new String(p, StandardCharsets.UTF_8), not(containsString(KEY)));
    }
  }

  @Test
  void eachModeSendsItsOwnShapeAndRange() throws Exception {
    AuditedSearchClient.Result vector = client("vector").search("light plants", 2, 0.0, new Sink());
    assertThat(
        sent(service.searches().get(0)),
        equalTo(
            json(
                "{\"top\":2,\"vectorQueries\":[{\"kind\":\"text\",\"text\":\"light plants\","
                    + "\"fields\":\"contentVector\",\"k\":2}]}")));
    // Vector scores are 0-1 already: both words of two, 1.0.
    assertThat(vector.chunks().get(0).score(), closeTo(1.0, 1e-9));

    client("keyword").search("moon", 5, 0.0, new Sink());
    assertThat(sent(service.searches().get(1)), equalTo(json("{\"top\":5,\"search\":\"moon\"}")));

    AuditedSearchClient.Result semantic = client("semantic").search("moon", 5, 0.0, new Sink());
    assertThat(
        sent(service.searches().get(2)),
        equalTo(
            json(
                "{\"top\":5,\"search\":\"moon\",\"queryType\":\"semantic\","
                    + "\"semanticConfiguration\":\"default-semantic\"}")));
    // Semantic scores are read on 0-4: 5 clamps to 1.
    assertThat(semantic.chunks().get(0).score(), closeTo(1.0, 1e-9));
    assertThat(semantic.chunks().get(0).metadata().get("@search.rerankerScore"), is(1.0));
  }

  @Test
  void resultsUnderMinScoreAreDropped() throws Exception {
    AuditedSearchClient.Result r = client("vector").search("light moon", 5, 0.6, new Sink());
    // Every document matches one word of two: 0.5 each, all under 0.6.
    assertThat(r.chunks(), empty());
    assertThat(r.skipped(), empty());
  }

  @Test
  void unusableResultsAreSkippedAndNamed() throws Exception {
    service.answerSearches(
        "{\"value\": ["
            + "{\"id\": \"a\", \"content\": \"no score\"},"
            + "{\"id\": \"b\", \"@search.score\": \"high\", \"content\": \"text score\"},"
            + "{\"id\": \"c\", \"@search.score\": 9.0},"
            + "{\"id\": \"d\", \"@search.score\": 9.0, \"content\": \"\"},"
            + "{\"@search.score\": 9.0, \"content\": \"no id\"},"
            + "{\"@search.documentId\": \"e\", \"@search.score\": 100, \"content\": \"kept\"}]}");
    AuditedSearchClient.Result r = client("keyword").search("x", 5, 0.0, new Sink());
    assertThat(r.chunks(), hasSize(1));
    assertThat(r.chunks().get(0).sourceId(), is("e"));
    assertThat("over the range clamps to 1", r.chunks().get(0).score(), is(1.0));
    assertThat(
        r.skipped().stream().map(s -> s.get("reason")).toList(),
        contains(
            "missing_score",
            "invalid_score_type",
            "missing_content",
            "empty_content",
            "missing_id"));
  }

  @Test
  void aWrongKeyFailsForGoodWithTheCallRecorded() throws Exception {
    Sink sink = new Sink();
    AuditedSearchClient wrong =
        AuditedSearchClient.create(settings("hybrid", "not-the-key-0000"), List.of(), http);
    ExternalCallException e =
        assertThrows(ExternalCallException.class, () -> wrong.search("light", 3, 0.0, sink));
    assertThat(e.statusCode(), is(401));
    assertThat(e.retryable(), is(false));
    assertThat(e.getMessage(), not(containsString("not-the-key-0000")));
    assertThat(sink.calls, hasSize(1));
    assertThat(sink.calls.get(0).status(), is("error"));
    assertThat(sink.payload(sink.calls.get(0).responseRef()).get("status_code"), is(401));
    assertThat(sink.calls.get(0).errorJson(), containsString("\"status_code\":401"));
  }

  @Test
  void throttlingAndServerErrorsAreRetryable() throws Exception {
    for (int status : List.of(429, 503, 500)) {
      service.failSearches(status);
      Sink sink = new Sink();
      ExternalCallException e =
          assertThrows(
              ExternalCallException.class, () -> client("hybrid").search("light", 3, 0.0, sink));
      assertThat(e.statusCode(), is(status));
      assertThat("HTTP " + status + " is retryable", e.retryable(), is(true));
      assertThat(sink.calls, hasSize(1));
    }
  }

  @Test
  void aBodyThatIsNotASearchAnswerFailsTheCall() throws Exception {
    for (String body :
        List.of("{\"results\": []}", "not json at all", "{\"value\": [{\"id\": \"x\"")) {
      service.answerSearches(body);
      Sink sink = new Sink();
      ExternalCallException e =
          assertThrows(
              ExternalCallException.class, () -> client("hybrid").search("light", 3, 0.0, sink));
      assertThat(e.kind(), is(ExternalCallException.Kind.INVALID_RESPONSE));
      assertThat(e.retryable(), is(false));
      assertThat(sink.calls.get(0).status(), is("error"));
      assertThat(sink.calls.get(0).responseRef(), not(nullValue()));
    }
  }

  @Test
  void anUnreachableServiceIsARetryableNetworkFailureRecordedWithoutResponse() throws Exception {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("endpoint", "https://127.0.0.1:1");
    config.put("index", "science");
    config.put("api_key", KEY);
    config.put("request_timeout", 2);
    AuditedSearchClient.Settings s = AuditedSearchClient.Settings.parse(config, new ArrayList<>());
    Sink sink = new Sink();
    ExternalCallException e =
        assertThrows(
            ExternalCallException.class,
            () -> AuditedSearchClient.create(s, List.of(), http).search("light", 3, 0.0, sink));
    assertThat(e.kind(), is(ExternalCallException.Kind.NETWORK));
    assertThat(e.retryable(), is(true));
    assertThat(sink.calls, hasSize(1));
    assertThat(sink.calls.get(0).responseRef(), nullValue());
    assertThat(s.timeout(), is(Duration.ofSeconds(2)));
  }

  @Test
  void settingsProblemsNameTheKeyAndNeverTheApiKey() {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("endpoint", "http://search.example.net");
    config.put("index", "bad index!");
    config.put("api_key", "secret-key-value-1234");
    config.put("use_managed_identity", true);
    config.put("search_mode", "semantic");
    config.put("api_version", "v1");
    config.put("colour", "blue");
    List<String> problems = new ArrayList<>();
    assertThat(AuditedSearchClient.Settings.parse(config, problems), nullValue());
    assertThat(problems, hasItem(containsString("provider_config.endpoint: must use https")));
    assertThat(problems, hasItem(containsString("provider_config.index:")));
    assertThat(problems, hasItem(containsString("provider_config.use_managed_identity:")));
    assertThat(problems, hasItem(containsString("provider_config.semantic_config: required")));
    assertThat(problems, hasItem(containsString("provider_config.api_version:")));
    assertThat(problems, hasItem(containsString("provider_config.colour: unknown key")));
    assertThat(String.join("\n", problems), not(containsString("secret-key-value-1234")));
  }
}

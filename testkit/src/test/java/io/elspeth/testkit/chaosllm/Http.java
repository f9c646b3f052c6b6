package io.elspeth.testkit.chaosllm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLContext;

/** A plain java.net.http client for the tests: what any real client sees on the wire. */
final class Http {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String CHAT =
      "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
          + "{\"role\":\"user\",\"content\":\"Is this review positive?\"}]}";

  private final HttpClient client;
  private final URI base;

  Http(URI base) {
    this(base, HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build());
  }

  Http(URI base, SSLContext ssl) {
    this(
        base, HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(ssl).build());
  }

  private Http(URI base, HttpClient client) {
    this.base = base;
    this.client = client;
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return client.send(
        HttpRequest.newBuilder(base.resolve(path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> post(String path, String body, Map<String, String> headers)
      throws IOException, InterruptedException {
    return post(path, body, headers, Duration.ofSeconds(30));
  }

  HttpResponse<String> post(String path, String body, Map<String, String> headers, Duration timeout)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(base.resolve(path))
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(request::header);
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** An OpenAI chat completion with a bearer key. */
  HttpResponse<String> chat(String body) throws IOException, InterruptedException {
    return post("/v1/chat/completions", body, Map.of("Authorization", "Bearer sk-test"));
  }

  /** An Azure OpenAI chat completion with an api-key. */
  HttpResponse<String> azureChat(String body) throws IOException, InterruptedException {
    return post(
        "/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-10-21",
        body,
        Map.of("api-key", "azure-test-key"));
  }

  static JsonNode json(HttpResponse<String> response) throws IOException {
    return JSON.readTree(response.body());
  }

  static String chatWith(String userMessage) throws IOException {
    return JSON.writeValueAsString(
        Map.of(
            "model",
            "gpt-4o",
            "messages",
            java.util.List.of(Map.of("role", "user", "content", userMessage))));
  }
}

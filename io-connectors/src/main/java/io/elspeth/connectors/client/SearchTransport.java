package io.elspeth.connectors.client;

import com.azure.core.credential.AzureKeyCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelineNextPolicy;
import com.azure.core.http.HttpPipelineNextSyncPolicy;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.FixedDelayOptions;
import com.azure.core.http.policy.HttpLogDetailLevel;
import com.azure.core.http.policy.HttpLogOptions;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.http.policy.RetryOptions;
import com.azure.core.util.Context;
import com.azure.core.util.HttpClientOptions;
import com.azure.core.util.UrlBuilder;
import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.search.documents.SearchClient;
import com.azure.search.documents.SearchClientBuilder;
import com.azure.search.documents.models.QueryType;
import com.azure.search.documents.models.SearchOptions;
import com.azure.search.documents.models.SemanticSearchOptions;
import com.azure.search.documents.models.VectorQuery;
import com.azure.search.documents.models.VectorSearchOptions;
import com.azure.search.documents.models.VectorizableTextQuery;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import org.checkerframework.checker.nullness.qual.Nullable;
import reactor.core.publisher.Mono;

/**
 * The Azure SDK's {@link SearchClient} for one index, sending ELSPETH's search body as {@link
 * SearchOptions} and handing back the answer as received on the wire (status, content type, bytes)
 * whatever the SDK makes of it: a pipeline policy keeps each call's response, found through the
 * call's {@link Context}. The SDK's retries and logging are off; the configured {@code api-version}
 * goes on the wire even when the SDK has no constant for it.
 */
final class SearchTransport {
  private static final String CAPTURE = "elspeth.search.exchange";

  /** An answer as received. */
  record Exchange(int status, String contentType, byte[] body, @Nullable Duration retryAfter) {}

  /** Where the policy leaves one call's answer. */
  private static final class Holder {
    volatile @Nullable Exchange exchange;
  }

  private final SearchClient client;
  private final String searchUrl;

  private SearchTransport(SearchClient client, String searchUrl) {
    this.client = client;
    this.searchUrl = searchUrl;
  }

  static SearchTransport open(AuditedSearchClient.Settings settings, @Nullable HttpClient http) {
    Duration timeout = settings.timeout();
    HttpClient transport =
        http != null
            ? http
            : HttpClient.createDefault(
                new HttpClientOptions()
                    .setResponseTimeout(timeout)
                    .setReadTimeout(timeout)
                    .setConnectTimeout(timeout));
    String apiVersion = settings.apiVersion();
    HttpPipelinePolicy apiVersionPolicy =
        (context, next) -> {
          context
              .getHttpRequest()
              .setUrl(
                  UrlBuilder.parse(context.getHttpRequest().getUrl())
                      .setQueryParameter("api-version", apiVersion)
                      .toString());
          return next.process();
        };
    SearchClientBuilder builder =
        new SearchClientBuilder()
            .endpoint(settings.endpoint())
            .indexName(settings.index())
            .httpClient(transport)
            .retryOptions(new RetryOptions(new FixedDelayOptions(0, Duration.ofMillis(1))))
            .httpLogOptions(new HttpLogOptions().setLogLevel(HttpLogDetailLevel.NONE))
            .addPolicy(apiVersionPolicy)
            .addPolicy(new CapturePolicy());
    if (settings.apiKey() != null) {
      builder.credential(new AzureKeyCredential(settings.apiKey()));
    } else {
      builder.credential(new DefaultAzureCredentialBuilder().build());
    }
    // The URL this SDK posts searches to (its OData form of ELSPETH's
    // /indexes/{index}/docs/search).
    String url =
        settings.base()
            + "/indexes('"
            + settings.index()
            + "')/docs/search.post.search?api-version="
            + URLEncoder.encode(apiVersion, StandardCharsets.UTF_8);
    return new SearchTransport(builder.buildClient(), url);
  }

  String searchUrl() {
    return searchUrl;
  }

  /**
   * Searches for {@code query} with ELSPETH's options for the settings' mode ({@link
   * AuditedSearchClient#requestBody}: {@code top}, {@code search}, {@code vectorQueries}, {@code
   * queryType}, {@code semanticConfiguration}) and returns the answer, any status; throws only when
   * nothing came back.
   */
  Exchange post(AuditedSearchClient.Settings settings, String query, int topK)
      throws ExternalCallException {
    AuditedSearchClient.Mode mode = settings.mode();
    SearchOptions options = new SearchOptions().setTop(topK);
    if (mode == AuditedSearchClient.Mode.VECTOR || mode == AuditedSearchClient.Mode.HYBRID) {
      VectorQuery vector =
          new VectorizableTextQuery(query)
              .setFields(settings.vectorField())
              .setKNearestNeighborsCount(topK);
      options.setVectorSearchOptions(new VectorSearchOptions().setQueries(vector));
    }
    if (mode == AuditedSearchClient.Mode.SEMANTIC) {
      options.setQueryType(QueryType.SEMANTIC);
      options.setSemanticSearchOptions(
          new SemanticSearchOptions().setSemanticConfigurationName(settings.semanticConfig()));
    }
    String text = mode == AuditedSearchClient.Mode.VECTOR ? null : query;
    Holder holder = new Holder();
    try {
      client.search(text, options, new Context(CAPTURE, holder)).iterableByPage().iterator().next();
    } catch (RuntimeException e) {
      // An error status or a body the SDK could not read: the answer is judged as received.
      if (holder.exchange == null) {
        throw AzureSdkFailures.classify(e);
      }
    }
    return Objects.requireNonNull(holder.exchange, "the capture policy saw the answer");
  }

  /** Keeps the wire answer of a call whose context carries a {@link Holder}. */
  private static final class CapturePolicy implements HttpPipelinePolicy {
    @Override
    public Mono<HttpResponse> process(
        HttpPipelineCallContext context, HttpPipelineNextPolicy next) {
      return next.process().map(r -> keep(context, r));
    }

    @Override
    public HttpResponse processSync(
        HttpPipelineCallContext context, HttpPipelineNextSyncPolicy next) {
      return keep(context, next.processSync());
    }

    private static HttpResponse keep(HttpPipelineCallContext context, HttpResponse response) {
      if (!(context.getData(CAPTURE).orElse(null) instanceof Holder holder)) {
        return response;
      }
      HttpResponse buffered = response.buffer();
      byte[] bytes;
      try {
        com.azure.core.util.BinaryData data = buffered.getBodyAsBinaryData();
        bytes = data == null ? new byte[0] : data.toBytes();
      } catch (RuntimeException unreadable) {
        bytes = new byte[0];
      }
      String type = buffered.getHeaderValue(HttpHeaderName.CONTENT_TYPE);
      holder.exchange =
          new Exchange(
              buffered.getStatusCode(),
              type == null ? "" : type.toLowerCase(Locale.ROOT),
              bytes,
              RetryPolicy.retryAfter(
                  buffered.getHeaderValue(HttpHeaderName.fromString("retry-after-ms")),
                  buffered.getHeaderValue(HttpHeaderName.RETRY_AFTER),
                  Instant.now()));
      return buffered;
    }
  }
}

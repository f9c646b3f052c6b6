package io.elspeth.testkit.keyvault;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;

/**
 * A fake Azure Key Vault and Entra ID token endpoint on loopback HTTPS, for driving the real Azure
 * SDK clients ({@code SecretClient} with a {@code ClientSecretCredential} or {@code
 * DefaultAzureCredential}'s environment credential) without Azure.
 *
 * <p>It speaks the parts of both protocols the SDK uses:
 *
 * <ul>
 *   <li>{@code GET /secrets/{name}[/{version}]} without a bearer token answers 401 with Key Vault's
 *       challenge ({@code WWW-Authenticate: Bearer authorization="<this server>/<tenant>",
 *       resource="<this server>"}); with a token this server issued it answers the secret, or 404
 *       {@code SecretNotFound}; with any other token, 401.
 *   <li>{@code POST /{tenant}/oauth2/v2.0/token} (client credentials) issues a token when the
 *       client id and secret match {@link #CLIENT_ID} / {@link #CLIENT_SECRET}, else 401 {@code
 *       invalid_client}; plus the instance-discovery and OpenID metadata documents MSAL reads
 *       first.
 * </ul>
 *
 * Point a credential at it with {@code authorityHost(vault.url())} and the tenant {@link #TENANT};
 * it serves under the TLS context it is given (share the one the JVM trusts).
 */
public final class FakeKeyVault implements AutoCloseable {
  public static final String TENANT = "00000000-0000-0000-0000-00000000fade";
  public static final String CLIENT_ID = "fake-keyvault-client";
  public static final String CLIENT_SECRET = "fake-keyvault-client-secret";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern SECRET_PATH = Pattern.compile("/secrets/([^/]+)(?:/([^/]*))?/?");

  private final HttpsServer server;
  private final ExecutorService executor =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "fake-keyvault");
            t.setDaemon(true);
            return t;
          });
  private final Map<String, String> secrets = new ConcurrentHashMap<>();
  private final Set<String> issuedTokens = ConcurrentHashMap.newKeySet();
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private volatile int failSecretReadsWithStatus;

  private FakeKeyVault(SSLContext tls) throws IOException {
    server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    server.setHttpsConfigurator(new HttpsConfigurator(tls));
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  /** Starts on a free loopback port, serving under {@code tls} (a server-side TLS context). */
  public static FakeKeyVault start(SSLContext tls) {
    try {
      return new FakeKeyVault(tls);
    } catch (IOException e) {
      throw new UncheckedIOException("the fake Key Vault could not listen on loopback", e);
    }
  }

  /** {@code https://127.0.0.1:PORT}: the vault URL and the authority host alike. */
  public String url() {
    return "https://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Stores (or replaces) a secret. */
  public FakeKeyVault put(String name, String value) {
    secrets.put(name, value);
    return this;
  }

  /** Every secret read (after sign-in) answers {@code status} until set back to 0. */
  public FakeKeyVault failSecretReads(int status) {
    this.failSecretReadsWithStatus = status;
    return this;
  }

  /** The requests seen, as {@code METHOD path}, oldest first. */
  public List<String> requests() {
    return List.copyOf(requests);
  }

  /** How many secret reads carried a valid token. */
  public long authorizedSecretReads() {
    return requests.stream()
        .filter(r -> r.startsWith("GET /secrets/") && r.endsWith(" authorized"))
        .count();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      String path = exchange.getRequestURI().getPath();
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      if (path.equals("/common/discovery/instance")) {
        requests.add(method + " " + path);
        instanceDiscovery(exchange);
      } else if (path.endsWith("/.well-known/openid-configuration")) {
        requests.add(method + " " + path);
        openIdConfiguration(exchange);
      } else if (path.endsWith("/oauth2/v2.0/token") && method.equals("POST")) {
        requests.add(method + " " + path);
        token(exchange, body);
      } else if (SECRET_PATH.matcher(path).matches() && method.equals("GET")) {
        secret(exchange, method, path);
      } else {
        requests.add(method + " " + path);
        send(exchange, 404, error("NotFound", "the fake Key Vault does not serve " + path));
      }
    }
  }

  private void secret(HttpExchange exchange, String method, String path) throws IOException {
    String auth = exchange.getRequestHeaders().getFirst("Authorization");
    boolean authorized =
        auth != null
            && auth.startsWith("Bearer ")
            && issuedTokens.contains(auth.substring("Bearer ".length()));
    requests.add(method + " " + path + (authorized ? " authorized" : " challenged"));
    if (!authorized) {
      exchange
          .getResponseHeaders()
          .add(
              "WWW-Authenticate",
              "Bearer authorization=\"" + url() + "/" + TENANT + "\", resource=\"" + url() + "\"");
      send(exchange, 401, error("Unauthorized", "AKV10000: Request is missing a Bearer token."));
      return;
    }
    if (failSecretReadsWithStatus != 0) {
      send(
          exchange,
          failSecretReadsWithStatus,
          error(
              failSecretReadsWithStatus == 403 ? "Forbidden" : "ServiceUnavailable",
              "the fake Key Vault was told to fail"));
      return;
    }
    Matcher m = SECRET_PATH.matcher(path);
    m.matches();
    String name = URLDecoder.decode(m.group(1), StandardCharsets.UTF_8);
    String value = secrets.get(name);
    if (value == null) {
      send(
          exchange,
          404,
          error(
              "SecretNotFound",
              "A secret with (name/id) " + name + " was not found in this key vault."));
      return;
    }
    ObjectNode out = JSON.createObjectNode();
    out.put("value", value);
    out.put("id", url() + "/secrets/" + name + "/" + "0123456789abcdef0123456789abcdef");
    ObjectNode attributes = out.putObject("attributes");
    attributes.put("enabled", true);
    attributes.put("created", 1_700_000_000L);
    attributes.put("updated", 1_700_000_000L);
    attributes.put("recoveryLevel", "Recoverable+Purgeable");
    send(exchange, 200, out);
  }

  private void token(HttpExchange exchange, String body) throws IOException {
    Map<String, String> form = new java.util.HashMap<>();
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        form.put(
            URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    if (!CLIENT_ID.equals(form.get("client_id"))
        || !CLIENT_SECRET.equals(form.get("client_secret"))) {
      ObjectNode out = JSON.createObjectNode();
      out.put("error", "invalid_client");
      out.put("error_description", "AADSTS7000215: Invalid client secret provided.");
      out.putArray("error_codes").add(7000215);
      send(exchange, 401, out);
      return;
    }
    String token = "fake-kv-token-" + UUID.randomUUID();
    issuedTokens.add(token);
    ObjectNode out = JSON.createObjectNode();
    out.put("token_type", "Bearer");
    out.put("expires_in", 3600);
    out.put("ext_expires_in", 3600);
    out.put("access_token", token);
    send(exchange, 200, out);
  }

  private void instanceDiscovery(HttpExchange exchange) throws IOException {
    String host = URI.create(url()).getAuthority();
    ObjectNode out = JSON.createObjectNode();
    out.put(
        "tenant_discovery_endpoint",
        url() + "/" + TENANT + "/v2.0/.well-known/openid-configuration");
    out.put("api-version", "1.1");
    ObjectNode entry = out.putArray("metadata").addObject();
    entry.put("preferred_network", host);
    entry.put("preferred_cache", host);
    entry.putArray("aliases").add(host);
    send(exchange, 200, out);
  }

  private void openIdConfiguration(HttpExchange exchange) throws IOException {
    ObjectNode out = JSON.createObjectNode();
    out.put("token_endpoint", url() + "/" + TENANT + "/oauth2/v2.0/token");
    out.put("authorization_endpoint", url() + "/" + TENANT + "/oauth2/v2.0/authorize");
    out.put("issuer", url() + "/" + TENANT + "/v2.0");
    out.put("device_authorization_endpoint", url() + "/" + TENANT + "/oauth2/v2.0/devicecode");
    send(exchange, 200, out);
  }

  private static ObjectNode error(String code, String message) {
    ObjectNode out = JSON.createObjectNode();
    ObjectNode error = out.putObject("error");
    error.put("code", code);
    error.put("message", message);
    return out;
  }

  private static void send(HttpExchange exchange, int status, ObjectNode body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}

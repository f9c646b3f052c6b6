package io.elspeth.connectors.blob;

import com.azure.core.credential.TokenCredential;
import com.azure.identity.ClientSecretCredentialBuilder;
import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import io.elspeth.plugin.OptionSpec;
import io.elspeth.plugin.OptionType;
import io.elspeth.plugin.PluginOptions;
import java.io.Serializable;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * How an Azure Blob plugin authenticates, exactly one of: {@code connection_string}; {@code
 * sas_token} + {@code account_url}; {@code use_managed_identity: true} + {@code account_url}
 * (DefaultAzureCredential); or a service principal {@code tenant_id} + {@code client_id} + {@code
 * client_secret} + {@code account_url}.
 *
 * <p>The secrets (connection string, SAS token, client secret) live only in this object and the SDK
 * client built from it: {@link #toString()} and {@link #account()} show the account, never a
 * secret, and the settings recorded in the Landscape are fingerprinted by the launcher.
 */
public final class AzureAuth implements Serializable {
  /** The auth options every Azure Blob plugin accepts. */
  public static final List<OptionSpec> OPTIONS =
      List.of(
          OptionSpec.optional(
              "connection_string",
              OptionType.SECRET,
              null,
              "storage account connection string (secret)"),
          OptionSpec.optional(
              "sas_token",
              OptionType.SECRET,
              null,
              "shared access signature, with account_url (secret)"),
          OptionSpec.optional(
              "account_url",
              OptionType.STRING,
              null,
              "https://<account>.blob.core.windows.net (with sas_token, managed identity or a"
                  + " service principal)"),
          OptionSpec.optional(
              "use_managed_identity",
              OptionType.BOOL,
              false,
              "authenticate with DefaultAzureCredential (managed identity), with account_url"),
          OptionSpec.optional("tenant_id", OptionType.STRING, null, "service principal tenant"),
          OptionSpec.optional("client_id", OptionType.STRING, null, "service principal client id"),
          OptionSpec.optional(
              "client_secret", OptionType.SECRET, null, "service principal secret (secret)"),
          OptionSpec.optional(
              "max_tries",
              OptionType.INT,
              4L,
              "attempts per HTTP request inside one call (the SDK's retry policy)"));

  private static final Pattern ACCOUNT_NAME = Pattern.compile("AccountName=([^;]+)");
  private static final Pattern BLOB_ENDPOINT = Pattern.compile("BlobEndpoint=([^;]+)");

  /** Which of the four ways. */
  public enum Method {
    CONNECTION_STRING,
    SAS_TOKEN,
    MANAGED_IDENTITY,
    SERVICE_PRINCIPAL
  }

  private final Method method;
  private final @Nullable String connectionString;
  private final @Nullable String sasToken;
  private final @Nullable String accountUrl;
  private final @Nullable String tenantId;
  private final @Nullable String clientId;
  private final @Nullable String clientSecret;
  private final int maxTries;

  private AzureAuth(
      Method method,
      @Nullable String connectionString,
      @Nullable String sasToken,
      @Nullable String accountUrl,
      @Nullable String tenantId,
      @Nullable String clientId,
      @Nullable String clientSecret,
      int maxTries) {
    this.method = method;
    this.connectionString = connectionString;
    this.sasToken = sasToken;
    this.accountUrl = accountUrl;
    this.tenantId = tenantId;
    this.clientId = clientId;
    this.clientSecret = clientSecret;
    this.maxTries = maxTries;
  }

  /** Each problem with the auth options, naming the option; empty when exactly one way is set. */
  public static List<String> problems(PluginOptions options) {
    List<String> problems = new ArrayList<>();
    boolean cs = options.has("connection_string");
    boolean sas = options.has("sas_token");
    boolean mi = options.bool("use_managed_identity", false);
    boolean spAny =
        options.has("tenant_id") || options.has("client_id") || options.has("client_secret");
    boolean url = options.has("account_url");
    int ways = (cs ? 1 : 0) + (sas ? 1 : 0) + (mi ? 1 : 0) + (spAny ? 1 : 0);
    if (ways == 0) {
      problems.add(
          "auth: no credentials: set exactly one of connection_string; sas_token +"
              + " account_url; use_managed_identity: true + account_url; or tenant_id + client_id +"
              + " client_secret + account_url");
      return problems;
    }
    if (ways > 1) {
      List<String> set = new ArrayList<>();
      if (cs) {
        set.add("connection_string");
      }
      if (sas) {
        set.add("sas_token");
      }
      if (mi) {
        set.add("use_managed_identity");
      }
      if (spAny) {
        set.add("a service principal (tenant_id/client_id/client_secret)");
      }
      problems.add(
          "auth: more than one way to authenticate is set ("
              + String.join(", ", set)
              + "): set exactly one");
      return problems;
    }
    if (cs && url) {
      problems.add(
          "account_url: not used with connection_string (the connection string names"
              + " the account); remove one");
    }
    if (!cs && !url) {
      problems.add(
          "account_url: required with "
              + (sas ? "sas_token" : mi ? "use_managed_identity" : "a service principal"));
    }
    if (spAny) {
      for (String key : List.of("tenant_id", "client_id", "client_secret")) {
        if (!options.has(key)) {
          problems.add(
              key
                  + ": required for service principal auth (tenant_id, client_id,"
                  + " client_secret and account_url together)");
        }
      }
    }
    if (url) {
      String u = options.requiredString("account_url");
      try {
        URI uri = URI.create(u);
        if (uri.getScheme() == null
            || uri.getHost() == null
            || !(uri.getScheme().equals("https") || uri.getScheme().equals("http"))) {
          problems.add(
              "account_url: expected https://<account>.blob.core.windows.net, got '"
                  + withoutQuery(u)
                  + "'");
        } else if (uri.getQuery() != null) {
          problems.add("account_url: must not carry a query string (put the SAS in sas_token)");
        }
      } catch (IllegalArgumentException e) {
        problems.add("account_url: not a URL: '" + withoutQuery(u) + "'");
      }
    }
    if (cs
        && !options.requiredString("connection_string").contains("AccountName=")
        && !options.requiredString("connection_string").contains("BlobEndpoint=")
        && !options.requiredString("connection_string").startsWith("UseDevelopmentStorage")) {
      problems.add(
          "connection_string: expected 'DefaultEndpointsProtocol=...;AccountName=...;"
              + "AccountKey=...' or one with BlobEndpoint=...");
    }
    if (options.integer("max_tries", 4) < 1) {
      problems.add("max_tries: expected 1 or more");
    }
    return problems;
  }

  /** The auth of validated options. */
  public static AzureAuth from(PluginOptions options) {
    List<String> problems = problems(options);
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
    int tries = (int) options.integer("max_tries", 4);
    String url = options.string("account_url");
    if (options.has("connection_string")) {
      return new AzureAuth(
          Method.CONNECTION_STRING,
          options.string("connection_string"),
          null,
          null,
          null,
          null,
          null,
          tries);
    }
    if (options.has("sas_token")) {
      return new AzureAuth(
          Method.SAS_TOKEN, null, options.string("sas_token"), url, null, null, null, tries);
    }
    if (options.bool("use_managed_identity", false)) {
      return new AzureAuth(Method.MANAGED_IDENTITY, null, null, url, null, null, null, tries);
    }
    return new AzureAuth(
        Method.SERVICE_PRINCIPAL,
        null,
        null,
        url,
        options.string("tenant_id"),
        options.string("client_id"),
        options.string("client_secret"),
        tries);
  }

  public Method method() {
    return method;
  }

  /** A blob service client for this account (built once per DoFn instance, in @Setup). */
  public BlobServiceClient serviceClient() {
    // Short fixed delays: an outage is reported as a failed call quickly, and Beam retries the
    // bundle; the SDK default (4 tries, up to 120 s apart) would hide it for minutes.
    RequestRetryOptions retry =
        new RequestRetryOptions(
            RetryPolicyType.EXPONENTIAL,
            maxTries,
            Duration.ofSeconds(60),
            Duration.ofMillis(200),
            Duration.ofSeconds(5),
            null);
    BlobServiceClientBuilder b = new BlobServiceClientBuilder().retryOptions(retry);
    return switch (method) {
      case CONNECTION_STRING -> b.connectionString(connectionString).buildClient();
      case SAS_TOKEN -> b.endpoint(accountUrl).sasToken(sasToken).buildClient();
      case MANAGED_IDENTITY -> b.endpoint(accountUrl).credential(defaultCredential()).buildClient();
      case SERVICE_PRINCIPAL ->
          b.endpoint(accountUrl)
              .credential(
                  new ClientSecretCredentialBuilder()
                      .tenantId(tenantId)
                      .clientId(clientId)
                      .clientSecret(clientSecret)
                      .build())
              .buildClient();
    };
  }

  private static TokenCredential defaultCredential() {
    return new DefaultAzureCredentialBuilder().build();
  }

  /** The account endpoint, safe to record and show (no key, no SAS). */
  public String account() {
    if (connectionString != null) {
      Matcher endpoint = BLOB_ENDPOINT.matcher(connectionString);
      if (endpoint.find()) {
        return withoutQuery(endpoint.group(1));
      }
      Matcher name = ACCOUNT_NAME.matcher(connectionString);
      return name.find()
          ? "https://" + name.group(1) + ".blob.core.windows.net"
          : "devstoreaccount1";
    }
    return withoutQuery(String.valueOf(accountUrl));
  }

  private static String withoutQuery(String url) {
    int q = url.indexOf('?');
    return q < 0 ? url : url.substring(0, q);
  }

  @Override
  public String toString() {
    return "AzureAuth[" + method.name().toLowerCase() + " " + account() + "]";
  }
}

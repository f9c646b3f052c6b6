package io.elspeth.connectors.keyvault;

import com.azure.core.credential.TokenCredential;
import com.azure.core.exception.ClientAuthenticationException;
import com.azure.core.exception.HttpResponseException;
import com.azure.core.exception.ResourceNotFoundException;
import com.azure.core.http.HttpClient;
import com.azure.core.http.policy.FixedDelayOptions;
import com.azure.core.http.policy.RetryOptions;
import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.security.keyvault.secrets.SecretClient;
import com.azure.security.keyvault.secrets.SecretClientBuilder;
import com.azure.security.keyvault.secrets.models.KeyVaultSecret;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Reads secrets from one Azure Key Vault through the Azure SDK's {@link SecretClient}, signed in
 * with {@code DefaultAzureCredential} (managed identity, Azure CLI, or the {@code AZURE_*}
 * service-principal variables) as ELSPETH does, and caching each value for the life of the reader.
 *
 * <p>Every failure is a {@link KeyVaultException} naming the vault and the secret and saying what
 * went wrong; no message ever contains a secret's value.
 *
 * <p>Key Vault's challenge-based sign-in checks that the resource a vault names in its challenge
 * belongs to the vault's domain. A vault on a loopback address (a local fake or a tunnel: Azure
 * never serves one there) cannot pass that domain check, so it is skipped only for loopback vaults.
 */
public final class KeyVaultSecretReader {
  private final String vaultUrl;
  private final SecretClient client;
  private final Map<String, String> cache = new HashMap<>();

  private KeyVaultSecretReader(String vaultUrl, SecretClient client) {
    this.vaultUrl = vaultUrl;
    this.client = client;
  }

  /** A reader of {@code vaultUrl} signed in with {@code DefaultAzureCredential}. */
  public static KeyVaultSecretReader open(String vaultUrl) {
    DefaultAzureCredentialBuilder credential = new DefaultAzureCredentialBuilder();
    String authority =
        com.azure.core.util.Configuration.getGlobalConfiguration().get("AZURE_AUTHORITY_HOST");
    if (authority != null && isLoopback(authority)) {
      // Instance discovery asks login.microsoftonline.com whether the authority is Microsoft's;
      // a loopback authority (a local sign-in fake) never is, so the question is skipped for it.
      credential.disableInstanceDiscovery();
    }
    return open(vaultUrl, credential.build());
  }

  /** A reader of {@code vaultUrl} signed in with {@code credential}. */
  public static KeyVaultSecretReader open(String vaultUrl, TokenCredential credential) {
    return open(vaultUrl, credential, null);
  }

  /**
   * A reader of {@code vaultUrl} signed in with {@code credential}, sending through {@code
   * httpClient} (null: the SDK's default, trusting the JVM's trust store).
   */
  public static KeyVaultSecretReader open(
      String vaultUrl, TokenCredential credential, @Nullable HttpClient httpClient) {
    SecretClientBuilder builder =
        new SecretClientBuilder()
            .vaultUrl(vaultUrl)
            .credential(credential)
            // Three quick tries: a run should not stall minutes on a vault that is down.
            .retryOptions(new RetryOptions(new FixedDelayOptions(2, Duration.ofMillis(500))));
    if (httpClient != null) {
      builder.httpClient(httpClient);
    }
    if (isLoopback(vaultUrl)) {
      builder.disableChallengeResourceVerification();
    }
    try {
      return new KeyVaultSecretReader(vaultUrl, builder.buildClient());
    } catch (RuntimeException e) {
      throw new KeyVaultException(vaultUrl, null, "cannot open the vault: " + e.getMessage(), e);
    }
  }

  public String vaultUrl() {
    return vaultUrl;
  }

  /**
   * The value of the secret {@code name} (fetched once, then cached).
   *
   * @throws KeyVaultException when the secret does not exist or has no value, sign-in fails, or the
   *     vault cannot be reached
   */
  public synchronized String read(String name) {
    String cached = cache.get(name);
    if (cached != null) {
      return cached;
    }
    KeyVaultSecret secret;
    try {
      secret = client.getSecret(name);
    } catch (ResourceNotFoundException e) {
      throw new KeyVaultException(vaultUrl, name, "no such secret in the vault (HTTP 404)", e);
    } catch (ClientAuthenticationException e) {
      throw new KeyVaultException(
          vaultUrl,
          name,
          "cannot sign in to the vault (check the Azure"
              + " credentials: managed identity, Azure CLI login or the AZURE_* service principal"
              + " variables): "
              + firstLine(e.getMessage()),
          e);
    } catch (HttpResponseException e) {
      int status = e.getResponse() != null ? e.getResponse().getStatusCode() : 0;
      String what =
          status == 401 || status == 403
              ? "access denied (HTTP "
                  + status
                  + "): the identity may not read secrets of this vault"
              : "the vault answered HTTP " + status;
      throw new KeyVaultException(vaultUrl, name, what + ": " + firstLine(e.getMessage()), e);
    } catch (RuntimeException e) {
      // Connection refused, unknown host, TLS failure, and the credential chain's own errors.
      throw new KeyVaultException(
          vaultUrl, name, "cannot reach the vault or sign in: " + firstLine(e.getMessage()), e);
    }
    String value = secret.getValue();
    if (value == null) {
      throw new KeyVaultException(vaultUrl, name, "the secret has no value", null);
    }
    cache.put(name, value);
    return value;
  }

  private static String firstLine(@Nullable String message) {
    if (message == null) {
      return "(no detail)";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }

  static boolean isLoopback(String vaultUrl) {
    String host;
    try {
      host = URI.create(vaultUrl).getHost();
    } catch (IllegalArgumentException e) {
      return false;
    }
    if (host == null) {
      return false;
    }
    if (host.equalsIgnoreCase("localhost")) {
      return true;
    }
    // Only literal addresses: a name is not resolved here (that would be a DNS lookup to decide
    // whether to trust the DNS answer).
    if (!host.matches("[0-9.]+|\\[?[0-9a-fA-F:]+]?")) {
      return false;
    }
    try {
      return InetAddress.getByName(host.replace("[", "").replace("]", "")).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}

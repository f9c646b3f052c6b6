package io.elspeth.connectors.keyvault;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.identity.ClientSecretCredentialBuilder;
import io.elspeth.testkit.chaosllm.SelfSignedCertificate;
import io.elspeth.testkit.keyvault.FakeKeyVault;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code SecretClient} and {@code ClientSecretCredential} against the fake Key Vault on
 * loopback HTTPS: challenge-based sign-in, caching, and the failures a user can cause.
 */
class KeyVaultSecretReaderTest {
  @TempDir static Path tls;
  private static FakeKeyVault vault;
  private static HttpClient http;

  @BeforeAll
  static void start() throws Exception {
    SelfSignedCertificate certificate = SelfSignedCertificate.generate(tls);
    vault = FakeKeyVault.start(certificate.serverContext());
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
    vault.put("openai-key", "sk-very-secret-value").put("db-password", "hunter2-password");
  }

  @AfterAll
  static void stop() {
    vault.close();
  }

  private static TokenCredential credential(String clientSecret) {
    return new ClientSecretCredentialBuilder()
        .authorityHost(vault.url())
        .tenantId(FakeKeyVault.TENANT)
        .clientId(FakeKeyVault.CLIENT_ID)
        .clientSecret(clientSecret)
        .disableInstanceDiscovery()
        .httpClient(http)
        .build();
  }

  private static KeyVaultSecretReader reader(String clientSecret) {
    return KeyVaultSecretReader.open(vault.url(), credential(clientSecret), http);
  }

  @Test
  void readsASecretThroughTheChallengeAndCachesIt() {
    KeyVaultSecretReader reader = reader(FakeKeyVault.CLIENT_SECRET);
    long before = vault.authorizedSecretReads();
    assertThat(reader.read("openai-key"), is("sk-very-secret-value"));
    assertThat(reader.read("openai-key"), is("sk-very-secret-value"));
    assertThat(vault.authorizedSecretReads() - before, is(1L));
    // The SDK caches a vault's challenge for the JVM: some earlier read met it.
    assertThat(vault.requests().stream().anyMatch(r -> r.endsWith(" challenged")), is(true));
  }

  @Test
  void aMissingSecretNamesTheSecretAndTheVault() {
    KeyVaultException e =
        assertThrows(
            KeyVaultException.class,
            () -> reader(FakeKeyVault.CLIENT_SECRET).read("no-such-secret"));
    assertThat(
        e.getMessage(),
        allOf(
            containsString("'no-such-secret'"),
            containsString(vault.url()),
            containsString("no such secret")));
    assertThat(e.secretName(), is("no-such-secret"));
  }

  @Test
  void aWrongClientSecretIsASignInFailureWithoutAnySecretInTheMessage() {
    KeyVaultException e =
        assertThrows(
            KeyVaultException.class, () -> reader("wrong-client-secret").read("db-password"));
    assertThat(
        e.getMessage(),
        allOf(
            containsString("'db-password'"),
            not(containsString("hunter2")),
            not(containsString("wrong-client-secret"))));
  }

  @Test
  void aVaultThatDeniesAccessSaysSo() {
    vault.failSecretReads(403);
    try {
      KeyVaultException e =
          assertThrows(
              KeyVaultException.class, () -> reader(FakeKeyVault.CLIENT_SECRET).read("openai-key"));
      assertThat(
          e.getMessage(),
          allOf(
              containsString("'openai-key'"),
              containsString("403"),
              not(containsString("sk-very-secret-value"))));
    } finally {
      vault.failSecretReads(0);
    }
  }

  @Test
  void aVaultNobodyListensOnCannotBeReached() {
    KeyVaultSecretReader reader =
        KeyVaultSecretReader.open(
            "https://127.0.0.1:1", credential(FakeKeyVault.CLIENT_SECRET), http);
    KeyVaultException e = assertThrows(KeyVaultException.class, () -> reader.read("openai-key"));
    assertThat(e.getMessage(), containsString("https://127.0.0.1:1"));
  }

  @Test
  void onlyLiteralLoopbackVaultsSkipTheChallengeDomainCheck() {
    assertThat(KeyVaultSecretReader.isLoopback("https://127.0.0.1:8443"), is(true));
    assertThat(KeyVaultSecretReader.isLoopback("https://localhost:8443"), is(true));
    assertThat(KeyVaultSecretReader.isLoopback("https://[::1]:8443"), is(true));
    assertThat(KeyVaultSecretReader.isLoopback("https://my-vault.vault.azure.net"), is(false));
    assertThat(KeyVaultSecretReader.isLoopback("https://10.0.0.1"), is(false));
  }
}

package io.elspeth.testkit.chaosllm;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.InputStream;
import java.nio.file.Files;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ChaosLlmHttpsTest {
  private ChaosLlmServer server;

  @BeforeEach
  void start() {
    server = ChaosLlmServer.start(ChaosConfig.defaults());
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void httpsWorksWithTheGeneratedTruststore() throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(server.trustStorePath())) {
      trust.load(in, server.trustStorePassword().toCharArray());
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);

    assertThat(server.httpsUrl().getScheme(), is("https"));
    Http https = new Http(server.httpsUrl(), ssl);
    assertThat(https.azureChat(Http.CHAT).statusCode(), is(200));
    assertThat(
        https
            .post(
                "/contentsafety/text:analyze?api-version=2024-09-01",
                "{\"text\":\"hello\"}",
                Map.of("Ocp-Apim-Subscription-Key", "k"))
            .statusCode(),
        is(200));
    // The certificate names localhost too, so either host name verifies.
    Http byName =
        new Http(java.net.URI.create("https://localhost:" + server.httpsUrl().getPort()), ssl);
    assertThat(byName.get("/health").statusCode(), is(200));
  }

  @Test
  void httpsFailsWithoutTrustingTheCertificate() throws Exception {
    Http untrusting = new Http(server.httpsUrl(), SSLContext.getDefault());
    assertThrows(SSLHandshakeException.class, () -> untrusting.get("/health"));
  }

  @Test
  void certificatePemNamesLocalhostAndLoopback() throws Exception {
    String pem = Files.readString(server.certificatePath());
    assertThat(pem, startsWith("-----BEGIN CERTIFICATE-----"));
    X509Certificate certificate;
    try (InputStream in = Files.newInputStream(server.certificatePath())) {
      certificate =
          (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
    List<String> names = new ArrayList<>();
    certificate.getSubjectAlternativeNames().forEach(san -> names.add(String.valueOf(san.get(1))));
    assertThat(names, hasItems("localhost", "127.0.0.1"));
    certificate.checkValidity();
  }

  @Test
  void closeRemovesTheTemporaryCertificate() {
    ChaosLlmServer other = ChaosLlmServer.start(ChaosConfig.defaults());
    other.close();
    assertThat(Files.exists(other.certificatePath()), is(false));
  }
}

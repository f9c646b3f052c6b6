package io.elspeth.audit.secrets;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UrlRedactorTest {
  private final SecretFingerprinter keyed = new SecretFingerprinter("k");
  private final UrlRedactor urls = new UrlRedactor(keyed, List.of("x-session"));

  private String fp(String secret) {
    return "<fingerprint:" + keyed.fingerprint(secret) + ">";
  }

  @Test
  void fingerprintsTheUserInfoPasswordAndCredentialParameters() {
    assertThat(
        urls.url("http://user:PASSWORD@host:8080/api?api_key=K&code=C&model=m#frag"),
        is(
            "http://user:"
                + fp("PASSWORD")
                + "@host:8080/api?api_key="
                + fp("K")
                + "&code="
                + fp("C")
                + "&model=m#frag"));
  }

  @Test
  void leavesUrlsWithoutCredentialsAsTheyAre() {
    for (String u :
        List.of(
            "https://openrouter.ai/api/v1",
            "http://h:1/p?a=1&b=2#top",
            "postgresql://postgres@127.0.0.1:5432/test",
            "https://h/p?flag",
            "sqlite:///x.db")) {
      assertThat(urls.url(u), is(u));
    }
  }

  @Test
  void coversFragmentsConfiguredNamesAndCredentialWords() {
    assertThat(
        urls.url("https://h/cb#access_token=T&state=s"),
        is("https://h/cb#access_token=" + fp("T") + "&state=s"));
    assertThat(urls.url("https://h/?X-Session=S"), is("https://h/?X-Session=" + fp("S")));
    assertThat(
        urls.url("https://b/o?X-Amz-Signature=Z&X-Amz-Credential=Y&sv=2024"),
        is("https://b/o?X-Amz-Signature=" + fp("Z") + "&X-Amz-Credential=" + fp("Y") + "&sv=2024"));
    assertThat(urls.url("https://h/?api%5Fkey=K"), is("https://h/?api%5Fkey=" + fp("K")));
    assertThat(urls.isSecretParam("monkey"), is(false));
    assertThat(urls.isSecretParam("sig"), is(true));
  }

  @Test
  void isIdempotent() {
    String once = urls.url("http://u:p@h/?token=t");
    assertThat(urls.url(once), is(once));
    assertThat(urls.text("see " + once), is("see " + once));
  }

  @Test
  void masksWithoutAKey() {
    assertThat(
        UrlRedactor.masking().url("http://u:p%40ss@h/?key=K&sig=S"),
        is("http://u:***@h/?key=***&sig=***"));
  }

  @Test
  void redactsEveryUrlInsideText() {
    assertThat(
        urls.text("POST http://u:PW@h/a?code=C failed; retry \"https://x/?token=T\"."),
        is(
            "POST http://u:"
                + fp("PW")
                + "@h/a?code="
                + fp("C")
                + " failed; retry \"https://x/"
                + "?token="
                + fp("T")
                + "\"."));
    assertThat(urls.text("no url here, api_key=K"), is("no url here, api_key=K"));
  }

  @Test
  void scrubFingerprintsUrlsInSettingsWithTheExtraNames() {
    Object out =
        keyed.scrub(
            Map.of("base_url", "http://u:PW@h/api?api_key=K&x-session=S"), List.of("x-session"));
    assertThat(out.toString().contains("PW"), is(false));
    assertThat(out.toString().contains("=K"), is(false));
    assertThat(out.toString().contains("=S"), is(false));
  }
}

package io.elspeth.audit.secrets;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SecretFingerprinterTest {
  @Test
  void replacesSecretKeysWithKeyedFingerprints() {
    SecretFingerprinter f = new SecretFingerprinter("k");
    @SuppressWarnings("unchecked")
    Map<String, Object> out =
        (Map<String, Object>)
            f.scrub(
                Map.of(
                    "options",
                    Map.of("api_key", "sk-123", "endpoint", "https://x", "sas_token", "sv=1")));
    @SuppressWarnings("unchecked")
    Map<String, Object> options = (Map<String, Object>) out.get("options");
    assertThat(options, not(hasKey("api_key")));
    assertThat(options.get("api_key_fingerprint"), is(f.fingerprint("sk-123")));
    assertThat(options.get("api_key_fingerprint").toString().length(), is(64));
    assertThat(options, hasKey("sas_token_fingerprint"));
    assertThat(options.get("endpoint"), is("https://x"));
  }

  @Test
  void withoutAKeySecretsAreDroppedNotKept() {
    Object out = new SecretFingerprinter(null).scrub(List.of(Map.of("password", "hunter2")));
    assertThat(out.toString().contains("hunter2"), is(false));
  }

  @Test
  void masksPasswordsInUrls() {
    Object out = new SecretFingerprinter("k").scrub(Map.of("url", "postgresql://u:pw@h/db"));
    assertThat(out.toString().contains(":pw@"), is(false));
  }

  @Test
  void recognisesSecretNamesAsTheReferenceDoes() {
    for (String name :
        List.of(
            "api_key",
            "x-api-key",
            "client_secret",
            "auth_token",
            "db_password",
            "connection_string",
            "storage_connection_string")) {
      assertThat(name, SecretFingerprinter.isSecretKey(name), is(true));
    }
    assertThat(SecretFingerprinter.isSecretKey("endpoint"), is(false));
  }

  @Test
  void declaredOptionsDecideOverTheNameRule() {
    SecretFingerprinter f =
        new SecretFingerprinter("k")
            .withDeclaredOptions(List.of("api_key", "pin"), List.of("upsert_key", "api_key"));
    Object out =
        f.scrub(Map.of("upsert_key", "id", "pin", "1234", "api_key", "sk", "other_key", "x"));
    assertThat(out.toString(), containsString("upsert_key=id"));
    assertThat(out.toString(), containsString("pin_fingerprint="));
    assertThat("declared both ways: a secret", f.isSecret("api_key"), is(true));
    assertThat("undeclared: by its name", f.isSecret("other_key"), is(true));
  }

  @Test
  void secretsKnownByValueAreReplacedWhereverTheyAppear() {
    SecretFingerprinter f =
        new SecretFingerprinter("k").withKnownValues(List.of("vault-value-1", "abc"));
    Object out =
        f.scrub(
            Map.of(
                "base_url",
                "https://h/api?tenant=vault-value-1&x=1",
                "note",
                "prefix vault-value-1 suffix",
                "short",
                "abc"));
    String fp = f.fingerprint("vault-value-1");
    assertThat(out.toString(), containsString("tenant=<fingerprint:" + fp + ">&x=1"));
    assertThat(out.toString(), containsString("prefix <fingerprint:" + fp + "> suffix"));
    assertThat(out.toString(), not(containsString("vault-value-1")));
    assertThat(
        "values under 4 characters are not searched for",
        out.toString(),
        containsString("short=abc"));
    assertThat(
        new UrlRedactor(f, List.of()).url("https://h/p/vault-value-1"),
        is("https://h/p/<fingerprint:" + fp + ">"));
  }
}

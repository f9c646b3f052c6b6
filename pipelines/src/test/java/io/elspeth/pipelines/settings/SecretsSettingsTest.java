package io.elspeth.pipelines.settings;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SecretsSettingsTest {
  private static List<String> problems(Object raw) {
    List<String> problems = new ArrayList<>();
    SecretsSettings.parse(raw, problems);
    return problems;
  }

  @Test
  void absentOrEnvMeansTheEnvironment() {
    List<String> problems = new ArrayList<>();
    assertThat(SecretsSettings.parse(null, problems).fromKeyVault(), is(false));
    assertThat(SecretsSettings.parse(Map.of("source", "env"), problems).fromKeyVault(), is(false));
    assertThat(problems, is(empty()));
  }

  @Test
  void keyVaultKeepsTheMappingInOrderAndTheUrlWithoutItsSlash() {
    Map<String, Object> mapping = new LinkedHashMap<>();
    mapping.put("B_KEY", "b-secret");
    mapping.put("A_KEY", "a-secret");
    List<String> problems = new ArrayList<>();
    SecretsSettings s =
        SecretsSettings.parse(
            Map.of(
                "source",
                "keyvault",
                "vault_url",
                "https://my-vault.vault.azure.net/",
                "mapping",
                mapping),
            problems);
    assertThat(problems, is(empty()));
    assertThat(s.vaultUrl(), is("https://my-vault.vault.azure.net"));
    assertThat(new ArrayList<>(s.mapping().keySet()), contains("B_KEY", "A_KEY"));
  }

  @Test
  void eachMistakeIsNamedByItsKey() {
    assertThat(
        problems(Map.of("source", "keyvault", "mapping", Map.of("A", "a"))),
        hasItem(containsString("secrets.vault_url: required")));
    assertThat(
        problems(Map.of("source", "keyvault", "vault_url", "https://v.vault.azure.net")),
        hasItem(containsString("secrets.mapping: required")));
    assertThat(
        problems(Map.of("source", "vault")),
        hasItem(containsString("secrets.source: expected 'env' or 'keyvault'")));
    assertThat(
        problems(
            Map.of("source", "keyvault", "vault_url", "${VAULT}", "mapping", Map.of("A", "a"))),
        hasItem(containsString("cannot contain ${VAR}")));
    assertThat(
        problems(
            Map.of(
                "source",
                "keyvault",
                "vault_url",
                "http://v.vault.azure.net",
                "mapping",
                Map.of("A", "a"))),
        hasItem(containsString("must use https")));
    List<String> names =
        problems(
            Map.of(
                "source",
                "keyvault",
                "vault_url",
                "https://v.vault.azure.net",
                "mapping",
                Map.of("1BAD", "a", "OK", "bad_name!")));
    assertThat(
        names,
        hasItem(
            "secrets.mapping.1BAD: not an environment variable name (letters,"
                + " digits and _, not starting with a digit)"));
    assertThat(
        names,
        hasItem(
            "secrets.mapping.OK: 'bad_name!' is not a Key Vault secret name"
                + " (1-127 letters, digits and dashes)"));
    assertThat(
        problems(Map.of("source", "keyvault", "vault", "x")),
        hasItem(containsString("secrets.vault: unknown key")));
    assertThat(problems("keyvault"), hasItem(containsString("secrets: expected a mapping")));
  }
}

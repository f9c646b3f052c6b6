package io.elspeth.pipelines.e2e;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import com.azure.identity.ClientSecretCredentialBuilder;
import io.elspeth.audit.secrets.SecretFingerprinter;
import io.elspeth.connectors.keyvault.KeyVaultSecretReader;
import io.elspeth.pipelines.secrets.LoadedSecrets;
import io.elspeth.pipelines.secrets.SecretsException;
import io.elspeth.pipelines.secrets.SecretsLoader;
import io.elspeth.pipelines.settings.SecretsSettings;
import io.elspeth.pipelines.settings.SettingsSecrets;
import io.elspeth.testkit.chaosllm.ChaosConfig;
import io.elspeth.testkit.chaosllm.ChaosLlmServer;
import io.elspeth.testkit.keyvault.FakeKeyVault;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A settings file whose {@code secrets:} block loads the LLM's API key and a URL parameter from
 * Azure Key Vault (the fake vault on loopback HTTPS, read through the real {@code SecretClient} and
 * a {@code ClientSecretCredential} signing in at the fake's token endpoint, challenge and all), run
 * through the CLI: the values reach the LLM calls, the Landscape records one {@code
 * secret_resolutions} row per secret with its keyed fingerprint, and no value appears in any
 * Landscape column, file or CLI output. A missing secret, a wrong client secret and an invalid
 * block fail before the run with the key named and no value shown.
 */
@Tag("e2e")
class KeyVaultSecretsEndToEndTest {
  private static final String API_KEY = "sk-from-keyvault-6b1d93c0";
  private static final String TENANT_CODE = "tc-from-keyvault-0d7e21";

  private static FakeKeyVault vault;
  private static SecretsLoader previous;
  private static SecretsLoader loader;
  private static volatile String clientSecret = FakeKeyVault.CLIENT_SECRET;

  @TempDir Path dir;

  @BeforeAll
  static void startVault() {
    ChaosLlmServer llm = ChaosLlmFixture.with(ChaosConfig.builder().build());
    // Served under the certificate the test JVM already trusts (ChaosLlmTrust).
    vault = FakeKeyVault.start(llm.serverTlsContext());
    vault.put("openrouter-key", API_KEY).put("tenant-code", TENANT_CODE);
    loader =
        new SecretsLoader(
            url ->
                KeyVaultSecretReader.open(
                    url,
                    new ClientSecretCredentialBuilder()
                        .authorityHost(vault.url())
                        .tenantId(FakeKeyVault.TENANT)
                        .clientId(FakeKeyVault.CLIENT_ID)
                        .clientSecret(clientSecret)
                        .disableInstanceDiscovery()
                        .build()));
    previous = SettingsSecrets.useLoader(loader);
  }

  @AfterAll
  static void stopVault() {
    SettingsSecrets.useLoader(previous);
    vault.close();
  }

  private String yaml(String mapping) throws Exception {
    ChaosLlmServer llm =
        ChaosLlmFixture.with(
            ChaosConfig.builder()
                .seed(3)
                .responseMode(ChaosConfig.ResponseMode.TEMPLATE)
                .template("positive")
                .build());
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < 5; i++) {
      rows.append("{\"id\": ").append(i).append(", \"text\": \"note ").append(i).append("\"}\n");
    }
    Path in = dir.resolve("input.jsonl");
    Files.writeString(in, rows.toString());
    return "secrets:\n  source: keyvault\n  vault_url: "
        + vault.url()
        + "\n  mapping:\n"
        + mapping
        + LlmTransformsEndToEndTest.header(dir, in)
        + "transforms:\n  - plugin: openrouter_llm\n    options:\n"
        + "      model: openai/gpt-4o-mini\n"
        + "      base_url: \""
        + llm.httpUrl()
        + "/api/v1?tenant=${TENANT_CODE}\"\n"
        + "      api_key: ${OPENROUTER_KEY}\n"
        + "      template: \"{{ row.text }}\"\n"
        + "      on_error: llm_errors\n"
        + LlmTransformsEndToEndTest.footer(dir);
  }

  @Test
  void keyVaultSecretsFeedTheRunAndAreRecordedByFingerprintOnly() throws Exception {
    CliHarness.Result r =
        LlmTransformsEndToEndTest.run(
            dir, yaml("    OPENROUTER_KEY: openrouter-key\n    TENANT_CODE: tenant-code\n"));
    Path db = dir.resolve("landscape.db");
    SecretFingerprinter keyed = SecretFingerprinter.fromEnvironment();
    assertThat("the test JVM has a fingerprint key", keyed.hasKey(), is(true));
    try (Connection c = CliHarness.landscape(db)) {
      List<Map<String, Object>> resolutions =
          CliHarness.query(
              c,
              "SELECT env_var_name,"
                  + " source, vault_url, secret_name, fingerprint, resolution_latency_ms, timestamp"
                  + " FROM secret_resolutions ORDER BY env_var_name");
      assertThat(resolutions.size(), is(2));
      assertThat(resolutions.get(0).get("env_var_name"), is("OPENROUTER_KEY"));
      assertThat(resolutions.get(0).get("secret_name"), is("openrouter-key"));
      assertThat(resolutions.get(0).get("source"), is("keyvault"));
      assertThat(resolutions.get(0).get("vault_url"), is(vault.url()));
      assertThat(resolutions.get(0).get("fingerprint"), is(keyed.fingerprint(API_KEY)));
      assertThat(resolutions.get(1).get("fingerprint"), is(keyed.fingerprint(TENANT_CODE)));
      assertThat(
          CliHarness.count(c, "SELECT COUNT(*) FROM calls WHERE status = 'success'"), is(5L));
      String settings =
          (String)
              CliHarness.query(c, "SELECT settings_json FROM runs").get(0).get("settings_json");
      // The URL parameter was substituted from the vault, and is fingerprinted in the record.
      assertThat(
          settings, containsString("tenant=<fingerprint:" + keyed.fingerprint(TENANT_CODE) + ">"));
      for (String column : everyColumn(c)) {
        assertThat(column, allOf(not(containsString(API_KEY)), not(containsString(TENANT_CODE))));
      }
    }
    assertThat(
        r.out() + r.err(), allOf(not(containsString(API_KEY)), not(containsString(TENANT_CODE))));
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        String content = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
        assertThat(
            "secret in " + f,
            content.contains(API_KEY) || content.contains(TENANT_CODE),
            is(false));
      }
    }
  }

  @Test
  void aMissingSecretFailsBeforeTheRunNamingTheVariableAndTheSecret() throws Exception {
    Path settings =
        CliHarness.settings(
            dir, yaml("    OPENROUTER_KEY: openrouter-key\n    TENANT_CODE: no-such-secret\n"));
    CliHarness.Result r = CliHarness.run("run", "-s", settings.toString(), "--execute");
    assertThat(r.exitCode(), not(is(0)));
    assertThat(
        r.err(),
        allOf(
            containsString("secrets.mapping.TENANT_CODE"),
            containsString("'no-such-secret'"),
            containsString(vault.url()),
            not(containsString(API_KEY))));
    assertThat("nothing ran", Files.exists(dir.resolve("landscape.db")), is(false));
  }

  @Test
  void aFailedSignInFailsBeforeTheRunWithoutShowingAnySecret() throws Exception {
    clientSecret = "not-the-client-secret";
    try {
      Path settings =
          CliHarness.settings(
              dir, yaml("    OPENROUTER_KEY: openrouter-key\n" + "    TENANT_CODE: tenant-code\n"));
      CliHarness.Result r = CliHarness.run("run", "-s", settings.toString(), "--execute");
      assertThat(r.exitCode(), not(is(0)));
      assertThat(
          r.err(),
          allOf(
              containsString("secrets.mapping.OPENROUTER_KEY"),
              containsString("'openrouter-key'"),
              not(containsString("not-the-client-secret")),
              not(containsString(API_KEY))));
    } finally {
      clientSecret = FakeKeyVault.CLIENT_SECRET;
    }
  }

  @Test
  void anInvalidSecretsBlockIsASettingsErrorNamingTheKey() throws Exception {
    Path settings =
        CliHarness.settings(
            dir,
            "secrets:\n  source: keyvault\n"
                + "  vault_url: http://vault.example\n  mapping: {OPENROUTER_KEY: openrouter-key}\n"
                + "source: {plugin: null}\nsinks: {out: {plugin: json, options: {path: "
                + dir.resolve("o.jsonl")
                + "}}}\ndefault_sink: out\n");
    CliHarness.Result r = CliHarness.run("validate", "-s", settings.toString());
    assertThat(r.exitCode(), not(is(0)));
    assertThat(r.err(), containsString("secrets.vault_url: must use https"));
  }

  /**
   * The production sign-in, unchanged: a fresh JVM whose {@code DefaultAzureCredential} finds the
   * service principal in the standard {@code AZURE_*} variables (the authority host pointed at the
   * fake) and trusts the fake's certificate through the standard JVM properties.
   */
  @Test
  void defaultAzureCredentialSignsInFromTheEnvironmentInAFreshJvm() throws Exception {
    ChaosLlmServer llm = ChaosLlmFixture.with(ChaosConfig.builder().build());
    Path settings =
        CliHarness.settings(
            dir, yaml("    OPENROUTER_KEY: openrouter-key\n    TENANT_CODE: tenant-code\n"));
    long before = vault.authorizedSecretReads();
    CliHarness.Result r =
        CliHarness.runInNewJvm(
            dir,
            Map.of(
                "AZURE_TENANT_ID", FakeKeyVault.TENANT,
                "AZURE_CLIENT_ID", FakeKeyVault.CLIENT_ID,
                "AZURE_CLIENT_SECRET", FakeKeyVault.CLIENT_SECRET,
                "AZURE_AUTHORITY_HOST", vault.url(),
                "JAVA_TOOL_OPTIONS",
                    "-Djavax.net.ssl.trustStore="
                        + llm.trustStorePath()
                        + " -Djavax.net.ssl.trustStorePassword="
                        + llm.trustStorePassword()
                        + " -Djavax.net.ssl.trustStoreType=PKCS12"),
            "validate",
            "-s",
            settings.toString());
    assertThat(r.out() + r.err(), r.exitCode(), is(0));
    assertThat(vault.authorizedSecretReads() - before, is(2L));
    assertThat(
        r.out() + r.err(), allOf(not(containsString(API_KEY)), not(containsString(TENANT_CODE))));
  }

  @Test
  void theFingerprintKeyMayComeFromTheVaultWhereverItIsMapped() {
    vault.put("fp-key", "fingerprint-key-from-the-vault");
    Map<String, String> mapping = new java.util.LinkedHashMap<>();
    mapping.put("OPENROUTER_KEY", "openrouter-key");
    mapping.put(SecretFingerprinter.KEY_ENV, "fp-key");
    LoadedSecrets loaded =
        loader.load(new SecretsSettings("keyvault", vault.url(), mapping), Map.of());
    assertThat(loaded.resolutions().get(0).envVarName(), is(SecretFingerprinter.KEY_ENV));
    assertThat(
        loaded.resolutions().get(1).fingerprint(),
        is(new SecretFingerprinter("fingerprint-key-from-the-vault").fingerprint(API_KEY)));
    assertThat(loaded.toString(), not(containsString(API_KEY)));
  }

  @Test
  void withoutAFingerprintKeyNoSecretIsFetched() {
    long before = vault.authorizedSecretReads();
    SecretsException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            SecretsException.class,
            () ->
                loader.load(
                    new SecretsSettings(
                        "keyvault", vault.url(), Map.of("OPENROUTER_KEY", "openrouter-key")),
                    Map.of()));
    assertThat(e.getMessage(), containsString("ELSPETH_FINGERPRINT_KEY is required"));
    assertThat(vault.authorizedSecretReads(), is(before));
  }

  private static List<String> everyColumn(Connection c) throws Exception {
    List<String> text = new java.util.ArrayList<>();
    List<String> tables = new java.util.ArrayList<>();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT name FROM sqlite_master WHERE type = 'table'")) {
      while (rs.next()) {
        tables.add(rs.getString(1));
      }
    }
    assertThat(tables.size(), greaterThan(10));
    for (String table : tables) {
      for (Map<String, Object> row : CliHarness.query(c, "SELECT * FROM \"" + table + "\"")) {
        row.forEach((column, value) -> text.add(table + "." + column + " = " + value));
      }
    }
    return text;
  }
}

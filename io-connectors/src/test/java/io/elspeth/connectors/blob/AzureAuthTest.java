package io.elspeth.connectors.blob;

import static io.elspeth.connectors.blob.BlobFixture.map;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import io.elspeth.plugin.OptionsValidator;
import io.elspeth.plugin.PluginOptions;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AzureAuthTest {
  private static final String URL = "https://acct.blob.core.windows.net";

  private static List<String> problems(Map<String, Object> raw) {
    return AzureAuth.problems(options(raw));
  }

  private static PluginOptions options(Map<String, Object> raw) {
    return OptionsValidator.validate(raw, AzureAuth.OPTIONS, "options", Set.of()).options();
  }

  @Test
  void eachOfTheFourWaysIsAcceptedAlone() {
    assertThat(problems(map("connection_string", "AccountName=a;AccountKey=k")), empty());
    assertThat(problems(map("sas_token", "sv=1&sig=x", "account_url", URL)), empty());
    assertThat(problems(map("use_managed_identity", true, "account_url", URL)), empty());
    assertThat(
        problems(map("tenant_id", "t", "client_id", "c", "client_secret", "s", "account_url", URL)),
        empty());
  }

  @Test
  void noCredentialsAtAllIsAnError() {
    assertThat(problems(map()), contains(containsString("no credentials: set exactly one of")));
  }

  @Test
  void twoWaysAtOnceAreAnError() {
    assertThat(
        problems(
            map(
                "connection_string",
                "AccountName=a;AccountKey=k",
                "sas_token",
                "sig=x",
                "account_url",
                URL)),
        contains(containsString("more than one way to authenticate")));
  }

  @Test
  void everyWayButTheConnectionStringNeedsTheAccountUrl() {
    assertThat(
        problems(map("sas_token", "sig=x")),
        hasItem(containsString("account_url: required with sas_token")));
    assertThat(
        problems(map("use_managed_identity", true)),
        hasItem(containsString("account_url: required with use_managed_identity")));
  }

  @Test
  void anIncompleteServicePrincipalNamesWhatIsMissing() {
    assertThat(
        problems(map("tenant_id", "t", "client_id", "c", "account_url", URL)),
        contains(containsString("client_secret: required for service principal auth")));
  }

  @Test
  void aSasInTheAccountUrlIsRefusedWithoutQuotingIt() {
    List<String> problems =
        problems(map("sas_token", "sv=1", "account_url", URL + "?sv=1&sig=topsecret"));
    assertThat(problems, hasItem(containsString("must not carry a query string")));
    assertThat(problems, everyItem(not(containsString("topsecret"))));
  }

  @Test
  void managedIdentityAndServicePrincipalBuildClientsWithoutTouchingTheNetwork() {
    AzureAuth mi = AzureAuth.from(options(map("use_managed_identity", true, "account_url", URL)));
    assertThat(mi.serviceClient().getAccountUrl(), is(URL));
    AzureAuth sp =
        AzureAuth.from(
            options(
                map(
                    "tenant_id",
                    "t",
                    "client_id",
                    "c",
                    "client_secret",
                    "hush",
                    "account_url",
                    URL)));
    assertThat(sp.method(), is(AzureAuth.Method.SERVICE_PRINCIPAL));
    assertThat(sp.serviceClient().getAccountName(), is("acct"));
    assertThat(sp.toString().contains("hush"), is(false));
  }

  @Test
  void theAccountShownNeverCarriesTheKey() {
    AzureAuth cs =
        AzureAuth.from(
            options(
                map(
                    "connection_string",
                    "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=c2VjcmV0a2V5;")));
    assertThat(cs.account(), is("https://acct.blob.core.windows.net"));
    assertThat(cs.toString().contains("c2VjcmV0a2V5"), is(false));
  }

  @Test
  void failureTextIsScrubbedOfSasParametersAndKeys() {
    assertThat(
        BlobFailure.scrub(
            "GET https://a/c/b?sv=2021&se=2030&sig=abc%3D&x=1 failed;" + " AccountKey=zzz;"),
        is("GET https://a/c/b?sv=***&se=***&sig=***&x=1 failed;" + " AccountKey=***;"));
  }
}

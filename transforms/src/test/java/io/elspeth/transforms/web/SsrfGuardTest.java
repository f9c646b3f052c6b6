package io.elspeth.transforms.web;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SsrfGuardTest {
  private static SsrfGuard guard(Object allowed) {
    List<String> problems = new ArrayList<>();
    SsrfGuard g = SsrfGuard.of(allowed, problems);
    assertThat(problems, is(empty()));
    return g;
  }

  @Test
  void publicOnlyBlocksLoopbackPrivateLinkLocalAndMetadataAddresses() {
    SsrfGuard g = guard("public_only");
    for (String url :
        List.of(
            "http://127.0.0.1/",
            "http://localhost:8080/x",
            "http://10.1.2.3/",
            "http://192.168.0.1/",
            "http://172.16.5.5/",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]/",
            "http://[fd00::1]/",
            "http://100.64.0.1/",
            "http://0.0.0.0/",
            "http://[::ffff:127.0.0.1]/")) {
      SsrfGuard.Blocked e = assertThrows(SsrfGuard.Blocked.class, () -> g.check(url), url);
      assertThat(e.getMessage(), containsString("blocked address"));
    }
  }

  @Test
  void publicAddressesPass() throws Exception {
    assertThat(
        guard("public_only").check("https://93.184.216.34/page").resolvedIp(), is("93.184.216.34"));
  }

  @Test
  void onlyHttpAndHttpsSchemes() {
    SsrfGuard g = guard("allow_private");
    for (String url :
        List.of(
            "file:///etc/passwd", "ftp://93.184.216.34/", "gopher://x/", "javascript:alert(1)")) {
      SsrfGuard.Blocked e = assertThrows(SsrfGuard.Blocked.class, () -> g.check(url), url);
      assertThat(e.getMessage(), containsString("not allowed"));
    }
  }

  @Test
  void cidrListsAllowExactlyTheirRanges() throws Exception {
    SsrfGuard g = guard(List.of("127.0.0.0/8", "10.0.0.5"));
    assertThat(g.check("http://127.0.0.1:9/").resolvedIp(), is("127.0.0.1"));
    assertThat(g.check("http://10.0.0.5/").resolvedIp(), is("10.0.0.5"));
    assertThrows(SsrfGuard.Blocked.class, () -> g.check("http://10.0.0.6/"));
  }

  @Test
  void badAllowedHostsAreNamedProblems() {
    List<String> problems = new ArrayList<>();
    SsrfGuard.of(List.of("10.0.0.0/33", "not-an-ip"), problems);
    SsrfGuard.of(List.of(), problems);
    SsrfGuard.of("everything", problems);
    assertThat(problems, hasSize(4));
    assertThat(
        problems.get(0), containsString("http.allowed_hosts: invalid CIDR range '10.0.0.0/33'"));
  }

  @Test
  void anUnresolvableHostIsReported() {
    assertThrows(
        SsrfGuard.Unresolved.class,
        () -> guard("public_only").check("http://no-such-host.invalid/"));
  }
}

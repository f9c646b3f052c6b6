package io.elspeth.transforms.web;

import java.io.Serializable;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * ELSPETH's web_scrape SSRF rule: only {@code http}/{@code https} URLs with a host; the host is
 * resolved and every address it resolves to must be public (not loopback, private, link-local
 * (cloud metadata at 169.254.169.254), carrier-grade NAT, unique-local, multicast or unspecified),
 * unless the address is inside {@code allowed_hosts}: {@code public_only} (the default), {@code
 * allow_private} (everything), or a list of CIDR ranges. Every redirect target is checked again.
 */
final class SsrfGuard implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Always blocked unless allowed explicitly (beyond what InetAddress's predicates cover). */
  private static final List<Cidr> BLOCKED =
      List.of(
          Cidr.parse("0.0.0.0/8"),
          Cidr.parse("100.64.0.0/10"),
          Cidr.parse("192.0.0.0/24"),
          Cidr.parse("198.18.0.0/15"),
          Cidr.parse("240.0.0.0/4"),
          Cidr.parse("fc00::/7"),
          Cidr.parse("64:ff9b::/96"));

  private final boolean allowAll;
  private final List<Cidr> allowed;

  private SsrfGuard(boolean allowAll, List<Cidr> allowed) {
    this.allowAll = allowAll;
    this.allowed = List.copyOf(allowed);
  }

  /** Blocked: the URL (or a redirect) is not allowed; never worth retrying. */
  static final class Blocked extends Exception {
    private static final long serialVersionUID = 1L;

    Blocked(String message) {
      super(message);
    }
  }

  /** The host did not resolve: ELSPETH treats it as a (non-retryable) validation failure. */
  static final class Unresolved extends Exception {
    private static final long serialVersionUID = 1L;

    Unresolved(String message) {
      super(message);
    }
  }

  /** A URL that passed, with the address its host resolved to when checked. */
  record Checked(URI uri, String resolvedIp) {}

  /**
   * Parses the {@code http.allowed_hosts} option; adds problems (naming the option) to {@code
   * problems}.
   */
  static SsrfGuard of(@Nullable Object allowedHosts, List<String> problems) {
    if (allowedHosts == null || "public_only".equals(allowedHosts)) {
      return new SsrfGuard(false, List.of());
    }
    if ("allow_private".equals(allowedHosts)) {
      return new SsrfGuard(true, List.of());
    }
    if (allowedHosts instanceof List<?> list) {
      if (list.isEmpty()) {
        problems.add(
            "http.allowed_hosts: the list must not be empty (use 'allow_private' to"
                + " allow every address)");
      }
      List<Cidr> ranges = new ArrayList<>();
      for (Object entry : list) {
        try {
          ranges.add(Cidr.parse(String.valueOf(entry)));
        } catch (IllegalArgumentException e) {
          problems.add("http.allowed_hosts: invalid CIDR range '" + entry + "': " + e.getMessage());
        }
      }
      return new SsrfGuard(false, ranges);
    }
    problems.add(
        "http.allowed_hosts: expected 'public_only', 'allow_private' or a list of CIDR"
            + " ranges, got "
            + allowedHosts);
    return new SsrfGuard(false, List.of());
  }

  /** Checks {@code url}; the address returned is the first its host resolved to. */
  Checked check(String url) throws Blocked, Unresolved {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new Blocked("invalid URL: " + e.getMessage());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new Blocked("URL scheme '" + scheme + "' is not allowed (only http and https)");
    }
    String host = uri.getHost();
    if (host == null || host.isEmpty()) {
      throw new Blocked("URL has no host: " + url);
    }
    InetAddress[] addresses;
    try {
      addresses =
          InetAddress.getAllByName(
              host.startsWith("[") ? host.substring(1, host.length() - 1) : host);
    } catch (UnknownHostException e) {
      throw new Unresolved("cannot resolve host '" + host + "'");
    }
    for (InetAddress a : addresses) {
      if (!allowed(a)) {
        throw new Blocked(
            "host '"
                + host
                + "' resolves to blocked address "
                + a.getHostAddress()
                + " (private, loopback, link-local or reserved; allow it in"
                + " http.allowed_hosts)");
      }
    }
    return new Checked(uri, addresses[0].getHostAddress());
  }

  private boolean allowed(InetAddress a) {
    if (allowAll) {
      return true;
    }
    for (Cidr c : allowed) {
      if (c.contains(a)) {
        return true;
      }
    }
    if (a.isLoopbackAddress()
        || a.isSiteLocalAddress()
        || a.isLinkLocalAddress()
        || a.isAnyLocalAddress()
        || a.isMulticastAddress()) {
      return false;
    }
    for (Cidr c : BLOCKED) {
      if (c.contains(a)) {
        return false;
      }
    }
    return true;
  }

  /** An address range: network bytes and prefix length. */
  record Cidr(byte[] network, int prefix) implements Serializable {
    static Cidr parse(String text) {
      String t = text.trim();
      int slash = t.indexOf('/');
      String addr = slash < 0 ? t : t.substring(0, slash);
      boolean v4 = addr.matches("\\d{1,3}(\\.\\d{1,3}){3}");
      if (!v4 && !addr.matches("[0-9a-fA-F:.]*:[0-9a-fA-F:.]*")) {
        throw new IllegalArgumentException("not an IP address");
      }
      // Checked here so that getByName below never falls back to a DNS lookup.
      if (v4) {
        for (String octet : addr.split("\\.")) {
          if (Integer.parseInt(octet) > 255) {
            throw new IllegalArgumentException("not an IP address");
          }
        }
      }
      byte[] bytes;
      try {
        bytes = InetAddress.getByName(addr).getAddress();
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException("not an IP address");
      }
      int prefix;
      try {
        prefix = slash < 0 ? bytes.length * 8 : Integer.parseInt(t.substring(slash + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("prefix is not a number");
      }
      if (prefix < 0 || prefix > bytes.length * 8) {
        throw new IllegalArgumentException("prefix out of range");
      }
      return new Cidr(bytes, prefix);
    }

    boolean contains(InetAddress a) {
      byte[] b = a.getAddress();
      if (b.length != network.length) {
        return false;
      }
      int full = prefix / 8;
      for (int i = 0; i < full; i++) {
        if (b[i] != network[i]) {
          return false;
        }
      }
      int rest = prefix % 8;
      if (rest == 0) {
        return true;
      }
      int mask = 0xFF << (8 - rest) & 0xFF;
      return (b[full] & mask) == (network[full] & mask);
    }
  }
}

package io.elspeth.console;

import io.elspeth.audit.secrets.SecretFingerprinter;
import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.HttpStatus;
import io.javalin.http.SameSite;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.Set;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Who may read the console. Bound to loopback without a token, every request from this machine is
 * served, but only with a loopback {@code Host} header (a page of another site cannot reach it
 * through DNS rebinding). With a token (required off loopback), a request must carry it as {@code
 * Authorization: Bearer <token>} or as the session cookie the login form sets; anything else gets
 * the login page (HTML) or 401.
 */
final class AccessGuard {
  static final String COOKIE = "elspeth_session";
  static final String LOGIN_PATH = "/login";

  private static final Set<String> LOOPBACK_NAMES = Set.of("localhost", "127.0.0.1", "[::1]");

  private final @Nullable String token;
  private final @Nullable String sessionValue;

  private AccessGuard(@Nullable String token) {
    this.token = token;
    // The cookie holds a keyed hash of the token, never the token itself.
    this.sessionValue =
        token == null ? null : new SecretFingerprinter(token).fingerprint("elspeth-web-session");
  }

  /**
   * The guard for a console bound to {@code host}.
   *
   * @throws ConsoleConfigException when {@code host} is not loopback and there is no token
   */
  static AccessGuard forBinding(String host, @Nullable String token) {
    if (token != null && token.isBlank()) {
      throw new ConsoleConfigException(
          WebConsole.TOKEN_ENV
              + " is set but empty: give it a"
              + " long random value, or unset it to serve loopback only");
    }
    if (token == null && !isLoopback(host)) {
      throw new ConsoleConfigException(
          "--host "
              + host
              + " is not a loopback address: set "
              + WebConsole.TOKEN_ENV
              + " to an access token first (requests must then send it as a"
              + " bearer header or through the login form)");
    }
    return new AccessGuard(token);
  }

  /** Whether {@code host} names only this machine (resolving a name, not asking the network). */
  static boolean isLoopback(String host) {
    String h = host.trim();
    if (h.equalsIgnoreCase("localhost")) {
      return true;
    }
    try {
      return InetAddress.getByName(h).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  boolean tokenRequired() {
    return token != null;
  }

  /** Lets the request through, or answers it (login page, 401, 403) and returns false. */
  boolean admit(Context ctx) {
    if (token == null) {
      String host = hostName(ctx.header("Host"));
      if (host != null && !LOOPBACK_NAMES.contains(host.toLowerCase(Locale.ROOT))) {
        ctx.status(HttpStatus.FORBIDDEN).result("this console answers to loopback names only");
        return false;
      }
      return true;
    }
    if (ctx.path().equals(LOGIN_PATH) || ctx.path().equals("/console.css")) {
      return true;
    }
    String auth = ctx.header("Authorization");
    if (auth != null
        && auth.regionMatches(true, 0, "Bearer ", 0, 7)
        && same(auth.substring(7).trim(), token)) {
      return true;
    }
    String cookie = ctx.cookie(COOKIE);
    if (cookie != null && same(cookie, sessionValue)) {
      return true;
    }
    if (ctx.method().name().equals("GET") && accepts(ctx, "text/html")) {
      ctx.redirect(LOGIN_PATH);
    } else {
      ctx.status(HttpStatus.UNAUTHORIZED)
          .header("WWW-Authenticate", "Bearer realm=\"elspeth\"")
          .result("an access token is required");
    }
    return false;
  }

  /** Checks a token the login form posted; on success sets the session cookie. */
  boolean logIn(Context ctx, @Nullable String offered) {
    if (token == null || offered == null || !same(offered.trim(), token)) {
      return false;
    }
    Cookie cookie = new Cookie(COOKIE, sessionValue);
    cookie.setHttpOnly(true);
    cookie.setSameSite(SameSite.STRICT);
    cookie.setPath("/");
    cookie.setSecure("https".equals(ctx.scheme()));
    ctx.cookie(cookie);
    return true;
  }

  private static boolean accepts(Context ctx, String type) {
    String accept = ctx.header("Accept");
    return accept == null || accept.contains(type) || accept.contains("*/*");
  }

  /** The name part of a Host header ({@code [::1]:8765} gives {@code [::1]}). */
  private static @Nullable String hostName(@Nullable String header) {
    if (header == null) {
      return null;
    }
    if (header.startsWith("[")) {
      int end = header.indexOf(']');
      return end < 0 ? header : header.substring(0, end + 1);
    }
    int colon = header.indexOf(':');
    return colon < 0 ? header : header.substring(0, colon);
  }

  /** Constant-time comparison, so response times say nothing about the token. */
  private static boolean same(@Nullable String a, @Nullable String b) {
    if (a == null || b == null) {
      return false;
    }
    return MessageDigest.isEqual(
        a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }
}

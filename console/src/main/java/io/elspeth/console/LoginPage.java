package io.elspeth.console;

/** The login form of a console that requires an access token; it sets the session cookie. */
final class LoginPage {
  private LoginPage() {}

  static String render(boolean failed) {
    return Page.frame(
        "Sign in",
        (failed
                ? "<p class=\"bad\" id=\"login-failed\">That token is not the console's token.</p>\n"
                : "")
            + "<p class=\"note\">This console requires the access token it was started with"
            + " (ELSPETH_WEB_TOKEN).</p>\n<form method=\"post\" action=\""
            + AccessGuard.LOGIN_PATH
            + "\"><label>token <input type=\"password\" name=\"token\" id=\"token\""
            + " autocomplete=\"current-password\"/></label> <button id=\"sign-in\">Sign in</button>"
            + "</form>\n");
  }
}

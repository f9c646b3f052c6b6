package io.elspeth.transforms.llm;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import io.elspeth.audit.canonical.CanonicalJson;
import java.io.Serializable;
import java.util.Map;
import java.util.Objects;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A Jinja2 prompt template (rendered by Jinjava) with the hashes ELSPETH records: the template's
 * SHA-256, the canonical hash of the variables it was rendered with, and the rendered prompt's
 * SHA-256. An undefined variable is an error, never an empty string in a prompt.
 */
public final class PromptTemplate implements Serializable {
  private final String text;
  private final String hash;
  private transient @Nullable Jinjava jinjava;

  public PromptTemplate(String text) {
    this.text = text;
    this.hash = CanonicalJson.sha256Hex(text);
  }

  /** A rendered prompt and what it was made from. */
  public record Rendered(
      String prompt, String templateHash, String variablesHash, String promptHash) {}

  /** A template that cannot be rendered with the row: a processing error of that row. */
  public static final class RenderException extends Exception {
    public RenderException(String message) {
      super(message);
    }

    /** What could not be rendered; never null, as the constructor takes it. */
    @Override
    public String getMessage() {
      return Objects.requireNonNull(super.getMessage(), "message");
    }
  }

  public String text() {
    return text;
  }

  public String hash() {
    return hash;
  }

  private synchronized Jinjava engine() {
    if (jinjava == null) {
      jinjava = new Jinjava(JinjavaConfig.newBuilder().withFailOnUnknownTokens(true).build());
    }
    return jinjava;
  }

  /** Renders with these variables; {@code hashed} is what the variables hash covers. */
  public Rendered render(Map<String, Object> variables, Object hashed) throws RenderException {
    String prompt;
    try {
      prompt = engine().render(text, variables);
    } catch (RuntimeException e) {
      String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      throw new RenderException(m.lines().findFirst().orElse(m));
    }
    return new Rendered(
        prompt, hash, CanonicalJson.tolerantHash(hashed), CanonicalJson.sha256Hex(prompt));
  }

  /** Problems rendering the template with no row at all, other than missing variables. */
  public static @Nullable String syntaxProblem(String text) {
    try {
      new Jinjava()
          .renderForResult(text, Map.of()).getErrors().stream()
              .filter(
                  e ->
                      e.getSeverity() == com.hubspot.jinjava.interpret.TemplateError.ErrorType.FATAL
                          && e.getReason()
                              == com.hubspot.jinjava.interpret.TemplateError.ErrorReason
                                  .SYNTAX_ERROR)
              .findFirst()
              .ifPresent(
                  e -> {
                    throw new IllegalArgumentException(e.getMessage());
                  });
      return null;
    } catch (RuntimeException e) {
      return e.getMessage();
    }
  }
}

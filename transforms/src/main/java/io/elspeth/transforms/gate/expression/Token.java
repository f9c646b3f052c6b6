package io.elspeth.transforms.gate.expression;

import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * One lexical token of a gate expression.
 *
 * @param kind what sort of token this is
 * @param text the operator or (NFKC-normalised) name; the source text for literals
 * @param value the decoded value of a {@link Kind#NUMBER} ({@link Long}, {@link
 *     java.math.BigInteger} or {@link Double}) or {@link Kind#STRING} ({@link String}) token,
 *     otherwise {@code null}
 * @param start 0-based offset of the token's first character in the source
 */
record Token(Kind kind, String text, @Nullable Object value, int start) {

  /** Token categories. */
  enum Kind {
    /** An identifier or keyword. */
    NAME,
    /** An integer or float literal. */
    NUMBER,
    /** A string literal (prefix and quotes removed, escapes decoded). */
    STRING,
    /** An operator or delimiter. */
    OP,
    /** A line break outside any bracket, which ends the expression. */
    NEWLINE,
    /** The end of the source. */
    END
  }

  boolean isOp(String op) {
    return kind == Kind.OP && text.equals(op);
  }

  boolean isName(String name) {
    return kind == Kind.NAME && text.equals(name);
  }

  /** Describes the token for an error message, e.g. {@code name 'x'} or {@code '+'}. */
  String describe() {
    return switch (kind) {
      case NAME -> (Lexer.isKeyword(text) ? "keyword '" : "name '") + text + "'";
      case NUMBER -> "number " + text;
      case STRING -> "string " + PythonValues.repr(value);
      case OP -> "'" + text + "'";
      case NEWLINE -> "line break";
      case END -> "end of expression";
    };
  }
}

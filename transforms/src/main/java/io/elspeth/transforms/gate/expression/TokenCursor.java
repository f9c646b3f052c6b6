package io.elspeth.transforms.gate.expression;

import java.util.List;

/**
 * The parser's position in the token stream, with the checks every grammar rule shares: expecting
 * an operator, describing what was found instead, and bounding the nesting depth.
 */
final class TokenCursor {
  private final List<Token> tokens;
  private int pos;
  private int nesting;

  TokenCursor(List<Token> tokens) {
    this.tokens = tokens;
  }

  Token peek() {
    return tokens.get(pos);
  }

  Token peekAhead(int offset) {
    return tokens.get(Math.min(pos + offset, tokens.size() - 1));
  }

  Token advance() {
    Token token = tokens.get(pos);
    if (token.kind() != Token.Kind.END) {
      pos++;
    }
    return token;
  }

  void expect(String op, String description) {
    if (!peek().isOp(op)) {
      throw expected(description);
    }
    advance();
  }

  ExpressionSyntaxException expected(String description) {
    Token found = peek();
    return new ExpressionSyntaxException(
        "expected " + description + " but found " + found.describe() + lineBreakHint(found),
        found.start());
  }

  static String lineBreakHint(Token token) {
    return token.kind() == Token.Kind.NEWLINE
        ? " (wrap an expression that spans lines in parentheses)"
        : "";
  }

  /** Enters one more level of nesting; {@link #leave} when done. */
  void enter() {
    if (++nesting > Parser.MAX_NESTING) {
      throw new ExpressionSyntaxException(
          "expression is too deeply nested (more than " + Parser.MAX_NESTING + " levels)",
          peek().start());
    }
  }

  void leave() {
    nesting--;
  }
}

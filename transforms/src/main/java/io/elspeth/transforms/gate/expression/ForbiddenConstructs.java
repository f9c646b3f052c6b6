package io.elspeth.transforms.gate.expression;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The parser's first pass: finds, in the token stream, the constructs valid Python may contain but
 * the gate language forbids outright (lambda, comprehensions, assignment, keyword arguments,
 * semicolons, bitwise operators, {@code **}, statements), so that the error names the construct
 * rather than a symptom of it.
 */
final class ForbiddenConstructs {
  private static final Set<String> STATEMENT_KEYWORDS =
      Set.of(
          ("as assert break class continue def del elif except finally global nonlocal pass raise"
                  + " return try while with")
              .split(" "));

  private static final Set<String> BITWISE_OPERATORS = Set.of("&", "|", "^", "~", "<<", ">>");

  private static final Set<String> AUGMENTED_ASSIGNMENTS =
      Set.of("+= -= *= /= //= %= **= @= &= |= ^= <<= >>=".split(" "));

  private ForbiddenConstructs() {}

  /**
   * @throws ExpressionSyntaxException at the first forbidden construct
   */
  static void reject(List<Token> tokens) {
    Deque<String> openBrackets = new ArrayDeque<>();
    for (int i = 0; i < tokens.size(); i++) {
      Token token = tokens.get(i);
      Token previous = i > 0 ? tokens.get(i - 1) : null;
      String message =
          token.kind() == Token.Kind.NAME
              ? forbiddenKeyword(token.text())
              : token.kind() == Token.Kind.OP
                  ? forbiddenOperator(
                      token.text(), previous, i > 1 ? tokens.get(i - 2) : null, openBrackets)
                  : null;
      if (message != null) {
        throw new ExpressionSyntaxException(message, token.start());
      }
      if (token.isOp("(") || token.isOp("[") || token.isOp("{")) {
        openBrackets.push(token.text());
      } else if ((token.isOp(")") || token.isOp("]") || token.isOp("}"))
          && !openBrackets.isEmpty()) {
        openBrackets.pop();
      }
    }
  }

  private static @Nullable String forbiddenKeyword(String name) {
    return switch (name) {
      case "lambda" -> "lambda expressions are not allowed";
      case "for", "async" -> "comprehensions and generator expressions are not allowed";
      case "import", "from" -> "import is not allowed";
      case "await", "yield" -> "'" + name + "' expressions are not allowed";
      default ->
          STATEMENT_KEYWORDS.contains(name)
              ? "statements are not allowed ('"
                  + name
                  + "'); a gate condition is a single expression"
              : null;
    };
  }

  private static @Nullable String forbiddenOperator(
      String op,
      @Nullable Token previous,
      @Nullable Token beforePrevious,
      Deque<String> openBrackets) {
    if (op.equals("=")) {
      boolean keywordArgument =
          "(".equals(openBrackets.peek())
              && previous != null
              && previous.kind() == Token.Kind.NAME
              && beforePrevious != null
              && (beforePrevious.isOp("(") || beforePrevious.isOp(","));
      return keywordArgument
          ? "keyword arguments are not allowed (calls take positional arguments only)"
          : "assignment is not allowed (use '==' to compare)";
    }
    if (op.equals(":=")) {
      return "assignment expressions (:=) are not allowed";
    }
    if (AUGMENTED_ASSIGNMENTS.contains(op)) {
      return "assignment is not allowed ('" + op + "')";
    }
    if (op.equals(";")) {
      return "semicolons are not allowed; a gate condition is a single expression";
    }
    if (op.equals("**")) {
      return endsOperand(previous)
          ? "the power operator '**' is not allowed"
          : "starred expressions (unpacking with '**') are not allowed";
    }
    if (BITWISE_OPERATORS.contains(op)) {
      return "bitwise operators are not allowed ('" + op + "')";
    }
    if (op.equals("@")) {
      return "the matrix multiplication operator '@' is not allowed";
    }
    if (op.equals("...")) {
      return "the ellipsis literal '...' is not allowed";
    }
    return null;
  }

  /** Whether {@code token} can end an operand, making a following {@code **} a binary operator. */
  private static boolean endsOperand(@Nullable Token token) {
    if (token == null) {
      return false;
    }
    return switch (token.kind()) {
      case NUMBER, STRING -> true;
      case NAME ->
          !Lexer.isKeyword(token.text()) || Set.of("True", "False", "None").contains(token.text());
      case OP -> token.isOp(")") || token.isOp("]") || token.isOp("}");
      default -> false;
    };
  }
}

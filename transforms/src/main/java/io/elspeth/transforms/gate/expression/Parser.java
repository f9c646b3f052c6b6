package io.elspeth.transforms.gate.expression;

import java.util.ArrayList;
import java.util.List;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Recursive-descent parser for gate expressions, following Python's expression grammar and
 * precedence (lowest first): conditional {@code a if c else b}; {@code or}; {@code and}; {@code
 * not}; comparisons (chained, including {@code in}, {@code not in}, {@code is}, {@code is not});
 * {@code + -}; {@code * / // %}; unary {@code - +}; subscription, {@code row.get(...)} and calls of
 * the {@link Builtin}s.
 *
 * <p>Parsing happens in two passes. First the token stream is scanned for constructs that valid
 * Python may contain but the gate language forbids outright (lambda, comprehensions, assignment,
 * keyword arguments, semicolons, bitwise operators, {@code **}, statements), so that the error
 * names the construct rather than a symptom of it. Then the expression is parsed, rejecting any
 * other name, attribute access, call, starred expression or slice where it occurs, and, as ELSPETH
 * does, a subscript of anything but {@code row}, {@code row[...]} or {@code row.get(...)}, and
 * {@code is}/{@code is not} unless one side is {@code None}.
 *
 * <p>The first pass is {@link ForbiddenConstructs}; this class parses the operators, from the
 * conditional down to the unary signs, and {@link PrimaryParser} the operands (atoms, subscripts,
 * {@code row.get}, calls and displays); both read through one {@link TokenCursor}.
 */
final class Parser {

  /** Deepest nesting of brackets, unary operators and sub-expressions the parser accepts. */
  static final int MAX_NESTING = 100;

  /** Deepest syntax tree accepted, which bounds the evaluator's recursion. */
  static final int MAX_TREE_DEPTH = 400;

  private final TokenCursor in;
  private final PrimaryParser primaries;

  private Parser(List<Token> tokens) {
    this.in = new TokenCursor(tokens);
    this.primaries = new PrimaryParser(in, this::parseExpression);
  }

  /**
   * Parses and validates a gate expression.
   *
   * @throws ExpressionSyntaxException if the source is not a single allowed expression
   */
  static Node parse(String source) {
    List<Token> tokens = Lexer.tokenize(source);
    ForbiddenConstructs.reject(tokens);
    Parser parser = new Parser(tokens);
    Node root = parser.parseWhole();
    if (depth(root, MAX_TREE_DEPTH) > MAX_TREE_DEPTH) {
      throw new ExpressionSyntaxException(
          "expression is too deeply nested (more than " + MAX_TREE_DEPTH + " levels)", 0);
    }
    return root;
  }

  /** Returns the depth of the tree under {@code node}, looking no deeper than {@code limit + 1}. */
  private static int depth(Node node, int limit) {
    int deepest = 0;
    if (limit >= 0) {
      for (Node child : node.children()) {
        deepest = Math.max(deepest, depth(child, limit - 1));
      }
    }
    return deepest + 1;
  }

  private Node parseWhole() {
    if (in.peek().kind() == Token.Kind.END) {
      throw new ExpressionSyntaxException(
          "empty expression: expected an expression", in.peek().start());
    }
    Node expression = parseExpression();
    Token trailing = in.peek();
    if (trailing.kind() != Token.Kind.END) {
      String hint = trailing.isOp(",") ? " (tuples must be written in parentheses)" : "";
      throw new ExpressionSyntaxException(
          "unexpected "
              + trailing.describe()
              + " after the end of the expression"
              + hint
              + TokenCursor.lineBreakHint(trailing),
          trailing.start());
    }
    return expression;
  }

  /** expression := or_test ['if' or_test 'else' expression] */
  Node parseExpression() {
    in.enter();
    try {
      Node body = parseOr();
      if (!in.peek().isName("if")) {
        return body;
      }
      in.advance();
      Node condition = parseOr();
      if (!in.peek().isName("else")) {
        throw in.expected("'else' to complete the conditional expression 'a if condition else b'");
      }
      in.advance();
      Node alternative = parseExpression();
      return new OperatorNode.Conditional(condition, body, alternative);
    } finally {
      in.leave();
    }
  }

  private Node parseOr() {
    List<Node> operands = new ArrayList<>();
    operands.add(parseAnd());
    while (in.peek().isName("or")) {
      in.advance();
      operands.add(parseAnd());
    }
    return operands.size() == 1 ? operands.get(0) : new OperatorNode.Or(operands);
  }

  private Node parseAnd() {
    List<Node> operands = new ArrayList<>();
    operands.add(parseNot());
    while (in.peek().isName("and")) {
      in.advance();
      operands.add(parseNot());
    }
    return operands.size() == 1 ? operands.get(0) : new OperatorNode.And(operands);
  }

  private Node parseNot() {
    if (!in.peek().isName("not")) {
      return parseComparison();
    }
    in.advance();
    in.enter();
    try {
      return new OperatorNode.Not(parseNot());
    } finally {
      in.leave();
    }
  }

  private Node parseComparison() {
    List<Node> operands = new ArrayList<>();
    List<ComparisonOperator> operators = new ArrayList<>();
    List<Integer> columns = new ArrayList<>();
    operands.add(parseArithmetic());
    while (true) {
      int column = in.peek().start();
      ComparisonOperator operator = comparisonOperator();
      if (operator == null) {
        break;
      }
      operators.add(operator);
      columns.add(column);
      operands.add(parseArithmetic());
    }
    for (int i = 0; i < operators.size(); i++) {
      boolean identity =
          operators.get(i) == ComparisonOperator.IS
              || operators.get(i) == ComparisonOperator.IS_NOT;
      if (identity && !isNone(operands.get(i)) && !isNone(operands.get(i + 1))) {
        throw new ExpressionSyntaxException(
            "'is' and 'is not' are only allowed in None checks (x is None, x is not None);"
                + " use == or != to compare values",
            columns.get(i));
      }
    }
    return operators.isEmpty()
        ? operands.get(0)
        : new OperatorNode.Comparison(operands, operators, columns);
  }

  private static boolean isNone(Node node) {
    return node instanceof AtomNode.Literal literal && literal.value() == null;
  }

  /**
   * Consumes and returns a comparison operator at the current position, or {@code null} if there is
   * none.
   */
  private @Nullable ComparisonOperator comparisonOperator() {
    Token token = in.peek();
    ComparisonOperator operator = null;
    if (token.kind() == Token.Kind.OP) {
      operator =
          switch (token.text()) {
            case "==" -> ComparisonOperator.EQ;
            case "!=" -> ComparisonOperator.NE;
            case "<" -> ComparisonOperator.LT;
            case "<=" -> ComparisonOperator.LE;
            case ">" -> ComparisonOperator.GT;
            case ">=" -> ComparisonOperator.GE;
            default -> null;
          };
    } else if (token.isName("in")) {
      operator = ComparisonOperator.IN;
    } else if (token.isName("is")) {
      in.advance();
      if (in.peek().isName("not")) {
        in.advance();
        return ComparisonOperator.IS_NOT;
      }
      return ComparisonOperator.IS;
    } else if (token.isName("not")) {
      in.advance();
      if (!in.peek().isName("in")) {
        throw in.expected("'in' after 'not' (for the 'not in' operator)");
      }
      in.advance();
      return ComparisonOperator.NOT_IN;
    }
    if (operator != null) {
      in.advance();
    }
    return operator;
  }

  private Node parseArithmetic() {
    Node left = parseTerm();
    while (in.peek().isOp("+") || in.peek().isOp("-")) {
      Token operator = in.advance();
      left =
          new OperatorNode.Arithmetic(
              ArithmeticOperator.forSymbol(operator.text()), left, parseTerm(), operator.start());
    }
    return left;
  }

  private Node parseTerm() {
    Node left = parseUnary();
    while (in.peek().isOp("*")
        || in.peek().isOp("/")
        || in.peek().isOp("//")
        || in.peek().isOp("%")) {
      Token operator = in.advance();
      left =
          new OperatorNode.Arithmetic(
              ArithmeticOperator.forSymbol(operator.text()), left, parseUnary(), operator.start());
    }
    return left;
  }

  private Node parseUnary() {
    Token token = in.peek();
    if (token.isOp("*")) {
      throw new ExpressionSyntaxException("starred expressions are not allowed", token.start());
    }
    if (!token.isOp("-") && !token.isOp("+")) {
      return primaries.parsePostfix();
    }
    in.advance();
    in.enter();
    try {
      Node operand = parseUnary();
      return token.isOp("-")
          ? new OperatorNode.Negative(operand, token.start())
          : new OperatorNode.Positive(operand, token.start());
    } finally {
      in.leave();
    }
  }
}

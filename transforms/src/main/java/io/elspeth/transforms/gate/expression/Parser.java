package io.elspeth.transforms.gate.expression;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Recursive-descent parser for gate expressions, following Python's expression grammar and
 * precedence (lowest first): conditional {@code a if c else b}; {@code or}; {@code and}; {@code
 * not}; comparisons (chained, including {@code in}, {@code not in}, {@code is}, {@code is not});
 * {@code + -}; {@code * / // %}; unary {@code - +}; subscription, {@code row.get(...)} and calls of
 * the {@link Builtin}s.
 *
 * <p>Parsing happens in two passes. First the token stream is scanned for constructs that valid
 * Python may contain but the gate language forbids outright (lambda, comprehensions, assignment,
 * keyword arguments, semicolons, bitwise operators, {@code **}, statements), so that the error names
 * the construct rather than a symptom of it. Then the expression is parsed, rejecting any other
 * name, attribute access, call, starred expression or slice where it occurs, and, as ELSPETH does,
 * a subscript of anything but {@code row}, {@code row[...]} or {@code row.get(...)}, and {@code
 * is}/{@code is not} unless one side is {@code None}.
 */
final class Parser {

  /** Deepest nesting of brackets, unary operators and sub-expressions the parser accepts. */
  static final int MAX_NESTING = 100;

  /** Deepest syntax tree accepted, which bounds the evaluator's recursion. */
  static final int MAX_TREE_DEPTH = 400;

  private static final Set<String> STATEMENT_KEYWORDS =
      Set.of(
          ("as assert break class continue def del elif except finally global nonlocal pass raise"
                  + " return try while with")
              .split(" "));

  private static final String BUILTIN_NAMES =
      Arrays.stream(Builtin.values()).map(Builtin::pythonName).collect(Collectors.joining(", "));

  private static final Set<String> BITWISE_OPERATORS = Set.of("&", "|", "^", "~", "<<", ">>");

  private static final Set<String> AUGMENTED_ASSIGNMENTS =
      Set.of("+= -= *= /= //= %= **= @= &= |= ^= <<= >>=".split(" "));

  private final List<Token> tokens;
  private int pos;
  private int nesting;

  private Parser(List<Token> tokens) {
    this.tokens = tokens;
  }

  /**
   * Parses and validates a gate expression.
   *
   * @throws ExpressionSyntaxException if the source is not a single allowed expression
   */
  static Node parse(String source) {
    List<Token> tokens = Lexer.tokenize(source);
    rejectForbiddenConstructs(tokens);
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

  // ------------------------------------------------------------------ forbidden constructs

  private static void rejectForbiddenConstructs(List<Token> tokens) {
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

  private static String forbiddenKeyword(String name) {
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

  private static String forbiddenOperator(
      String op, Token previous, Token beforePrevious, Deque<String> openBrackets) {
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
  private static boolean endsOperand(Token token) {
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

  // ------------------------------------------------------------------ grammar

  private Node parseWhole() {
    if (peek().kind() == Token.Kind.END) {
      throw new ExpressionSyntaxException(
          "empty expression: expected an expression", peek().start());
    }
    Node expression = parseExpression();
    Token trailing = peek();
    if (trailing.kind() != Token.Kind.END) {
      String hint = trailing.isOp(",") ? " (tuples must be written in parentheses)" : "";
      throw new ExpressionSyntaxException(
          "unexpected "
              + trailing.describe()
              + " after the end of the expression"
              + hint
              + lineBreakHint(trailing),
          trailing.start());
    }
    return expression;
  }

  /** expression := or_test ['if' or_test 'else' expression] */
  private Node parseExpression() {
    enter();
    try {
      Node body = parseOr();
      if (!peek().isName("if")) {
        return body;
      }
      advance();
      Node condition = parseOr();
      if (!peek().isName("else")) {
        throw expected("'else' to complete the conditional expression 'a if condition else b'");
      }
      advance();
      Node alternative = parseExpression();
      return new Node.Conditional(condition, body, alternative);
    } finally {
      nesting--;
    }
  }

  private Node parseOr() {
    List<Node> operands = new ArrayList<>();
    operands.add(parseAnd());
    while (peek().isName("or")) {
      advance();
      operands.add(parseAnd());
    }
    return operands.size() == 1 ? operands.get(0) : new Node.Or(operands);
  }

  private Node parseAnd() {
    List<Node> operands = new ArrayList<>();
    operands.add(parseNot());
    while (peek().isName("and")) {
      advance();
      operands.add(parseNot());
    }
    return operands.size() == 1 ? operands.get(0) : new Node.And(operands);
  }

  private Node parseNot() {
    if (!peek().isName("not")) {
      return parseComparison();
    }
    advance();
    enter();
    try {
      return new Node.Not(parseNot());
    } finally {
      nesting--;
    }
  }

  private Node parseComparison() {
    List<Node> operands = new ArrayList<>();
    List<ComparisonOperator> operators = new ArrayList<>();
    List<Integer> columns = new ArrayList<>();
    operands.add(parseArithmetic());
    while (true) {
      int column = peek().start();
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
          operators.get(i) == ComparisonOperator.IS || operators.get(i) == ComparisonOperator.IS_NOT;
      if (identity && !isNone(operands.get(i)) && !isNone(operands.get(i + 1))) {
        throw new ExpressionSyntaxException(
            "'is' and 'is not' are only allowed in None checks (x is None, x is not None);"
                + " use == or != to compare values",
            columns.get(i));
      }
    }
    return operators.isEmpty()
        ? operands.get(0)
        : new Node.Comparison(operands, operators, columns);
  }

  private static boolean isNone(Node node) {
    return node instanceof Node.Literal literal && literal.value() == null;
  }

  /** Consumes and returns a comparison operator at the current position, if there is one. */
  private ComparisonOperator comparisonOperator() {
    Token token = peek();
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
      advance();
      if (peek().isName("not")) {
        advance();
        return ComparisonOperator.IS_NOT;
      }
      return ComparisonOperator.IS;
    } else if (token.isName("not")) {
      advance();
      if (!peek().isName("in")) {
        throw expected("'in' after 'not' (for the 'not in' operator)");
      }
      advance();
      return ComparisonOperator.NOT_IN;
    }
    if (operator != null) {
      advance();
    }
    return operator;
  }

  private Node parseArithmetic() {
    Node left = parseTerm();
    while (peek().isOp("+") || peek().isOp("-")) {
      Token operator = advance();
      left =
          new Node.Arithmetic(
              ArithmeticOperator.forSymbol(operator.text()), left, parseTerm(), operator.start());
    }
    return left;
  }

  private Node parseTerm() {
    Node left = parseUnary();
    while (peek().isOp("*") || peek().isOp("/") || peek().isOp("//") || peek().isOp("%")) {
      Token operator = advance();
      left =
          new Node.Arithmetic(
              ArithmeticOperator.forSymbol(operator.text()), left, parseUnary(), operator.start());
    }
    return left;
  }

  private Node parseUnary() {
    Token token = peek();
    if (token.isOp("*")) {
      throw new ExpressionSyntaxException("starred expressions are not allowed", token.start());
    }
    if (!token.isOp("-") && !token.isOp("+")) {
      return parsePostfix();
    }
    advance();
    enter();
    try {
      Node operand = parseUnary();
      return token.isOp("-")
          ? new Node.Negative(operand, token.start())
          : new Node.Positive(operand, token.start());
    } finally {
      nesting--;
    }
  }

  /** primary := atom ( '[' expression ']' | '.get' '(' arguments ')' )* */
  private Node parsePostfix() {
    Node node = parseAtom();
    while (true) {
      Token token = peek();
      if (token.isOp("[")) {
        if (!isRowDerived(node)) {
          throw new ExpressionSyntaxException(
              "subscripts are only allowed on row, row[...] and row.get(...), not on a literal or"
                  + " a computed value",
              token.start());
        }
        advance();
        node = new Node.Subscript(node, parseSubscriptIndex(), token.start());
      } else if (token.isOp(".")) {
        node = parseRowGet(node);
      } else if (token.isOp("(")) {
        throw new ExpressionSyntaxException(
            "function calls are not allowed (only row.get(...) and " + BUILTIN_NAMES + ")",
            token.start());
      } else {
        return node;
      }
    }
  }

  /** Whether subscripting {@code node} is allowed: it is the row or was read from it. */
  private static boolean isRowDerived(Node node) {
    return node instanceof Node.RowReference
        || node instanceof Node.Subscript
        || node instanceof Node.RowGet;
  }

  private Node parseSubscriptIndex() {
    if (peek().isOp(":")) {
      throw new ExpressionSyntaxException("slices are not allowed", peek().start());
    }
    Node index = parseExpression();
    if (peek().isOp(":")) {
      throw new ExpressionSyntaxException("slices are not allowed", peek().start());
    }
    expect("]", "']' to close the subscript");
    return index;
  }

  /** Parses {@code .get(key[, default])} after {@code receiver}, which must be {@code row}. */
  private Node parseRowGet(Node receiver) {
    Token dot = advance();
    Token attribute = peek();
    if (attribute.kind() != Token.Kind.NAME || Lexer.isKeyword(attribute.text())) {
      throw expected("an attribute name after '.'");
    }
    advance();
    boolean isRowGet = receiver instanceof Node.RowReference && attribute.text().equals("get");
    if (!isRowGet) {
      throw new ExpressionSyntaxException(
          "attribute access is not allowed (only row.get(...)): '." + attribute.text() + "'",
          dot.start());
    }
    if (!peek().isOp("(")) {
      throw new ExpressionSyntaxException(
          "row.get must be called, as row.get(key) or row.get(key, default)", attribute.start());
    }
    Token open = advance();
    List<Node> arguments = new ArrayList<>();
    while (!peek().isOp(")")) {
      arguments.add(parseExpression());
      if (peek().isOp(",")) {
        advance();
      } else if (!peek().isOp(")")) {
        throw expected("',' or ')' in the row.get(...) arguments");
      }
    }
    advance();
    if (arguments.isEmpty() || arguments.size() > 2) {
      throw new ExpressionSyntaxException(
          "row.get() takes 1 or 2 positional arguments (key[, default]) but "
              + arguments.size()
              + " were given",
          open.start());
    }
    Node fallback = arguments.size() == 2 ? arguments.get(1) : new Node.Literal(null);
    return new Node.RowGet(arguments.get(0), fallback, attribute.start());
  }

  private Node parseAtom() {
    Token token = peek();
    if (token.kind() == Token.Kind.NUMBER) {
      advance();
      return new Node.Literal(token.value());
    }
    if (token.kind() == Token.Kind.STRING) {
      return new Node.Literal(parseStrings());
    }
    if (token.kind() == Token.Kind.NAME) {
      return parseName(token);
    }
    if (token.isOp("(")) {
      return parseParenthesized();
    }
    if (token.isOp("[")) {
      return parseList();
    }
    if (token.isOp("{")) {
      return parseBraces();
    }
    throw expected("an expression");
  }

  /** Adjacent string literals concatenate, as in Python. */
  private String parseStrings() {
    StringBuilder value = new StringBuilder();
    while (peek().kind() == Token.Kind.STRING) {
      value.append((String) advance().value());
    }
    return value.toString();
  }

  /**
   * {@code row}, {@code True}, {@code False}, {@code None} or a call of a {@link Builtin}; any
   * other name is rejected.
   */
  private Node parseName(Token token) {
    Builtin builtin = Builtin.named(token.text());
    if (builtin != null) {
      if (!peekAhead(1).isOp("(")) {
        throw new ExpressionSyntaxException(
            "the built-in '" + token.text() + "' must be called, as " + token.text() + "(...)",
            token.start());
      }
      advance();
      return parseCall(builtin, token);
    }
    Node node =
        switch (token.text()) {
          case "row" -> new Node.RowReference();
          case "True" -> new Node.Literal(Boolean.TRUE);
          case "False" -> new Node.Literal(Boolean.FALSE);
          case "None" -> new Node.Literal(null);
          default -> null;
        };
    if (node != null) {
      advance();
      return node;
    }
    if (Lexer.isKeyword(token.text())) {
      throw expected("an expression");
    }
    if (peekAhead(1).isOp("(")) {
      throw new ExpressionSyntaxException(
          "function calls are not allowed (only row.get(...) and " + BUILTIN_NAMES + "): "
              + token.text() + "(...)",
          token.start());
    }
    throw new ExpressionSyntaxException(
        "name '" + token.text() + "' is not allowed (only row, True, False and None)",
        token.start());
  }

  /** The parenthesised positional arguments of a call of {@code builtin}, named at {@code name}. */
  private Node parseCall(Builtin builtin, Token name) {
    Token open = advance();
    List<Node> arguments = new ArrayList<>();
    while (!peek().isOp(")")) {
      arguments.add(parseExpression());
      if (peek().isOp(",")) {
        advance();
      } else if (!peek().isOp(")")) {
        throw expected("',' or ')' in the " + builtin.pythonName() + "(...) arguments");
      }
    }
    advance();
    if (!builtin.accepts(arguments.size())) {
      throw new ExpressionSyntaxException(
          builtin.pythonName() + "() takes " + builtin.arity() + " but " + arguments.size()
              + (arguments.size() == 1 ? " was" : " were") + " given",
          open.start());
    }
    return new Node.Call(builtin, arguments, name.start());
  }

  /** A dict {@code {k: v, ...}} or set {@code {a, b}} display; {@code {}} is an empty dict. */
  private Node parseBraces() {
    Token open = advance();
    if (peek().isOp("}")) {
      advance();
      return new Node.DictDisplay(List.of(), List.of(), open.start());
    }
    Node first = parseExpression();
    if (!peek().isOp(":")) {
      List<Node> elements = new ArrayList<>();
      elements.add(first);
      parseRemainingElements(elements, "}", "set");
      return new Node.SetDisplay(elements, open.start());
    }
    advance();
    List<Node> keys = new ArrayList<>();
    List<Node> values = new ArrayList<>();
    keys.add(first);
    values.add(parseExpression());
    while (peek().isOp(",")) {
      advance();
      if (peek().isOp("}")) {
        break;
      }
      keys.add(parseExpression());
      expect(":", "':' after the dict key");
      values.add(parseExpression());
    }
    expect("}", "',' or '}' in the dict");
    return new Node.DictDisplay(keys, values, open.start());
  }

  /** A parenthesised expression, or a tuple {@code ()}, {@code (a,)} or {@code (a, b)}. */
  private Node parseParenthesized() {
    advance();
    if (peek().isOp(")")) {
      advance();
      return new Node.Sequence(List.of());
    }
    Node first = parseExpression();
    if (peek().isOp(")")) {
      advance();
      return first;
    }
    if (!peek().isOp(",")) {
      throw expected("')' to close the parenthesis");
    }
    List<Node> elements = new ArrayList<>();
    elements.add(first);
    parseRemainingElements(elements, ")", "tuple");
    return new Node.Sequence(elements);
  }

  private Node parseList() {
    advance();
    List<Node> elements = new ArrayList<>();
    if (!peek().isOp("]")) {
      elements.add(parseExpression());
      parseRemainingElements(elements, "]", "list");
    } else {
      advance();
    }
    return new Node.Sequence(elements);
  }

  /** Parses {@code (',' expression)* [','] close} after the first element of a display. */
  private void parseRemainingElements(List<Node> elements, String close, String what) {
    while (peek().isOp(",")) {
      advance();
      if (peek().isOp(close)) {
        break;
      }
      elements.add(parseExpression());
    }
    expect(close, "',' or '" + close + "' in the " + what);
  }

  // ------------------------------------------------------------------ token helpers

  private Token peek() {
    return tokens.get(pos);
  }

  private Token peekAhead(int offset) {
    return tokens.get(Math.min(pos + offset, tokens.size() - 1));
  }

  private Token advance() {
    Token token = tokens.get(pos);
    if (token.kind() != Token.Kind.END) {
      pos++;
    }
    return token;
  }

  private void expect(String op, String description) {
    if (!peek().isOp(op)) {
      throw expected(description);
    }
    advance();
  }

  private ExpressionSyntaxException expected(String description) {
    Token found = peek();
    return new ExpressionSyntaxException(
        "expected " + description + " but found " + found.describe() + lineBreakHint(found),
        found.start());
  }

  private static String lineBreakHint(Token token) {
    return token.kind() == Token.Kind.NEWLINE
        ? " (wrap an expression that spans lines in parentheses)"
        : "";
  }

  private void enter() {
    if (++nesting > MAX_NESTING) {
      throw new ExpressionSyntaxException(
          "expression is too deeply nested (more than " + MAX_NESTING + " levels)", peek().start());
    }
  }
}

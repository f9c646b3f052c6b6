package io.elspeth.transforms.gate.expression;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The operand part of the gate expression grammar: literals, {@code row}, {@code True}, {@code
 * False}, {@code None}, calls of the {@link Builtin}s, parenthesised expressions, tuples, list,
 * dict and set displays, and the subscripts and {@code row.get(...)} that may follow them; any
 * other name, call, attribute, slice or starred expression is rejected where it occurs. A nested
 * expression is parsed by the {@link Parser} that owns this.
 */
final class PrimaryParser {
  private static final String BUILTIN_NAMES =
      Arrays.stream(Builtin.values()).map(Builtin::pythonName).collect(Collectors.joining(", "));

  private final TokenCursor in;
  private final Supplier<Node> expression;

  PrimaryParser(TokenCursor in, Supplier<Node> expression) {
    this.in = in;
    this.expression = expression;
  }

  /** primary := atom ( '[' expression ']' | '.get' '(' arguments ')' )* */
  Node parsePostfix() {
    Node node = parseAtom();
    while (true) {
      Token token = in.peek();
      if (token.isOp("[")) {
        if (!isRowDerived(node)) {
          throw new ExpressionSyntaxException(
              "subscripts are only allowed on row, row[...] and row.get(...), not on a literal or"
                  + " a computed value",
              token.start());
        }
        in.advance();
        node = new PrimaryNode.Subscript(node, parseSubscriptIndex(), token.start());
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
    return node instanceof AtomNode.RowReference
        || node instanceof PrimaryNode.Subscript
        || node instanceof PrimaryNode.RowGet;
  }

  private Node parseSubscriptIndex() {
    if (in.peek().isOp(":")) {
      throw new ExpressionSyntaxException("slices are not allowed", in.peek().start());
    }
    Node index = expression.get();
    if (in.peek().isOp(":")) {
      throw new ExpressionSyntaxException("slices are not allowed", in.peek().start());
    }
    in.expect("]", "']' to close the subscript");
    return index;
  }

  /** Parses {@code .get(key[, default])} after {@code receiver}, which must be {@code row}. */
  private Node parseRowGet(Node receiver) {
    Token dot = in.advance();
    Token attribute = in.peek();
    if (attribute.kind() != Token.Kind.NAME || Lexer.isKeyword(attribute.text())) {
      throw in.expected("an attribute name after '.'");
    }
    in.advance();
    boolean isRowGet = receiver instanceof AtomNode.RowReference && attribute.text().equals("get");
    if (!isRowGet) {
      throw new ExpressionSyntaxException(
          "attribute access is not allowed (only row.get(...)): '." + attribute.text() + "'",
          dot.start());
    }
    if (!in.peek().isOp("(")) {
      throw new ExpressionSyntaxException(
          "row.get must be called, as row.get(key) or row.get(key, default)", attribute.start());
    }
    Token open = in.advance();
    List<Node> arguments = parseArguments("row.get");
    if (arguments.isEmpty() || arguments.size() > 2) {
      throw new ExpressionSyntaxException(
          "row.get() takes 1 or 2 positional arguments (key[, default]) but "
              + arguments.size()
              + " were given",
          open.start());
    }
    Node fallback = arguments.size() == 2 ? arguments.get(1) : new AtomNode.Literal(null);
    return new PrimaryNode.RowGet(arguments.get(0), fallback, attribute.start());
  }

  private Node parseAtom() {
    Token token = in.peek();
    if (token.kind() == Token.Kind.NUMBER) {
      in.advance();
      return new AtomNode.Literal(token.value());
    }
    if (token.kind() == Token.Kind.STRING) {
      return new AtomNode.Literal(parseStrings());
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
    throw in.expected("an expression");
  }

  /** Adjacent string literals concatenate, as in Python. */
  private String parseStrings() {
    StringBuilder value = new StringBuilder();
    while (in.peek().kind() == Token.Kind.STRING) {
      value.append((String) in.advance().value());
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
      if (!in.peekAhead(1).isOp("(")) {
        throw new ExpressionSyntaxException(
            "the built-in '" + token.text() + "' must be called, as " + token.text() + "(...)",
            token.start());
      }
      in.advance();
      return parseCall(builtin, token);
    }
    Node node =
        switch (token.text()) {
          case "row" -> new AtomNode.RowReference();
          case "True" -> new AtomNode.Literal(Boolean.TRUE);
          case "False" -> new AtomNode.Literal(Boolean.FALSE);
          case "None" -> new AtomNode.Literal(null);
          default -> null;
        };
    if (node != null) {
      in.advance();
      return node;
    }
    if (Lexer.isKeyword(token.text())) {
      throw in.expected("an expression");
    }
    if (in.peekAhead(1).isOp("(")) {
      throw new ExpressionSyntaxException(
          "function calls are not allowed (only row.get(...) and "
              + BUILTIN_NAMES
              + "): "
              + token.text()
              + "(...)",
          token.start());
    }
    throw new ExpressionSyntaxException(
        "name '" + token.text() + "' is not allowed (only row, True, False and None)",
        token.start());
  }

  /** The parenthesised positional arguments of a call of {@code builtin}, named at {@code name}. */
  private Node parseCall(Builtin builtin, Token name) {
    Token open = in.advance();
    List<Node> arguments = parseArguments(builtin.pythonName());
    if (!builtin.accepts(arguments.size())) {
      throw new ExpressionSyntaxException(
          builtin.pythonName()
              + "() takes "
              + builtin.arity()
              + " but "
              + arguments.size()
              + (arguments.size() == 1 ? " was" : " were")
              + " given",
          open.start());
    }
    return new PrimaryNode.Call(builtin, arguments, name.start());
  }

  /** The positional arguments of a call of {@code callee}, after its '(' and up to its ')'. */
  private List<Node> parseArguments(String callee) {
    List<Node> arguments = new ArrayList<>();
    while (!in.peek().isOp(")")) {
      arguments.add(expression.get());
      if (in.peek().isOp(",")) {
        in.advance();
      } else if (!in.peek().isOp(")")) {
        throw in.expected("',' or ')' in the " + callee + "(...) arguments");
      }
    }
    in.advance();
    return arguments;
  }

  /** A dict {@code {k: v, ...}} or set {@code {a, b}} display; {@code {}} is an empty dict. */
  private Node parseBraces() {
    Token open = in.advance();
    if (in.peek().isOp("}")) {
      in.advance();
      return new AtomNode.DictDisplay(List.of(), List.of(), open.start());
    }
    Node first = expression.get();
    if (!in.peek().isOp(":")) {
      List<Node> elements = new ArrayList<>();
      elements.add(first);
      parseRemainingElements(elements, "}", "set");
      return new AtomNode.SetDisplay(elements, open.start());
    }
    in.advance();
    List<Node> keys = new ArrayList<>();
    List<Node> values = new ArrayList<>();
    keys.add(first);
    values.add(expression.get());
    while (in.peek().isOp(",")) {
      in.advance();
      if (in.peek().isOp("}")) {
        break;
      }
      keys.add(expression.get());
      in.expect(":", "':' after the dict key");
      values.add(expression.get());
    }
    in.expect("}", "',' or '}' in the dict");
    return new AtomNode.DictDisplay(keys, values, open.start());
  }

  /** A parenthesised expression, or a tuple {@code ()}, {@code (a,)} or {@code (a, b)}. */
  private Node parseParenthesized() {
    in.advance();
    if (in.peek().isOp(")")) {
      in.advance();
      return new AtomNode.Sequence(List.of());
    }
    Node first = expression.get();
    if (in.peek().isOp(")")) {
      in.advance();
      return first;
    }
    if (!in.peek().isOp(",")) {
      throw in.expected("')' to close the parenthesis");
    }
    List<Node> elements = new ArrayList<>();
    elements.add(first);
    parseRemainingElements(elements, ")", "tuple");
    return new AtomNode.Sequence(elements);
  }

  private Node parseList() {
    in.advance();
    List<Node> elements = new ArrayList<>();
    if (!in.peek().isOp("]")) {
      elements.add(expression.get());
      parseRemainingElements(elements, "]", "list");
    } else {
      in.advance();
    }
    return new AtomNode.Sequence(elements);
  }

  /** Parses {@code (',' expression)* [','] close} after the first element of a display. */
  private void parseRemainingElements(List<Node> elements, String close, String what) {
    while (in.peek().isOp(",")) {
      in.advance();
      if (in.peek().isOp(close)) {
        break;
      }
      elements.add(expression.get());
    }
    in.expect(close, "',' or '" + close + "' in the " + what);
  }
}

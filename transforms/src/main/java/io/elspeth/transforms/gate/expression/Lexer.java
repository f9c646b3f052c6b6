package io.elspeth.transforms.gate.expression;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Splits gate expression source into {@link Token}s following Python's lexical rules for the subset
 * the gate language needs: names, integer and float literals (with underscores and {@code
 * 0x}/{@code 0o}/{@code 0b} prefixes), single-, double- and triple-quoted strings with escapes and
 * optional {@code r}/{@code u} prefixes, operators, comments and line breaks.
 *
 * <p>Lexically valid Python that the gate language forbids outright (f-strings, bytes and complex
 * literals) is rejected here; other forbidden constructs are tokenised normally and rejected by the
 * {@link Parser}. Number and string literals are read by {@link NumberLiteral} and {@link
 * StringLiteral}.
 */
final class Lexer {

  private static final Set<String> KEYWORDS =
      Set.of(
          ("False None True and as assert async await break class continue def del elif else"
                  + " except finally for from global if import in is lambda nonlocal not or pass"
                  + " raise return try while with yield")
              .split(" "));

  /** Operators and delimiters, longest first so that the first match is the longest. */
  private static final List<String> OPERATORS =
      List.of(
          ("**= //= >>= <<= ... ** // == != <= >= := << >> -> += -= *= /= %= &= |= ^= @="
                  + " + - * / % @ & | ^ ~ < > ( ) [ ] { } , : . ; =")
              .split(" "));

  private static final Set<String> STRING_PREFIXES =
      Set.of("r u f b t br rb fr rf tr rt".split(" "));

  private final String source;
  private final List<Token> tokens = new ArrayList<>();
  private int pos;
  private int bracketDepth;

  private Lexer(String source) {
    this.source = source;
  }

  /** Returns whether {@code name} is a Python keyword (and so never an ordinary name). */
  static boolean isKeyword(String name) {
    return KEYWORDS.contains(name);
  }

  /**
   * Tokenises {@code source}; the result always ends with a single {@link Token.Kind#END} token.
   *
   * @throws ExpressionSyntaxException on characters or literals Python would not accept, and on
   *     f-strings, bytes literals and complex literals
   */
  static List<Token> tokenize(String source) {
    int nul = source.indexOf('\0');
    if (nul >= 0) {
      // Python refuses source holding a NUL character anywhere, string literals included.
      throw new ExpressionSyntaxException(
          "the expression contains a NUL character (\\0); write it as the escape '\\x00'"
              + " inside a string literal",
          nul);
    }
    Lexer lexer = new Lexer(source);
    lexer.run();
    return lexer.tokens;
  }

  private void run() {
    while (pos < source.length()) {
      char c = source.charAt(pos);
      if (c == ' ' || c == '\t' || c == '\f') {
        pos++;
      } else if (c == '\n' || c == '\r') {
        lineBreak();
      } else if (c == '#') {
        while (pos < source.length() && source.charAt(pos) != '\n' && source.charAt(pos) != '\r') {
          pos++;
        }
      } else if (c == '\\') {
        lineContinuation();
      } else if (c == '\'' || c == '"') {
        string(pos, false);
      } else if (NumberLiteral.isDigit(c)
          || (c == '.'
              && pos + 1 < source.length()
              && NumberLiteral.isDigit(source.charAt(pos + 1)))) {
        add(NumberLiteral.read(source, pos));
      } else if (isNameStart(source.codePointAt(pos))) {
        nameOrPrefixedString();
      } else {
        operator();
      }
    }
    if (!tokens.isEmpty() && tokens.get(tokens.size() - 1).kind() == Token.Kind.NEWLINE) {
      tokens.remove(tokens.size() - 1);
    }
    tokens.add(new Token(Token.Kind.END, "", null, source.length()));
  }

  private void lineBreak() {
    int start = pos;
    if (source.startsWith("\r\n", pos)) {
      pos += 2;
    } else {
      pos++;
    }
    boolean afterContent =
        !tokens.isEmpty() && tokens.get(tokens.size() - 1).kind() != Token.Kind.NEWLINE;
    if (bracketDepth == 0 && afterContent) {
      tokens.add(new Token(Token.Kind.NEWLINE, "\n", null, start));
    }
  }

  private void lineContinuation() {
    if (source.startsWith("\\\r\n", pos)) {
      pos += 3;
    } else if (source.startsWith("\\\n", pos) || source.startsWith("\\\r", pos)) {
      pos += 2;
    } else {
      throw new ExpressionSyntaxException(
          "unexpected character '\\' (a backslash is only allowed inside strings or before a line"
              + " break)",
          pos);
    }
  }

  private void operator() {
    for (String op : OPERATORS) {
      if (source.startsWith(op, pos)) {
        if (op.equals("(") || op.equals("[") || op.equals("{")) {
          bracketDepth++;
        } else if ((op.equals(")") || op.equals("]") || op.equals("}")) && bracketDepth > 0) {
          bracketDepth--;
        }
        tokens.add(new Token(Token.Kind.OP, op, null, pos));
        pos += op.length();
        return;
      }
    }
    int cp = source.codePointAt(pos);
    String shown =
        Character.isISOControl(cp) || Character.isWhitespace(cp)
            ? String.format("U+%04X", cp)
            : "'" + new String(Character.toChars(cp)) + "'";
    throw new ExpressionSyntaxException("unexpected character " + shown, pos);
  }

  /** Reads the string literal whose opening quote is at {@link #pos}, begun at {@code start}. */
  private void string(int start, boolean raw) {
    add(StringLiteral.read(source, start, pos, raw));
  }

  /** Adds a literal's token and moves past its text. */
  private void add(Token literal) {
    tokens.add(literal);
    pos = literal.start() + literal.text().length();
  }

  // ---------------------------------------------------------------- names and string prefixes

  private void nameOrPrefixedString() {
    int start = pos;
    pos += Character.charCount(source.codePointAt(pos));
    while (pos < source.length() && isNamePart(source.codePointAt(pos))) {
      pos += Character.charCount(source.codePointAt(pos));
    }
    String raw = source.substring(start, pos);
    String prefix = raw.toLowerCase(Locale.ROOT);
    if (pos < source.length()
        && (source.charAt(pos) == '\'' || source.charAt(pos) == '"')
        && STRING_PREFIXES.contains(prefix)) {
      if (prefix.contains("f")) {
        throw new ExpressionSyntaxException("f-strings are not allowed", start);
      }
      if (prefix.contains("t")) {
        throw new ExpressionSyntaxException("template strings (t-strings) are not allowed", start);
      }
      if (prefix.contains("b")) {
        throw new ExpressionSyntaxException("bytes literals are not allowed", start);
      }
      string(start, prefix.contains("r"));
      return;
    }
    String name =
        raw.chars().allMatch(ch -> ch < 128)
            ? raw
            : Normalizer.normalize(raw, Normalizer.Form.NFKC);
    tokens.add(new Token(Token.Kind.NAME, name, null, start));
  }

  private static boolean isNameStart(int cp) {
    return cp == '_' || Character.isUnicodeIdentifierStart(cp);
  }

  static boolean isNamePart(int cp) {
    return cp == '_'
        || (Character.isUnicodeIdentifierPart(cp) && !Character.isIdentifierIgnorable(cp));
  }
}

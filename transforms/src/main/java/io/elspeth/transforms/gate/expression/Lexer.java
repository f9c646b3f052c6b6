package io.elspeth.transforms.gate.expression;

import java.math.BigInteger;
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
 * {@link Parser}.
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
              + " inside a string literal", nul);
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
      } else if (isDigit(c)
          || (c == '.' && pos + 1 < source.length() && isDigit(source.charAt(pos + 1)))) {
        number();
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

  private static boolean isNamePart(int cp) {
    return cp == '_'
        || (Character.isUnicodeIdentifierPart(cp) && !Character.isIdentifierIgnorable(cp));
  }

  // ---------------------------------------------------------------------------- numbers

  private void number() {
    int start = pos;
    char first = source.charAt(pos);
    if (first == '0'
        && pos + 1 < source.length()
        && "xXoObB".indexOf(source.charAt(pos + 1)) >= 0) {
      prefixedInteger(start);
      return;
    }
    boolean isFloat = false;
    StringBuilder digits = new StringBuilder();
    String integerPart = decimalDigits(start);
    digits.append(integerPart);
    if (pos < source.length() && source.charAt(pos) == '.') {
      isFloat = true;
      pos++;
      digits.append('.');
      if (pos < source.length() && isDigit(source.charAt(pos))) {
        digits.append(decimalDigits(start));
      }
    }
    if (pos < source.length() && (source.charAt(pos) == 'e' || source.charAt(pos) == 'E')) {
      int signOffset =
          pos + 1 < source.length()
                  && (source.charAt(pos + 1) == '+' || source.charAt(pos + 1) == '-')
              ? 2
              : 1;
      if (pos + signOffset < source.length() && isDigit(source.charAt(pos + signOffset))) {
        isFloat = true;
        digits.append('e').append(source, pos + 1, pos + signOffset);
        pos += signOffset;
        digits.append(decimalDigits(start));
      }
    }
    rejectSuffix(start);
    String text = source.substring(start, pos);
    if (isFloat) {
      tokens.add(new Token(Token.Kind.NUMBER, text, Double.parseDouble(digits.toString()), start));
      return;
    }
    if (integerPart.length() > 1
        && integerPart.charAt(0) == '0'
        && !integerPart.chars().allMatch(ch -> ch == '0')) {
      throw new ExpressionSyntaxException(
          "leading zeros in decimal integer literals are not permitted (use an 0o prefix for"
              + " octal)",
          start);
    }
    tokens.add(new Token(Token.Kind.NUMBER, text, parseInteger(integerPart, 10, start), start));
  }

  private void prefixedInteger(int start) {
    char marker = Character.toLowerCase(source.charAt(pos + 1));
    int radix = marker == 'x' ? 16 : marker == 'o' ? 8 : 2;
    pos += 2;
    StringBuilder digits = new StringBuilder();
    boolean expectDigit = false;
    while (pos < source.length()) {
      char c = source.charAt(pos);
      if (c == '_' && !expectDigit) {
        expectDigit = true;
        pos++;
      } else if (Character.digit(c, radix) >= 0 && c < 128) {
        digits.append(c);
        expectDigit = false;
        pos++;
      } else {
        break;
      }
    }
    if (digits.length() == 0 || expectDigit) {
      throw new ExpressionSyntaxException("invalid base-" + radix + " integer literal", start);
    }
    rejectSuffix(start);
    tokens.add(
        new Token(
            Token.Kind.NUMBER,
            source.substring(start, pos),
            parseInteger(digits.toString(), radix, start),
            start));
  }

  /** Reads decimal digits with single underscores between them (Python's digit grouping). */
  private String decimalDigits(int literalStart) {
    StringBuilder digits = new StringBuilder();
    while (pos < source.length()) {
      char c = source.charAt(pos);
      if (isDigit(c)) {
        digits.append(c);
        pos++;
      } else if (c == '_'
          && digits.length() > 0
          && pos + 1 < source.length()
          && isDigit(source.charAt(pos + 1))) {
        pos++;
      } else if (c == '_') {
        throw new ExpressionSyntaxException("invalid decimal literal", literalStart);
      } else {
        break;
      }
    }
    return digits.toString();
  }

  private void rejectSuffix(int start) {
    if (pos >= source.length()) {
      return;
    }
    char c = source.charAt(pos);
    if (c == 'j' || c == 'J') {
      throw new ExpressionSyntaxException("complex number literals are not allowed", start);
    }
    if (isNamePart(source.codePointAt(pos))) {
      throw new ExpressionSyntaxException("invalid number literal", start);
    }
  }

  /** An int literal: a {@link Long}, or a {@link BigInteger} beyond 64 bits, as Python allows. */
  private static Object parseInteger(String digits, int radix, int start) {
    if (digits.length() > PythonNumbers.MAX_STR_DIGITS) {
      throw new ExpressionSyntaxException(
          "integer literal has more than " + PythonNumbers.MAX_STR_DIGITS + " digits", start);
    }
    return PythonNumbers.integer(new BigInteger(digits, radix));
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  // ---------------------------------------------------------------------------- strings

  /**
   * Reads a string literal whose opening quote is at {@link #pos}; {@code start} is where the
   * literal (including any prefix) begins.
   */
  private void string(int start, boolean raw) {
    char quote = source.charAt(pos);
    String tripleQuote = String.valueOf(quote).repeat(3);
    boolean triple = source.startsWith(tripleQuote, pos);
    pos += triple ? 3 : 1;
    StringBuilder value = new StringBuilder();
    while (true) {
      if (pos >= source.length()) {
        throw new ExpressionSyntaxException("unterminated string literal", start);
      }
      char c = source.charAt(pos);
      if (triple ? source.startsWith(tripleQuote, pos) : c == quote) {
        pos += triple ? 3 : 1;
        break;
      }
      if (c == '\n' || c == '\r') {
        if (!triple) {
          throw new ExpressionSyntaxException("unterminated string literal", start);
        }
        value.append('\n');
        pos += source.startsWith("\r\n", pos) ? 2 : 1;
      } else if (c == '\\') {
        if (pos + 1 >= source.length()) {
          throw new ExpressionSyntaxException("unterminated string literal", start);
        }
        if (raw) {
          value.append(c).append(source.charAt(pos + 1));
          pos += 2;
        } else {
          escape(value);
        }
      } else {
        value.append(c);
        pos++;
      }
    }
    tokens.add(new Token(Token.Kind.STRING, source.substring(start, pos), value.toString(), start));
  }

  /** Decodes the backslash escape at {@link #pos} into {@code value}, as Python does. */
  private void escape(StringBuilder value) {
    int escapeStart = pos;
    char e = source.charAt(pos + 1);
    pos += 2;
    switch (e) {
      case '\n' -> {
        // A backslash before a line break continues the string on the next line.
      }
      case '\r' -> {
        if (pos < source.length() && source.charAt(pos) == '\n') {
          pos++;
        }
      }
      case '\\', '\'', '"' -> value.append(e);
      case 'a' -> value.append((char) 7);
      case 'b' -> value.append('\b');
      case 'f' -> value.append('\f');
      case 'n' -> value.append('\n');
      case 'r' -> value.append('\r');
      case 't' -> value.append('\t');
      case 'v' -> value.append((char) 11);
      case 'x' -> value.appendCodePoint(hexEscape(2, escapeStart));
      case 'u' -> value.appendCodePoint(hexEscape(4, escapeStart));
      case 'U' -> value.appendCodePoint(hexEscape(8, escapeStart));
      case 'N' -> value.appendCodePoint(namedEscape(escapeStart));
      case '0', '1', '2', '3', '4', '5', '6', '7' -> value.appendCodePoint(octalEscape(e));
        // Python keeps unrecognised escapes verbatim.
      default -> value.append('\\').append(e);
    }
  }

  /** Decodes an octal escape of up to three digits, the first of which ({@code first}) is read. */
  private int octalEscape(char first) {
    int code = first - '0';
    for (int digits = 1; digits < 3 && pos < source.length(); digits++) {
      char c = source.charAt(pos);
      if (c < '0' || c > '7') {
        break;
      }
      code = code * 8 + (c - '0');
      pos++;
    }
    return code;
  }

  private int hexEscape(int length, int escapeStart) {
    if (pos + length > source.length()) {
      throw truncatedEscape(length, escapeStart);
    }
    int code = 0;
    for (int i = 0; i < length; i++) {
      int digit = Character.digit(source.charAt(pos + i), 16);
      if (digit < 0 || source.charAt(pos + i) >= 128) {
        throw truncatedEscape(length, escapeStart);
      }
      code = code * 16 + digit;
    }
    if (code < 0 || code > Character.MAX_CODE_POINT) {
      throw new ExpressionSyntaxException("illegal Unicode character in escape", escapeStart);
    }
    pos += length;
    return code;
  }

  private static ExpressionSyntaxException truncatedEscape(int length, int escapeStart) {
    String form = length == 2 ? "\\xXX" : length == 4 ? "\\uXXXX" : "\\UXXXXXXXX";
    return new ExpressionSyntaxException("truncated " + form + " escape in string", escapeStart);
  }

  private int namedEscape(int escapeStart) {
    int close = source.indexOf('}', pos);
    if (pos >= source.length() || source.charAt(pos) != '{' || close < 0) {
      throw new ExpressionSyntaxException("malformed \\N{...} escape in string", escapeStart);
    }
    String name = source.substring(pos + 1, close);
    try {
      int code = Character.codePointOf(name);
      pos = close + 1;
      return code;
    } catch (IllegalArgumentException e) {
      throw new ExpressionSyntaxException(
          "unknown Unicode character name '" + name + "'", escapeStart);
    }
  }
}

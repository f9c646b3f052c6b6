package io.elspeth.transforms.gate.expression;

/**
 * Reads one string literal of a gate expression as Python does: single, double or triple quotes,
 * raw ({@code r} prefix) or with its backslash escapes decoded (the single-character ones, hex
 * {@code x}, {@code u} and {@code U}, named {@code N{...}} and octal; an unknown escape stays as
 * written).
 */
final class StringLiteral {
  private final String source;
  private int pos;

  private StringLiteral(String source, int quoteAt) {
    this.source = source;
    this.pos = quoteAt;
  }

  /**
   * The {@link Token.Kind#STRING} token of the literal whose opening quote is at {@code quoteAt};
   * {@code start} is where the literal (including any prefix) begins, and the token's text runs
   * from there to the closing quote.
   *
   * @throws ExpressionSyntaxException on an unterminated literal or a malformed escape
   */
  static Token read(String source, int start, int quoteAt, boolean raw) {
    return new StringLiteral(source, quoteAt).string(start, raw);
  }

  private Token string(int start, boolean raw) {
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
    return new Token(Token.Kind.STRING, source.substring(start, pos), value.toString(), start);
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

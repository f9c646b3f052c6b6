package io.elspeth.transforms.gate.expression;

import java.math.BigInteger;

/**
 * Reads one number literal of a gate expression as Python does: decimal integers (no leading zeros)
 * and floats with exponents, {@code 0x}/{@code 0o}/{@code 0b} integers, single underscores between
 * digits; an integer beyond 64 bits is a {@link BigInteger}. Complex literals ({@code j}) are
 * rejected.
 */
final class NumberLiteral {
  private final String source;
  private int pos;

  private NumberLiteral(String source, int start) {
    this.source = source;
    this.pos = start;
  }

  /**
   * The {@link Token.Kind#NUMBER} token of the literal at {@code start} (a digit, or a {@code .}
   * before one); its text is the literal's source.
   *
   * @throws ExpressionSyntaxException on a literal Python would not accept
   */
  static Token read(String source, int start) {
    return new NumberLiteral(source, start).number();
  }

  private Token number() {
    int start = pos;
    char first = source.charAt(pos);
    if (first == '0'
        && pos + 1 < source.length()
        && "xXoObB".indexOf(source.charAt(pos + 1)) >= 0) {
      return prefixedInteger(start);
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
      return new Token(Token.Kind.NUMBER, text, Double.parseDouble(digits.toString()), start);
    }
    if (integerPart.length() > 1
        && integerPart.charAt(0) == '0'
        && !integerPart.chars().allMatch(ch -> ch == '0')) {
      throw new ExpressionSyntaxException(
          "leading zeros in decimal integer literals are not permitted (use an 0o prefix for"
              + " octal)",
          start);
    }
    return new Token(Token.Kind.NUMBER, text, parseInteger(integerPart, 10, start), start);
  }

  private Token prefixedInteger(int start) {
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
    return new Token(
        Token.Kind.NUMBER,
        source.substring(start, pos),
        parseInteger(digits.toString(), radix, start),
        start);
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
    if (Lexer.isNamePart(source.codePointAt(pos))) {
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

  static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }
}

package io.elspeth.transforms.gate.expression;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.matchesPattern;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every construct outside the gate language is rejected at parse time, with a message saying why.
 */
class GateExpressionRejectionTest {

  private static ExpressionSyntaxException rejection(String source) {
    return assertThrows(ExpressionSyntaxException.class, () -> GateExpression.parse(source));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource
  void forbiddenConstructIsRejectedWithReason(String source, String reason) {
    ExpressionSyntaxException error = rejection(source);

    assertThat(error.getMessage(), containsString(reason));
    assertThat(error.getMessage(), matchesPattern("(?s).* at column \\d+"));
  }

  static Stream<Arguments> forbiddenConstructIsRejectedWithReason() {
    return Stream.of(
        // attribute access other than row.get
        Arguments.of("row.__class__", "attribute access is not allowed"),
        Arguments.of("row.__class__.__bases__", "attribute access is not allowed"),
        Arguments.of("row['x'].upper()", "attribute access is not allowed"),
        Arguments.of("row.keys()", "attribute access is not allowed"),
        Arguments.of("row.get('a').get('b')", "attribute access is not allowed"),
        Arguments.of("'abc'.__class__", "attribute access is not allowed"),
        Arguments.of("x.y", "name 'x' is not allowed"),
        Arguments.of("row.get", "row.get must be called"),
        // calls other than row.get(...)
        Arguments.of("max(row)", "function calls are not allowed"),
        Arguments.of("len(row)(1)", "function calls are not allowed"),
        Arguments.of("__import__('os')", "function calls are not allowed"),
        Arguments.of("getattr(row, 'x')", "function calls are not allowed"),
        Arguments.of("row['x'](1)", "function calls are not allowed"),
        Arguments.of("row.get()", "takes 1 or 2 positional arguments"),
        Arguments.of("row.get('a', 1, 2)", "takes 1 or 2 positional arguments"),
        Arguments.of("row.get(key='a')", "keyword arguments are not allowed"),
        Arguments.of("row.get('a', default=1)", "keyword arguments are not allowed"),
        // names
        Arguments.of("x", "name 'x' is not allowed"),
        Arguments.of("open", "name 'open' is not allowed"),
        Arguments.of("os", "name 'os' is not allowed"),
        // lambdas, comprehensions, displays
        Arguments.of("lambda: 1", "lambda expressions are not allowed"),
        Arguments.of("lambda x: x", "lambda expressions are not allowed"),
        Arguments.of(
            "[x for x in row]", "comprehensions and generator expressions are not allowed"),
        Arguments.of(
            "(x for x in row)", "comprehensions and generator expressions are not allowed"),
        Arguments.of("{**row}", "starred expressions (unpacking with '**') are not allowed"),
        Arguments.of("{k: 1 for k in row}", "comprehensions and generator expressions"),
        Arguments.of("row['a'] is 'x'", "only allowed in None checks"),
        Arguments.of("'abc'[0]", "subscripts are only allowed on row"),
        // statements, assignment, separators
        Arguments.of("import os", "import is not allowed"),
        Arguments.of("from os import path", "import is not allowed"),
        Arguments.of("x = 1", "assignment is not allowed"),
        Arguments.of("row['a'] = 1", "assignment is not allowed"),
        Arguments.of("row['a'] += 1", "assignment is not allowed"),
        Arguments.of("(y := 1)", "assignment expressions (:=) are not allowed"),
        Arguments.of("row['a'] == 1; row['b'] == 2", "semicolons are not allowed"),
        Arguments.of("def f(): pass", "statements are not allowed"),
        // literals and operators
        Arguments.of("f'{row}'", "f-strings are not allowed"),
        Arguments.of("b'x'", "bytes literals are not allowed"),
        Arguments.of("[*row]", "starred expressions are not allowed"),
        Arguments.of("row.get(*row)", "starred expressions are not allowed"),
        Arguments.of("row['a'] & 1", "bitwise operators are not allowed"),
        Arguments.of("row['a'] | 1", "bitwise operators are not allowed"),
        Arguments.of("~row['a']", "bitwise operators are not allowed"),
        Arguments.of("row['a'] << 1", "bitwise operators are not allowed"),
        Arguments.of("2 ** 3", "'**' is not allowed"),
        Arguments.of("row['numbers'][1:2]", "slices are not allowed"),
        // malformed input
        Arguments.of("", "empty expression"),
        Arguments.of("   ", "empty expression"),
        Arguments.of("row['a'] == 1 row", "after the end of the expression"),
        Arguments.of("row['a'] == 1)", "after the end of the expression"),
        Arguments.of("row['a'] ==", "expected an expression"),
        Arguments.of("(row['a'] == 1", "expected ')'"),
        Arguments.of("'unterminated", "unterminated string literal"),
        Arguments.of("1 if row['a']", "expected 'else'"),
        Arguments.of("row $ 1", "unexpected character '$'"));
  }

  @Test
  void columnIsTheZeroBasedOffsetOfTheOffendingToken() {
    ExpressionSyntaxException error = rejection("row['a'] == max(row)");

    assertThat(error.column(), is(12));
    assertThat(error.getMessage(), endsWith("at column 12"));
  }

  @Test
  void forbiddenConstructIsReportedEvenAfterValidPrefix() {
    assertThat(rejection("row['a'] > 1 and row.__class__").column(), is(20));
  }

  @Test
  void excessiveNestingIsRejectedRatherThanOverflowingTheStack() {
    String source = "(".repeat(10_000) + "1" + ")".repeat(10_000);

    assertThat(rejection(source).getMessage(), containsString("too deeply nested"));
  }

  @Test
  void integerLiteralBeyondPythonsDigitLimitIsRejected() {
    assertThat(
        rejection("row['a'] > 1" + "0".repeat(4300)).getMessage(),
        containsString("more than 4300 digits"));
  }
}

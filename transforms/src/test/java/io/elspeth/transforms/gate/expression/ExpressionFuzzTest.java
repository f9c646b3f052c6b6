package io.elspeth.transforms.gate.expression;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Fuzz targets for the lexer, the parser and the evaluator. The property of all three: the only
 * exceptions are the documented ones ({@link ExpressionSyntaxException} when parsing, {@link
 * ExpressionEvaluationException} when evaluating); never an {@link OutOfMemoryError}, a {@link
 * StackOverflowError} or any other exception. A plain {@code mvn test} runs the committed seeds in
 * {@code src/test/resources/.../ExpressionFuzzTestInputs/<method>/}; {@code JAZZER_FUZZ=1} fuzzes
 * (see docs/testing.md, "Fuzzing").
 */
class ExpressionFuzzTest {

  @FuzzTest(maxDuration = "60s")
  void lexer(byte[] input) {
    String source = new String(input, StandardCharsets.UTF_8);
    List<Token> tokens;
    try {
      tokens = Lexer.tokenize(source);
    } catch (ExpressionSyntaxException e) {
      assertThat(e.column(), greaterThanOrEqualTo(0));
      assertThat(e.column(), lessThanOrEqualTo(source.length()));
      return;
    }
    assertThat(tokens.get(tokens.size() - 1).kind(), is(Token.Kind.END));
    int previous = 0;
    for (Token token : tokens) {
      assertThat(token.start(), greaterThanOrEqualTo(previous));
      assertThat(token.start(), lessThanOrEqualTo(source.length()));
      previous = token.start();
    }
  }

  @FuzzTest(maxDuration = "60s")
  void parser(byte[] input) throws Exception {
    String source = new String(input, StandardCharsets.UTF_8);
    GateExpression expression;
    try {
      expression = GateExpression.parse(source);
    } catch (ExpressionSyntaxException e) {
      assertThat(e.column(), greaterThanOrEqualTo(0));
      return;
    }
    assertThat(roundTrip(expression), equalTo(expression));
    try {
      expression.evaluate(Map.of("a", 1L, "s", "text", "l", List.of(1L, "x")));
    } catch (ExpressionEvaluationException expected) {
      // A runtime error on this row is a documented outcome.
    }
  }

  @FuzzTest(maxDuration = "60s")
  void evaluator(FuzzedDataProvider data) {
    Map<String, Object> row = new LinkedHashMap<>();
    for (String field : FIELDS) {
      if (data.consumeBoolean()) {
        row.put(field, value(data, 3));
      }
    }
    String source = expression(data, 6);
    GateExpression expression;
    try {
      expression = GateExpression.parse(source);
    } catch (ExpressionSyntaxException e) {
      return;
    }
    try {
      expression.evaluate(row);
    } catch (ExpressionEvaluationException expected) {
      // Missing fields, type errors and budget breaches are documented outcomes.
    }
  }

  private static GateExpression roundTrip(GateExpression expression) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(expression);
    }
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      return (GateExpression) in.readObject();
    }
  }

  // ------------------------------------------------------------------ random rows

  private static final List<String> FIELDS = List.of("a", "b", "s", "l", "d");

  private static Object value(FuzzedDataProvider data, int depth) {
    int kind = data.consumeInt(0, depth > 0 ? 8 : 6);
    return switch (kind) {
      case 0 -> null;
      case 1 -> data.consumeBoolean();
      case 2 ->
          data.consumeBoolean()
              ? data.consumeLong()
              : new BigInteger(data.consumeInt(1, 300), new Random(data.consumeLong()));
      case 3 -> data.consumeRegularDouble();
      case 4 -> data.consumeDouble();
      case 5, 6 -> data.consumeString(data.consumeInt(0, 40));
      case 7 -> {
        List<Object> list = new ArrayList<>();
        for (int i = data.consumeInt(0, 5); i > 0; i--) {
          list.add(value(data, depth - 1));
        }
        yield list;
      }
      default -> {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = data.consumeInt(0, 4); i > 0; i--) {
          map.put(data.pickValue(FIELDS), value(data, depth - 1));
        }
        yield map;
      }
    };
  }

  // ------------------------------------------------------------------ valid-ish expressions

  private static final List<String> BINARY =
      List.of(
          " + ",
          " - ",
          " * ",
          " / ",
          " // ",
          " % ",
          " == ",
          " != ",
          " < ",
          " <= ",
          " > ",
          " >= ",
          " in ",
          " not in ",
          " and ",
          " or ",
          " is ",
          " is not ");

  private static final List<String> LITERALS =
      List.of(
          "0",
          "1",
          "-1",
          "2",
          "9999999",
          "99999",
          "9223372036854775807",
          "0.5",
          "1e308",
          "''",
          "'a'",
          "'abc'",
          "\"x\"",
          "True",
          "False",
          "None",
          "[]",
          "()",
          "{}",
          "{'a': 1}",
          "{1, 2}",
          "[1, 'a', None]",
          "99999999999999999999",
          "-9223372036854775808",
          "' 12 '",
          "'1e5'",
          "'nan'",
          "1.5e-7");

  private static final List<String> BUILTINS = List.of("len", "str", "int", "float", "bool", "abs");

  private static String expression(FuzzedDataProvider data, int depth) {
    if (depth <= 0 || data.remainingBytes() == 0) {
      return atom(data);
    }
    return switch (data.consumeInt(0, 14)) {
      case 0, 1, 2 -> atom(data);
      case 3, 4, 5 ->
          expression(data, depth - 1) + data.pickValue(BINARY) + expression(data, depth - 1);
      case 6 -> "not " + expression(data, depth - 1);
      case 7 -> "-" + expression(data, depth - 1);
      case 8 -> "(" + expression(data, depth - 1) + ")";
      case 9 -> "[" + expression(data, depth - 1) + ", " + expression(data, depth - 1) + "]";
      case 10 ->
          expression(data, depth - 1)
              + " if "
              + expression(data, depth - 1)
              + " else "
              + expression(data, depth - 1);
      case 11 -> "row[" + expression(data, depth - 1) + "]";
      case 12 -> data.pickValue(BUILTINS) + "(" + expression(data, depth - 1) + ")";
      case 13 -> "{" + expression(data, depth - 1) + ", " + expression(data, depth - 1) + "}";
      default -> "{" + expression(data, depth - 1) + ": " + expression(data, depth - 1) + "}";
    };
  }

  private static String atom(FuzzedDataProvider data) {
    return switch (data.consumeInt(0, 5)) {
      case 0 -> "row['" + data.pickValue(FIELDS) + "']";
      case 1 -> "row.get('" + data.pickValue(FIELDS) + "')";
      case 2 -> "row.get('" + data.pickValue(FIELDS) + "', " + data.pickValue(LITERALS) + ")";
      case 3 -> "row['" + data.pickValue(FIELDS) + "'][" + data.consumeInt(-3, 3) + "]";
      case 4 -> Long.toString(data.consumeLong());
      default -> data.pickValue(LITERALS);
    };
  }
}

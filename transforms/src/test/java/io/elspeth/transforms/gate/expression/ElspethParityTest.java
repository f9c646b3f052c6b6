package io.elspeth.transforms.gate.expression;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigInteger;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The language accepts and refuses what ELSPETH's expression parser does: dict and set displays,
 * {@code is} only against {@code None}, subscripts only on row data, ints of any size, and the
 * built-ins {@code len str int float bool abs}.
 */
class ElspethParityTest {

  private static Object eval(String source, Object... keysAndValues) {
    Map<String, Object> row = new HashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      row.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return GateExpression.parse(source).evaluate(row);
  }

  private static String refused(String source) {
    return assertThrows(ExpressionSyntaxException.class, () -> GateExpression.parse(source))
        .getMessage();
  }

  private static String fails(String source, Object... keysAndValues) {
    return assertThrows(ExpressionEvaluationException.class, () -> eval(source, keysAndValues))
        .getMessage();
  }

  // ------------------------------------------------------------------ dict and set displays

  @Test
  void membershipInASetDisplay() {
    assertThat(eval("row['tag'] in {'a', 'b', 'c'}", "tag", "b"), is(true));
    assertThat(eval("row['tag'] in {'a', 'b', 'c'}", "tag", "z"), is(false));
    assertThat(eval("row['tag'] not in {'a', 'b', 'c',}", "tag", "z"), is(true));
  }

  @Test
  void subscriptOfRowGetWithADictDefault() {
    assertThat(eval("row.get('data', {})['key']", "data", Map.of("key", 7L)), is(7L));
    assertThat(fails("row.get('data', {})['key']"), containsString("KeyError"));
    assertThat(eval("row.get('data', {'key': 1})['key'] == 1"), is(true));
  }

  @Test
  void dictDisplaysFollowPythonKeyEquality() {
    assertThat(eval("{'a': 1, 'a': 2} == {'a': 2}"), is(true));
    assertThat(eval("len({1: 'x', 1.0: 'y', True: 'z'})"), is(1L));
    assertThat(eval("len({1, 1.0, True, 2})"), is(2L));
    assertThat(eval("'a' in {'a': 1}"), is(true));
    assertThat(eval("{}"), equalTo(Map.of()));
    assertThat(eval("{1, 2} == {2, 1}"), is(true));
    assertThat(eval("str({'a': [1, None]})"), is("{'a': [1, None]}"));
  }

  @Test
  void unhashableKeysAndElementsFail() {
    assertThat(fails("row['l'] in {1, 2}", "l", List.of(1L)), containsString("unhashable"));
    assertThat(fails("{row['l']: 1}", "l", List.of(1L)), containsString("unhashable type: 'list'"));
  }

  @Test
  void dictAndSetConstructsElspethRefusesStayRefused() {
    assertThat(refused("{**row}"), containsString("'**'"));
    assertThat(refused("{x for x in row}"), containsString("comprehensions"));
    assertThat(refused("{k: 1 for k in row}"), containsString("comprehensions"));
    assertThat(refused("{'a': 1}['a']"), containsString("subscripts are only allowed on row"));
  }

  // ------------------------------------------------------------------ is / is not

  @Test
  void isAgainstAnythingButNoneIsRefused() {
    assertThat(
        refused("row['status'] is 'active'"),
        containsString("'is' and 'is not' are only allowed in None checks"));
    assertThat(refused("row['a'] is not row['b']"), containsString("only allowed in None checks"));
    assertThat(refused("row['a'] is True"), containsString("at column 9"));
  }

  @Test
  void aNulCharacterIsRefusedAsPythonRefusesSourceHoldingOne() {
    assertThat(refused("row['\0x'] == 1"), containsString("NUL character"));
    assertThat(refused("row['x'] == '\0value'"), containsString("at column 13"));
    assertThat(eval("row['x'] == '\\x00value'", "x", "\0value"), is(true));
  }

  @Test
  void thePowerOperatorIsRefusedSoNoExponentTowerCanBeBuilt() {
    assertThat(refused("10**10**10 > 0"), containsString("the power operator '**' is not allowed"));
    assertThat(refused("row['x'] ** 2"), containsString("'**' is not allowed"));
  }

  @Test
  void isNoneChecksAreAccepted() {
    assertThat(eval("row.get('x') is None"), is(true));
    assertThat(eval("None is not row['x']", "x", 1L), is(true));
    assertThat(eval("row['x'] is (None)", "x", 1L), is(false));
    assertThat(eval("None is None is None"), is(true));
  }

  // ------------------------------------------------------------------ subscripts

  @ParameterizedTest
  @ValueSource(
      strings = {
        "'abc'[0] == 'a'",
        "[1, 2][0]",
        "(row['a'] + 'x')[0]",
        "len(row['a'])[0]",
        "{'k': 1}['k']",
        "(1, 2)[0]",
        "('ab' if True else 'cd')[0]"
      })
  void subscriptsOfAnythingButRowDataAreRefused(String source) {
    assertThat(
        refused(source),
        containsString("subscripts are only allowed on row, row[...] and" + " row.get(...)"));
  }

  @Test
  void subscriptsOfRowDataAreAccepted() {
    assertThat(eval("(row)['a'][1]", "a", "xyz"), is("y"));
    assertThat(eval("row['l'][0][1]", "l", List.of(List.of(1L, 2L))), is(2L));
    assertThat(eval("row.get('l')[-1]", "l", List.of(1L, 2L)), is(2L));
  }

  // ------------------------------------------------------------------ arbitrary-precision ints

  @Test
  void intArithmeticDoesNotOverflow() {
    BigInteger twoTo63 = BigInteger.ONE.shiftLeft(63);
    assertThat(eval("row['big'] + 1", "big", Long.MAX_VALUE), equalTo(twoTo63));
    assertThat(eval("row['big'] + 1 == 9223372036854775808", "big", Long.MAX_VALUE), is(true));
    assertThat(eval("row['big'] + 1 - 1", "big", Long.MAX_VALUE), is(Long.MAX_VALUE));
    assertThat(eval("-row['min']", "min", Long.MIN_VALUE), equalTo(twoTo63));
    assertThat(eval("row['min'] // -1", "min", Long.MIN_VALUE), equalTo(twoTo63));
    assertThat(eval("abs(row['min'])", "min", Long.MIN_VALUE), equalTo(twoTo63));
    assertThat(
        eval("row['big'] * row['big']", "big", Long.MAX_VALUE),
        equalTo(BigInteger.valueOf(Long.MAX_VALUE).pow(2)));
    assertThat(eval("99999999999999999999 % 7"), is(1L));
    assertThat(eval("-99999999999999999999 // 7 == -14285714285714285715"), is(true));
    assertThat(eval("-99999999999999999999 % 7 == 6"), is(true));
    assertThat(eval("99999999999999999999 % -7 == -6"), is(true));
  }

  @Test
  void bigIntsCompareAndMixWithFloatsAsInPython() {
    assertThat(eval("row['big'] + 1 > 9.2e18", "big", Long.MAX_VALUE), is(true));
    assertThat(eval("row['big'] + 1 == 9223372036854775808.0", "big", Long.MAX_VALUE), is(true));
    assertThat(eval("(row['big'] + 1) / 2", "big", Long.MAX_VALUE), is(4.611686018427388E18));
    assertThat(eval("10" + "0".repeat(400) + " / 10" + "0".repeat(399)), is(10.0));
    assertThat(fails("10" + "0".repeat(400) + " + 0.5"), containsString("OverflowError"));
    assertThat(fails("10" + "0".repeat(400) + " / 3"), containsString("OverflowError"));
  }

  @Test
  void integerLiteralsFollowPythonsDigitLimit() {
    assertThat(eval("1" + "0".repeat(4299) + " > 0"), is(true));
    assertThat(refused("1" + "0".repeat(4300)), containsString("more than 4300 digits"));
  }

  @Test
  void bigIntsSpendTheCharacterBudget() {
    GateExpression square = GateExpression.parse("row['big'] * row['big'] > 0");
    Map<String, Object> row = Map.of("big", Long.MAX_VALUE);
    assertThat(square.evaluate(row), is(true));
    assertThrows(
        ExpressionBudgetException.class,
        () -> square.evaluate(row, new ExpressionLimits(20, 100, 100)));
  }

  // ------------------------------------------------------------------ built-ins

  @Test
  void lenCountsCharactersAndElements() {
    assertThat(eval("len(row['text']) > 10", "text", "hello world!"), is(true));
    assertThat(eval("len(row['items']) >= 3", "items", List.of(1L, 2L, 3L)), is(true));
    assertThat(eval("len(row['data']) == 2", "data", Map.of("a", 1L, "b", 2L)), is(true));
    assertThat(eval("len(row.get('items', [])) == 0"), is(true));
    assertThat(eval("len('h\\U0001F600')"), is(2L));
    assertThat(
        fails("len(row['n'])", "n", 3L), containsString("object of type 'int' has no len()"));
  }

  @Test
  void strGivesPythonsText() {
    assertThat(eval("str(row['code']) == '42'", "code", 42L), is(true));
    assertThat(eval("str(row.get('x')) == 'None'"), is(true));
    assertThat(eval("len(str(row.get('value', ''))) >= 5", "value", "hello"), is(true));
    assertThat(eval("str(True)"), is("True"));
    assertThat(eval("str()"), is(""));
    assertThat(eval("str(1.5)"), is("1.5"));
    assertThat(eval("str(3.0)"), is("3.0"));
    assertThat(eval("str(1e16)"), is("1e+16"));
    assertThat(eval("str(1e15)"), is("1000000000000000.0"));
    assertThat(eval("str(0.0001)"), is("0.0001"));
    assertThat(eval("str(0.00001)"), is("1e-05"));
    assertThat(eval("str(-2.5e-300)"), is("-2.5e-300"));
    assertThat(eval("str([1, 'a', None])"), is("[1, 'a', None]"));
    assertThat(eval("str(row['big'] + 1)", "big", Long.MAX_VALUE), is("9223372036854775808"));
  }

  @Test
  void strOfAHugeValueSpendsTheBudget() {
    List<String> many = Collections.nCopies(100_000, "abcdefghij");
    ExpressionBudgetException e =
        assertThrows(ExpressionBudgetException.class, () -> eval("len(str(row['l']))", "l", many));
    assertThat(e.getMessage(), containsString("characters"));
  }

  @Test
  void intConvertsAsPythonDoes() {
    assertThat(eval("int(row['amount']) > 100", "amount", "200"), is(true));
    assertThat(eval("int(row['ratio']) == 3", "ratio", 3.7), is(true));
    assertThat(eval("int(-3.7)"), is(-3L));
    assertThat(eval("int(' 1_000 ')"), is(1000L));
    assertThat(eval("int(True)"), is(1L));
    assertThat(eval("int()"), is(0L));
    assertThat(
        eval("int('99999999999999999999')"), equalTo(new BigInteger("99999999999999999999")));
    assertThat(
        fails("int(row['text'])", "text", "not_a_number"),
        containsString("ValueError: invalid literal for int() with base 10: 'not_a_number'"));
    assertThat(fails("int(row['t'])", "t", "9".repeat(4301)), containsString("4300 digits"));
    assertThat(fails("int(float('inf'))"), containsString("OverflowError"));
    assertThat(fails("int(None)"), containsString("TypeError"));
  }

  @Test
  void floatConvertsAsPythonDoes() {
    assertThat(eval("float(row['score']) >= 0.5", "score", "0.75"), is(true));
    assertThat(eval("float(row['count']) == 5.0", "count", 5L), is(true));
    assertThat(eval("float(' -1_0.5e1 ')"), is(-105.0));
    assertThat(eval("float('inf') > 1e308"), is(true));
    assertThat(eval("float('nan') != float('nan')"), is(true));
    assertThat(
        fails("float(row['text'])", "text", "nope"),
        containsString("ValueError: could not convert string to float: 'nope'"));
    assertThat(fails("float('0x10')"), containsString("ValueError"));
    assertThat(fails("float('1d')"), containsString("ValueError"));
  }

  @Test
  void boolAndAbs() {
    assertThat(eval("bool(row['count']) == False", "count", 0L), is(true));
    assertThat(eval("bool(row.get('text', ''))"), is(false));
    assertThat(eval("bool()"), is(false));
    assertThat(eval("abs(row['delta']) < 10", "delta", -5L), is(true));
    assertThat(eval("abs(row['a'] - row['b']) <= 1", "a", 10L, "b", 11L), is(true));
    assertThat(eval("abs(-2.5)"), is(2.5));
    assertThat(eval("abs(True)"), is(1L));
    assertThat(fails("abs('x')"), containsString("bad operand type for abs(): 'str'"));
  }

  @Test
  void builtInsCompose() {
    assertThat(eval("len(str(int(row['value']))) <= 3", "value", 42L), is(true));
    assertThat(eval("len(str(int(row['value']))) <= 3", "value", 99999L), is(false));
  }

  @Test
  void callsElspethRefusesStayRefused() {
    assertThat(refused("len(obj=row['items'])"), containsString("keyword arguments"));
    for (String name :
        List.of(
            "sorted", "list", "dict", "tuple", "set", "type", "dir", "vars", "chr", "ord", "hex",
            "max", "min", "sum", "round")) {
      assertThat(refused(name + "(row['x'])"), containsString("function calls are not allowed"));
    }
    assertThat(refused("len"), containsString("must be called"));
    assertThat(refused("len()"), containsString("len() takes 1 argument but 0 were given"));
    assertThat(refused("str(1, 2)"), containsString("str() takes 0 or 1 arguments but 2 were"));
    assertThat(refused("len(row)(1)"), containsString("function calls are not allowed"));
    assertThat(refused("2 ** 3"), containsString("'**' is not allowed"));
  }
}

package io.elspeth.transforms.gate.expression;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.instanceOf;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.sameInstance;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class GateExpressionTest {

  private static final Map<String, Object> ROW =
      row(
          "status",
          "active",
          "score",
          7L,
          "confidence",
          0.9,
          "name",
          "hello",
          "empty",
          "",
          "zero",
          0L,
          "nothing",
          null,
          "flag",
          true,
          "tags",
          List.of("red", "green"),
          "numbers",
          List.of(10L, 20L, 30L),
          "address",
          Map.of("city", "Leeds", "geo", Map.of("lat", 53.8)));

  private static Map<String, Object> row(Object... keysAndValues) {
    Map<String, Object> row = new HashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      row.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return row;
  }

  private static Object eval(String source) {
    return GateExpression.parse(source).evaluate(ROW);
  }

  private static Object eval(String source, Map<String, Object> row) {
    return GateExpression.parse(source).evaluate(row);
  }

  private static ExpressionEvaluationException evalFails(String source) {
    GateExpression expression = GateExpression.parse(source);
    return assertThrows(ExpressionEvaluationException.class, () -> expression.evaluate(ROW));
  }

  // ------------------------------------------------------------------ comparisons

  @Test
  void equalityComparesFieldWithStringLiteral() {
    assertThat(eval("row['status'] == 'active'"), is(true));
    assertThat(eval("row['status'] == 'inactive'"), is(false));
  }

  @ParameterizedTest
  @MethodSource
  void orderingComparisonsFollowPython(String source, boolean expected) {
    assertThat(source, eval(source), is(expected));
  }

  static Stream<Arguments> orderingComparisonsFollowPython() {
    return Stream.of(
        Arguments.of("row['score'] > 5", true),
        Arguments.of("row['score'] >= 7", true),
        Arguments.of("row['score'] < 7", false),
        Arguments.of("row['confidence'] <= 0.9", true),
        Arguments.of("row['score'] != 8", true),
        Arguments.of("'abc' < 'abd'", true),
        Arguments.of("[1, 2] < [1, 3]", true),
        Arguments.of("[1, 2] < [1, 2, 0]", true),
        Arguments.of("False < True", true));
  }

  @Test
  void numericEqualityIgnoresIntFloatAndBoolDistinction() {
    assertThat(eval("1 == 1.0"), is(true));
    assertThat(eval("True == 1"), is(true));
    assertThat(eval("row['score'] == 7.0"), is(true));
  }

  @Test
  void chainedComparisonRequiresEveryLinkToHold() {
    assertThat(eval("0 < row['score'] <= 10"), is(true));
    assertThat(eval("0 < row['score'] <= 5"), is(false));
    assertThat(eval("1 < 3 > 2"), is(true));
  }

  @Test
  void chainedComparisonStopsAtFirstFalseLink() {
    assertThat(eval("1 > 2 < row['no_such_field']"), is(false));
  }

  @Test
  void equalityBetweenUnrelatedTypesIsFalse() {
    assertThat(eval("row['name'] == 1"), is(false));
    assertThat(eval("None == 0"), is(false));
  }

  @Test
  void orderingUnrelatedTypesIsEvaluationError() {
    ExpressionEvaluationException error = evalFails("row['name'] < 1");

    assertThat(
        error.getMessage(),
        allOf(containsString("'<'"), containsString("'str'"), containsString("'int'")));
  }

  // ------------------------------------------------------------------ boolean logic

  @Test
  void andReturnsFirstFalsyOperandOrElseTheLast() {
    assertThat(eval("row['zero'] and 'unused'"), is(0L));
    assertThat(eval("row['score'] and row['name']"), is("hello"));
  }

  @Test
  void orReturnsFirstTruthyOperandOrElseTheLast() {
    assertThat(eval("row['nothing'] or 'default'"), is("default"));
    assertThat(eval("row['empty'] or row['zero']"), is(0L));
  }

  @Test
  void andDoesNotEvaluateRightOperandWhenLeftIsFalsy() {
    assertThat(eval("row['flag'] == False and row['no_such_field'] > 1"), is(false));
  }

  @Test
  void orDoesNotEvaluateRightOperandWhenLeftIsTruthy() {
    assertThat(eval("row['flag'] or 1 // 0"), is(true));
  }

  @Test
  void notNegatesTruthiness() {
    assertThat(eval("not row['empty']"), is(true));
    assertThat(eval("not row['name']"), is(false));
  }

  @Test
  void notBindsLooserThanComparison() {
    assertThat(eval("not row['score'] == 8"), is(true));
  }

  @ParameterizedTest
  @MethodSource
  void falsyValuesFollowPython(Object value) {
    assertThat(eval("'truthy' if row['v'] else 'falsy'", row("v", value)), is("falsy"));
  }

  static Stream<Object> falsyValuesFollowPython() {
    return Stream.of(null, false, 0L, 0.0, "", List.of(), Map.of());
  }

  @ParameterizedTest
  @MethodSource
  void truthyValuesFollowPython(Object value) {
    assertThat(eval("'truthy' if row['v'] else 'falsy'", row("v", value)), is("truthy"));
  }

  static Stream<Object> truthyValuesFollowPython() {
    return Stream.of(true, 1L, -0.5, " ", List.of(0L), Map.of("k", 0L), Double.NaN);
  }

  // ------------------------------------------------------------------ membership

  @Test
  void inTestsMembershipOfListLiteral() {
    assertThat(eval("row['status'] in ['active', 'pending']"), is(true));
    assertThat(eval("row['status'] in ['closed']"), is(false));
  }

  @Test
  void notInTestsAbsenceFromTupleLiteral() {
    assertThat(eval("row['score'] not in (1, 2, 3)"), is(true));
  }

  @Test
  void inTestsMembershipOfListField() {
    assertThat(eval("'green' in row['tags']"), is(true));
    assertThat(eval("20.0 in row['numbers']"), is(true));
  }

  @Test
  void inTestsSubstringOfStringField() {
    assertThat(eval("'ell' in row['name']"), is(true));
    assertThat(eval("'xyz' in row['name']"), is(false));
  }

  @Test
  void inRowTestsFieldPresence() {
    assertThat(eval("'status' in row"), is(true));
    assertThat(eval("'missing' not in row"), is(true));
  }

  @Test
  void inStringWithNonStringLeftOperandIsEvaluationError() {
    assertThat(
        evalFails("1 in row['name']").getMessage(),
        containsString("requires string as left operand"));
  }

  // ------------------------------------------------------------------ row access

  @Test
  void rowGetReturnsFieldValue() {
    assertThat(eval("row.get('status')"), is("active"));
  }

  @Test
  void rowGetReturnsNoneForMissingField() {
    assertThat(eval("row.get('missing')"), is(nullValue()));
  }

  @Test
  void rowGetReturnsDefaultForMissingField() {
    assertThat(eval("row.get('missing', 'fallback')"), is("fallback"));
  }

  @Test
  void rowGetReturnsStoredNoneRatherThanDefault() {
    assertThat(eval("row.get('nothing', 'fallback')"), is(nullValue()));
  }

  @Test
  void nestedSubscriptsReachIntoMapsAndLists() {
    assertThat(eval("row['address']['geo']['lat']"), is(53.8));
    assertThat(eval("row['numbers'][1]"), is(20L));
    assertThat(eval("row.get('address')['city']"), is("Leeds"));
  }

  @Test
  void negativeListIndexCountsFromEnd() {
    assertThat(eval("row['numbers'][-1]"), is(30L));
  }

  @Test
  void subscriptKeyMayBeAnyExpression() {
    assertThat(eval("row['sta' + 'tus']"), is("active"));
  }

  @Test
  void rowAloneEvaluatesToTheRowMap() {
    assertThat(eval("row"), is(sameInstance(ROW)));
  }

  @Test
  void integerFieldsOfNarrowerJavaTypesBehaveAsInts() {
    Map<String, Object> row = row("count", 3);

    assertThat(eval("row['count'] + 1", row), is(4L));
    assertThat(eval("row['count'] == 3", row), is(true));
  }

  // ------------------------------------------------------------------ arithmetic

  @ParameterizedTest
  @MethodSource
  void arithmeticFollowsPythonSemantics(String source, Object expected) {
    assertThat(source, eval(source), is(equalTo(expected)));
  }

  static Stream<Arguments> arithmeticFollowsPythonSemantics() {
    return Stream.of(
        Arguments.of("7 // 2", 3L),
        Arguments.of("-7 // 2", -4L),
        Arguments.of("7 // -2", -4L),
        Arguments.of("-7 % 3", 2L),
        Arguments.of("7 % -3", -2L),
        Arguments.of("7 / 2", 3.5),
        Arguments.of("6 / 3", 2.0),
        Arguments.of("-7.5 // 2", -4.0),
        Arguments.of("-7.5 % 2", 0.5),
        Arguments.of("row['score'] + 0.5", 7.5),
        Arguments.of("row['score'] * 2 - 4", 10L),
        Arguments.of("2 + 3 * 4", 14L),
        Arguments.of("(2 + 3) * 4", 20L),
        Arguments.of("10 - 2 - 3", 5L),
        Arguments.of("-row['score']", -7L),
        Arguments.of("True + True", 2L),
        Arguments.of("'ab' + 'cd'", "abcd"),
        Arguments.of("'ab' * 3", "ababab"),
        Arguments.of("[1] + [2]", List.of(1L, 2L)));
  }

  @Test
  void intArithmeticStaysIntExceptTrueDivision() {
    assertThat(eval("7 * 3 // 2 % 5"), is(instanceOf(Long.class)));
    assertThat(eval("4 / 2"), is(instanceOf(Double.class)));
  }

  @Test
  void floatLiteralsAcceptPythonForms() {
    assertThat(eval("1e3"), is(1000.0));
    assertThat(eval(".5"), is(0.5));
    assertThat(eval("1_000"), is(1000L));
  }

  // ------------------------------------------------------------------ is / conditional / literals

  @Test
  void isNoneTestsForNone() {
    assertThat(eval("row['nothing'] is None"), is(true));
    assertThat(eval("row['zero'] is None"), is(false));
    assertThat(eval("row.get('absent') is None"), is(true));
  }

  @Test
  void isNotNoneTestsForPresence() {
    assertThat(eval("row['status'] is not None"), is(true));
    assertThat(eval("row['nothing'] is not None"), is(false));
  }

  @Test
  void isIsOnlyForNoneChecks() {
    Map<String, Object> row = row("one", 1L, "nothing", null);

    assertThat(eval("row['one'] == True", row), is(true));
    assertThat(eval("row['one'] is not None", row), is(true));
    assertThat(eval("row['nothing'] is None", row), is(true));
    assertThrows(ExpressionSyntaxException.class, () -> GateExpression.parse("row['one'] is True"));
  }

  @Test
  void conditionalExpressionSelectsBranchByCondition() {
    assertThat(eval("'high' if row['score'] > 5 else 'low'"), is("high"));
    assertThat(eval("'high' if row['score'] > 10 else 'low'"), is("low"));
  }

  @Test
  void conditionalExpressionEvaluatesOnlyTheChosenBranch() {
    assertThat(eval("row['no_such_field'] if False else 'safe'"), is("safe"));
  }

  @Test
  void conditionalExpressionIsRightAssociative() {
    assertThat(eval("'a' if row['zero'] else 'b' if row['empty'] else 'c'"), is("c"));
  }

  @Test
  void stringEscapesAreDecoded() {
    assertThat(eval("'a\\nb\\t\\'q\\' \\\\ \\x41\\u00e9\\101'"), is("a\nb\t'q' \\ A\u00e9A"));
    assertThat(eval("\"say \\\"hi\\\"\""), is("say \"hi\""));
  }

  @Test
  void rawStringsKeepBackslashes() {
    assertThat(eval("r'\\d+\\n'"), is("\\d+\\n"));
  }

  @Test
  void listAndTupleLiteralsEvaluateToLists() {
    assertThat(eval("[1, 'a', None]"), is(equalTo(Arrays.asList(1L, "a", null))));
    assertThat(eval("(1, 2.5)"), is(equalTo(List.of(1L, 2.5))));
    assertThat(eval("()"), is(equalTo(List.of())));
  }

  // ------------------------------------------------------------------ runtime errors

  @Test
  void missingFieldIsEvaluationErrorNamingTheField() {
    ExpressionEvaluationException error = evalFails("row['missing_field'] == 1");

    assertThat(
        error.getMessage(), allOf(containsString("KeyError"), containsString("'missing_field'")));
  }

  @Test
  void missingNestedKeyIsEvaluationErrorNamingTheKey() {
    assertThat(evalFails("row['address']['postcode']").getMessage(), containsString("'postcode'"));
  }

  @Test
  void addingStringAndIntIsEvaluationErrorNamingTheTypes() {
    ExpressionEvaluationException error = evalFails("row['status'] + 1");

    assertThat(
        error.getMessage(),
        allOf(containsString("TypeError"), containsString("'str'"), containsString("'int'")));
  }

  @Test
  void errorMessageGivesColumnOfFailingOperator() {
    assertThat(evalFails("row['status'] + 1").getMessage(), containsString("at column 14"));
  }

  @Test
  void divisionByZeroIsEvaluationError() {
    assertThat(
        evalFails("row['score'] / row['zero']").getMessage(), containsString("division by zero"));
    assertThat(evalFails("row['score'] // 0").getMessage(), containsString("ZeroDivisionError"));
    assertThat(evalFails("row['score'] % 0").getMessage(), containsString("ZeroDivisionError"));
  }

  @Test
  void listIndexOutOfRangeIsEvaluationError() {
    assertThat(evalFails("row['numbers'][3]").getMessage(), containsString("IndexError"));
  }

  @Test
  void subscriptingNoneIsEvaluationError() {
    assertThat(
        evalFails("row['nothing']['x']").getMessage(),
        containsString("'NoneType' object is not subscriptable"));
  }

  @Test
  void intArithmeticBeyondSixtyFourBitsIsExact() {
    assertThat(eval("9223372036854775807 + 1 == 9223372036854775808"), is(true));
  }

  // ------------------------------------------------------------------ the object itself

  @Test
  void sourceIsReturnedVerbatim() {
    String source = "  row['status']  ==  'active' ";

    assertThat(GateExpression.parse(source).source(), is(source));
  }

  @Test
  void javaSerializationRoundTripEvaluatesTheSame() throws Exception {
    GateExpression original =
        GateExpression.parse("row['score'] > 5 and 'ell' in row.get('name', '')");

    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(original);
    }
    GateExpression copy;
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      copy = (GateExpression) in.readObject();
    }

    assertThat(copy.source(), is(original.source()));
    assertThat(copy, is(equalTo(original)));
    assertThat(copy.evaluate(ROW), is(original.evaluate(ROW)));
    assertThat(copy.evaluate(row("score", 1L, "name", "x")), is(false));
  }
}

package io.elspeth.transforms.gate.expression;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasLength;
import static org.hamcrest.Matchers.instanceOf;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every evaluation runs on a budget: hostile conditions or rows fail, never the JVM. */
class ExpressionBudgetTest {

  private static final Map<String, Object> ROW =
      Map.of("customer", "acme", "s", "abcd", "one", "a", "items", List.of(1L, 2L), "n", 3L);

  private static ExpressionBudgetException breach(String source, Map<String, Object> row) {
    GateExpression expression = GateExpression.parse(source);
    return assertThrows(ExpressionBudgetException.class, () -> expression.evaluate(row));
  }

  private static ExpressionBudgetException breach(
      String source, Map<String, Object> row, ExpressionLimits limits) {
    GateExpression expression = GateExpression.parse(source);
    return assertThrows(ExpressionBudgetException.class, () -> expression.evaluate(row, limits));
  }

  private static String repeated(String part, String separator, int times) {
    return String.join(separator, Collections.nCopies(times, part));
  }

  // ------------------------------------------------------------------ characters

  @Test
  void aRowDependentRepetitionBeyondTheCharacterBudgetFailsTheEvaluation() {
    ExpressionBudgetException e =
        breach(repeated("row['customer']*9999999", " + ", 250) + " == 'x'", ROW);
    assertThat(
        e.getMessage(),
        allOf(
            containsString("budget exceeded"),
            containsString("1000000 characters"),
            containsString("at column 15")));
  }

  @Test
  void theCharacterBudgetCountsEveryStringBuiltInOneEvaluation() {
    ExpressionLimits tenChars = new ExpressionLimits(10, 100, 100);
    // Each concatenation (8 characters) fits alone; both together do not.
    assertThat(GateExpression.parse("row['s'] + row['s']").evaluate(ROW, tenChars), is("abcdabcd"));
    breach("(row['s'] + row['s']) == (row['s'] + row['s'])", ROW, tenChars);
  }

  @Test
  void aBudgetIsPerEvaluationNotPerExpression() {
    GateExpression expression = GateExpression.parse("row['one'] * 600000 != ''");
    for (int i = 0; i < 5; i++) {
      assertThat(expression.evaluate(ROW), is(true));
    }
  }

  @Test
  void aConstantBeyondTheCharacterBudgetIsRefusedAtParseTime() {
    ExpressionSyntaxException e =
        assertThrows(
            ExpressionSyntaxException.class,
            () -> GateExpression.parse(repeated("'a'*9999999", " + ", 250) + " == row['x']"));
    assertThat(
        e.getMessage(),
        allOf(
            containsString("can never be evaluated"),
            containsString("1000000 characters"),
            containsString("in one evaluation at column 3")));
    assertThat(e.column(), is(3));
  }

  @Test
  void constantsThatBreachOnlyTogetherAreRefusedWhenTheyAreOneConstantPart() {
    assertThrows(
        ExpressionSyntaxException.class,
        () -> GateExpression.parse("row['x'] == 'a' * 600000 + 'b' * 600000"));
  }

  @Test
  void aConstantInABranchThatMayNotBeTakenIsLeftToEvaluation() {
    GateExpression expression = GateExpression.parse("row['n'] if row['n'] > 0 else 'a' * 9999999");
    assertThat(expression.evaluate(ROW), is(3L));
    breach("row['n'] if row['n'] < 0 else 'a' * 9999999", ROW);
    GateExpression.parse("row['n'] > 0 or 'a' * 9999999");
  }

  // ------------------------------------------------------------------ elements

  @Test
  void aRepeatedListBeyondTheElementBudgetFailsTheEvaluation() {
    ExpressionBudgetException e = breach("row['items'] * 9999999 == []", ROW);
    assertThat(e.getMessage(), containsString("100000 list, tuple, set or dict elements"));
  }

  @Test
  void listConcatenationCountsTowardsTheElementBudget() {
    breach(repeated("row['items'] * 40000", " + ", 3) + " == []", ROW);
    assertThrows(
        ExpressionSyntaxException.class,
        () -> GateExpression.parse(repeated("[1] * 99999", " + ", 250) + " == row['x']"));
  }

  @Test
  void displaysCountTheirElements() {
    breach("[row['n'], row['n'], row['n']] == []", ROW, new ExpressionLimits(100, 2, 100));
  }

  // ------------------------------------------------------------------ steps

  @Test
  void everyEvaluatedNodeIsAStep() {
    ExpressionLimits tenSteps = new ExpressionLimits(100, 100, 10);
    assertThat(GateExpression.parse("row['n'] + 1 == 4").evaluate(ROW, tenSteps), is(true));
    ExpressionBudgetException e = breach(repeated("row['n']", " + ", 10) + " > 0", ROW, tenSteps);
    assertThat(e.getMessage(), containsString("more than 10 evaluation steps"));
  }

  @Test
  void elementComparisonsAreSteps() {
    List<Long> many = Collections.nCopies(50, 1L);
    Map<String, Object> row = Map.of("a", many, "b", many);
    ExpressionLimits limits = new ExpressionLimits(100, 100, 20);
    breach("row['a'] == row['b']", row, limits);
    breach("2 in row['a']", row, limits);
    breach("row['a'] < row['b']", row, limits);
  }

  @Test
  void aQuadraticComparisonOfBigListsRunsOutOfStepsNotTime() {
    Map<String, Object> row = Map.of("big", Collections.nCopies(1000, List.of(1L, 2L)));
    breach("[row['big']] * 1000 == [row['big']] * 1000", row);
  }

  @Test
  void aHugeConstantListIsRefusedAtParseTime() {
    String list = "[" + repeated("1", ",", 100_001) + "]";
    assertThrows(
        ExpressionSyntaxException.class, () -> GateExpression.parse(list + " == row['x']"));
  }

  // ------------------------------------------------------------------ nesting

  @Test
  void deepNestingIsASyntaxErrorNotAStackOverflow() {
    for (String deep :
        List.of(
            "(".repeat(100_000) + "1" + ")".repeat(100_000),
            "[".repeat(100_000) + "1" + "]".repeat(100_000),
            "not ".repeat(100_000) + "True",
            "-".repeat(100_000) + "1",
            "row" + "['a']".repeat(100_000),
            repeated("1", " + ", 100_000),
            "1 if True else ".repeat(100_000) + "1")) {
      ExpressionSyntaxException e =
          assertThrows(ExpressionSyntaxException.class, () -> GateExpression.parse(deep));
      assertThat(e.getMessage(), containsString("too deeply nested"));
    }
  }

  // ------------------------------------------------------------------ messages and search

  @Test
  void aHugeValueIsCutShortInAnErrorMessage() {
    ExpressionEvaluationException e =
        assertThrows(
            ExpressionEvaluationException.class,
            () -> GateExpression.parse("row[row['one'] * 900000]").evaluate(ROW));
    assertThat(e, is(instanceOf(ExpressionEvaluationException.class)));
    assertThat(e.getMessage(), containsString("KeyError"));
    assertThat(e.getMessage().length(), is(lessThan(600)));
  }

  @Test
  void substringSearchOfLongStringsIsCorrect() {
    String haystack = "ab".repeat(400_000) + "abc";
    assertThat(Substrings.contains(haystack, "ab".repeat(300_000) + "abc"), is(true));
    assertThat(Substrings.contains(haystack, "ab".repeat(300_000) + "abd"), is(false));
    assertThat(Substrings.contains("xx" + "a".repeat(40) + "yy", "a".repeat(40)), is(true));
    assertThat(Substrings.contains("a".repeat(39), "a".repeat(40)), is(false));
    assertThat(PythonValues.repr("x".repeat(1000)), hasLength(203));
  }
}

package io.elspeth.transforms.gate.expression;

/**
 * The resources one evaluation of a gate expression may use, so that no condition and no row can
 * exhaust the worker's memory or time. A breach fails the evaluation with an {@link
 * ExpressionBudgetException}; where the breach follows from the expression's literals alone, {@link
 * GateExpression#parse(String)} refuses the expression instead.
 *
 * @param maxChars characters of all strings one evaluation builds ({@code +}, {@code *}, {@code
 *     str()}), counting the decimal digits of integers that outgrow 64 bits
 * @param maxElements list, tuple, set and dict elements one evaluation builds (displays, {@code +},
 *     {@code *})
 * @param maxSteps evaluation steps: one per evaluated node and one per element compared
 */
public record ExpressionLimits(long maxChars, long maxElements, long maxSteps) {

  /** 1,000,000 characters, 100,000 elements and 100,000 steps per evaluation. */
  public static final ExpressionLimits DEFAULT =
      new ExpressionLimits(1_000_000L, 100_000L, 100_000L);

  public ExpressionLimits {
    if (maxChars < 1 || maxElements < 1 || maxSteps < 1) {
      throw new IllegalArgumentException(
          "expression limits must be positive: chars="
              + maxChars
              + ", elements="
              + maxElements
              + ", steps="
              + maxSteps);
    }
  }
}

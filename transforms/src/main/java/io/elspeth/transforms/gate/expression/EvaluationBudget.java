package io.elspeth.transforms.gate.expression;

/**
 * The running account of one evaluation against its {@link ExpressionLimits}. Callers charge a cost
 * <em>before</em> building the value it pays for, so an over-budget string or list is never
 * allocated. Not thread-safe: one instance per evaluation.
 */
final class EvaluationBudget {
  private final ExpressionLimits limits;
  private long chars;
  private long elements;
  private long steps;

  EvaluationBudget(ExpressionLimits limits) {
    this.limits = limits;
  }

  /** Charges one evaluation step. */
  void step() {
    if (++steps > limits.maxSteps()) {
      throw new ExpressionBudgetException(
          "budget exceeded: the expression needs more than "
              + limits.maxSteps()
              + " evaluation steps (operations and element comparisons) in one evaluation");
    }
  }

  /** Charges {@code count} characters (or big-integer digits) about to be built. */
  void chars(long count) {
    chars = charge(chars, count);
    if (chars > limits.maxChars()) {
      throw new ExpressionBudgetException(
          "budget exceeded: the expression would build more than "
              + limits.maxChars()
              + " characters of strings or integer digits in one evaluation");
    }
  }

  /** Charges {@code count} collection elements about to be built. */
  void elements(long count) {
    elements = charge(elements, count);
    if (elements > limits.maxElements()) {
      throw new ExpressionBudgetException(
          "budget exceeded: the expression would build more than "
              + limits.maxElements()
              + " list, tuple, set or dict elements in one evaluation");
    }
  }

  /** Characters still available, for building a value whose size is only known as it grows. */
  long remainingChars() {
    return Math.max(0L, limits.maxChars() - chars);
  }

  private static long charge(long spent, long count) {
    if (count < 0) {
      throw new IllegalStateException("a negative cost cannot be charged: " + count);
    }
    long total = spent + count;
    return total < 0 ? Long.MAX_VALUE : total;
  }
}

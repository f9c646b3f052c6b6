package io.elspeth.transforms.gate.expression;

import java.util.List;
import java.util.Map;

/**
 * Refuses, at parse time, an expression whose literals alone exceed the evaluation budget, such as
 * {@code 'a' * 9999999 == row['x']}: every row would fail, so the mistake belongs to validation.
 *
 * <p>Each largest sub-expression that does not read the row and is evaluated on every row (not a
 * branch of {@code if/else}, nor an operand after the first of {@code and}/{@code or}, nor after
 * the second of a chained comparison) is evaluated once with a fresh budget. Only a budget breach
 * is refused; any other failure (say {@code 1 / 0}) is left to evaluation, as Python would.
 */
final class ConstantBudgetCheck {

  private ConstantBudgetCheck() {}

  /**
   * @throws ExpressionSyntaxException naming the breached budget if a row-independent part of
   *     {@code root} cannot be evaluated within {@code limits}
   */
  static void check(Node root, ExpressionLimits limits) {
    if (!readsRow(root)) {
      tryEvaluate(root, limits);
      return;
    }
    for (Node child : alwaysEvaluated(root)) {
      check(child, limits);
    }
  }

  /** The children of {@code node} that every evaluation of {@code node} evaluates. */
  private static List<Node> alwaysEvaluated(Node node) {
    if (node instanceof OperatorNode.Conditional conditional) {
      return List.of(conditional.condition());
    } else if (node instanceof OperatorNode.And and) {
      return and.operands().subList(0, 1);
    } else if (node instanceof OperatorNode.Or or) {
      return or.operands().subList(0, 1);
    } else if (node instanceof OperatorNode.Comparison comparison) {
      return comparison.operands().subList(0, 2);
    }
    return node.children();
  }

  private static void tryEvaluate(Node constant, ExpressionLimits limits) {
    if (constant instanceof AtomNode.Literal) {
      return;
    }
    try {
      constant.evaluate(new Evaluation(Map.of(), new EvaluationBudget(limits)));
    } catch (ExpressionBudgetException e) {
      String reason = e.getMessage().replaceFirst(" at column \\d+$", "");
      throw new ExpressionSyntaxException(
          "a part that does not depend on the row can never be evaluated: " + reason,
          e.column() >= 0 ? e.column() : column(constant));
    } catch (ExpressionEvaluationException e) {
      // Not certain to happen: the part may sit in a branch that is never taken.
    }
  }

  private static boolean readsRow(Node node) {
    if (node instanceof AtomNode.RowReference || node instanceof PrimaryNode.RowGet) {
      return true;
    }
    for (Node child : node.children()) {
      if (readsRow(child)) {
        return true;
      }
    }
    return false;
  }

  /** The column of the first operator in {@code node}, for the error message. */
  private static int column(Node node) {
    if (node instanceof OperatorNode.Arithmetic arithmetic) {
      return arithmetic.column();
    } else if (node instanceof PrimaryNode.Subscript subscript) {
      return subscript.column();
    } else if (node instanceof OperatorNode.Negative negative) {
      return negative.column();
    } else if (node instanceof OperatorNode.Positive positive) {
      return positive.column();
    } else if (node instanceof OperatorNode.Comparison comparison) {
      return comparison.columns().get(0);
    } else if (node instanceof PrimaryNode.Call call) {
      return call.column();
    }
    for (Node child : node.children()) {
      int column = column(child);
      if (column > 0) {
        return column;
      }
    }
    return 0;
  }
}

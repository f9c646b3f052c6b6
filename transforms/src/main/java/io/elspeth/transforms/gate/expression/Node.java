package io.elspeth.transforms.gate.expression;

import java.util.List;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A node of a parsed gate expression. Every node evaluates itself over a row with Python semantics;
 * nodes that can fail at run time carry the 0-based source column of their operator so that an
 * {@link ExpressionEvaluationException} can say where the failure happened.
 *
 * <p>The node set is closed: the only names are {@code row}, {@code True}, {@code False} and {@code
 * None}, and the only calls are {@code row.get(...)} and the pure {@link Builtin}s, so no node can
 * reach anything beyond the row it is given. The nodes are grouped as Python's grammar groups them:
 * {@link AtomNode}s, {@link PrimaryNode}s and {@link OperatorNode}s.
 */
sealed interface Node permits AtomNode, PrimaryNode, OperatorNode {
  /**
   * Evaluates this node over {@code in.row()} to a Python value ({@code null} for {@code None}),
   * charging {@code in.budget()} one step for the node and whatever its operation builds or
   * compares.
   *
   * @throws ExpressionEvaluationException on a runtime error (missing key, type error, ...)
   * @throws ExpressionBudgetException when the evaluation would exceed its budget
   */
  @Nullable Object evaluate(Evaluation in);

  /** Returns the direct sub-expressions of this node. */
  List<Node> children();
}

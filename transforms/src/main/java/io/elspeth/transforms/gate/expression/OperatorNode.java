package io.elspeth.transforms.gate.expression;

import java.util.List;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The operators of a gate expression: {@code not}, unary {@code -} and {@code +}, arithmetic,
 * {@code and}/{@code or} (lazy, returning an operand as Python does), chained comparisons and the
 * conditional expression.
 */
sealed interface OperatorNode extends Node {
  /** {@code not operand}: always a {@link Boolean}. */
  record Not(Node operand) implements OperatorNode {
    @Override
    public Object evaluate(Evaluation in) {
      in.budget().step();
      return !PythonValues.isTruthy(operand.evaluate(in));
    }

    @Override
    public List<Node> children() {
      return List.of(operand);
    }
  }

  /** Unary {@code -operand}; {@code column} is that of the {@code -}. */
  record Negative(Node operand, int column) implements OperatorNode {
    @Override
    public Object evaluate(Evaluation in) {
      in.budget().step();
      Object value = operand.evaluate(in);
      try {
        return PythonArithmetic.negate(value, in.budget());
      } catch (PythonValues.Failure failure) {
        throw failure.at(column);
      } catch (ExpressionBudgetException breach) {
        throw breach.at(column);
      }
    }

    @Override
    public List<Node> children() {
      return List.of(operand);
    }
  }

  /** Unary {@code +operand}; {@code column} is that of the {@code +}. */
  record Positive(Node operand, int column) implements OperatorNode {
    @Override
    public Object evaluate(Evaluation in) {
      in.budget().step();
      Object value = operand.evaluate(in);
      try {
        return PythonArithmetic.plus(value);
      } catch (PythonValues.Failure failure) {
        throw failure.at(column);
      } catch (ExpressionBudgetException breach) {
        throw breach.at(column);
      }
    }

    @Override
    public List<Node> children() {
      return List.of(operand);
    }
  }

  /** {@code left op right} for an arithmetic operator; {@code column} is that of the operator. */
  record Arithmetic(ArithmeticOperator operator, Node left, Node right, int column)
      implements OperatorNode {
    @Override
    public Object evaluate(Evaluation in) {
      in.budget().step();
      Object leftValue = left.evaluate(in);
      Object rightValue = right.evaluate(in);
      try {
        return operator.apply(leftValue, rightValue, in.budget());
      } catch (PythonValues.Failure failure) {
        throw failure.at(column);
      } catch (ExpressionBudgetException breach) {
        throw breach.at(column);
      }
    }

    @Override
    public List<Node> children() {
      return List.of(left, right);
    }
  }

  /** {@code a and b and ...}: the first falsy operand, else the last, evaluating lazily. */
  record And(List<Node> operands) implements OperatorNode {
    public And {
      operands = List.copyOf(operands);
    }

    @Override
    public @Nullable Object evaluate(Evaluation in) {
      in.budget().step();
      Object value = null;
      for (Node operand : operands) {
        value = operand.evaluate(in);
        if (!PythonValues.isTruthy(value)) {
          return value;
        }
      }
      return value;
    }

    @Override
    public List<Node> children() {
      return operands;
    }
  }

  /** {@code a or b or ...}: the first truthy operand, else the last, evaluating lazily. */
  record Or(List<Node> operands) implements OperatorNode {
    public Or {
      operands = List.copyOf(operands);
    }

    @Override
    public @Nullable Object evaluate(Evaluation in) {
      in.budget().step();
      Object value = null;
      for (Node operand : operands) {
        value = operand.evaluate(in);
        if (PythonValues.isTruthy(value)) {
          return value;
        }
      }
      return value;
    }

    @Override
    public List<Node> children() {
      return operands;
    }
  }

  /**
   * A possibly chained comparison {@code a op1 b op2 c ...}, meaning {@code a op1 b and b op2 c}
   * with each operand evaluated at most once and evaluation stopping at the first false link.
   * {@code operators.get(i)} sits at {@code columns.get(i)} between {@code operands.get(i)} and
   * {@code operands.get(i + 1)}.
   */
  record Comparison(List<Node> operands, List<ComparisonOperator> operators, List<Integer> columns)
      implements OperatorNode {
    public Comparison {
      operands = List.copyOf(operands);
      operators = List.copyOf(operators);
      columns = List.copyOf(columns);
      if (operators.isEmpty()
          || operands.size() != operators.size() + 1
          || columns.size() != operators.size()) {
        throw new IllegalArgumentException("a comparison needs n operators between n + 1 operands");
      }
    }

    @Override
    public Object evaluate(Evaluation in) {
      in.budget().step();
      Object left = operands.get(0).evaluate(in);
      for (int i = 0; i < operators.size(); i++) {
        Object right = operands.get(i + 1).evaluate(in);
        boolean holds;
        try {
          holds = operators.get(i).test(left, right, in.budget());
        } catch (PythonValues.Failure failure) {
          throw failure.at(columns.get(i));
        } catch (ExpressionBudgetException breach) {
          throw breach.at(columns.get(i));
        }
        if (!holds) {
          return false;
        }
        left = right;
      }
      return true;
    }

    @Override
    public List<Node> children() {
      return operands;
    }
  }

  /** {@code whenTrue if condition else whenFalse}, evaluating only the chosen branch. */
  record Conditional(Node condition, Node whenTrue, Node whenFalse) implements OperatorNode {
    @Override
    public @Nullable Object evaluate(Evaluation in) {
      in.budget().step();
      return PythonValues.isTruthy(condition.evaluate(in))
          ? whenTrue.evaluate(in)
          : whenFalse.evaluate(in);
    }

    @Override
    public List<Node> children() {
      return List.of(condition, whenTrue, whenFalse);
    }
  }
}

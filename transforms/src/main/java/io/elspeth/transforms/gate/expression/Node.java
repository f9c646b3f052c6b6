package io.elspeth.transforms.gate.expression;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A node of a parsed gate expression. Every node evaluates itself over a row with Python semantics;
 * nodes that can fail at run time carry the 0-based source column of their operator so that an
 * {@link ExpressionEvaluationException} can say where the failure happened.
 *
 * <p>The node set is closed: the only names are {@code row}, {@code True}, {@code False} and {@code
 * None}, and the only calls are {@code row.get(...)} and the pure {@link Builtin}s, so no node can
 * reach anything beyond the row it is given.
 */
sealed interface Node {
  /**
   * Evaluates the elements of a list, tuple or set display in order, charging one step and one
   * element each to the evaluation's budget first.
   */
  static List<Object> evaluateDisplay(List<Node> elements, Evaluation in) {
    in.budget().step();
    in.budget().elements(elements.size());
    List<Object> values = new ArrayList<>(elements.size());
    for (Node element : elements) {
      values.add(element.evaluate(in));
    }
    return values;
  }


  /**
   * Evaluates this node over {@code in.row()}, charging {@code in.budget()} one step for the node
   * and whatever its operation builds or compares.
   *
   * @throws ExpressionEvaluationException on a runtime error (missing key, type error, ...)
   * @throws ExpressionBudgetException when the evaluation would exceed its budget
   */
  Object evaluate(Evaluation in);

  /** Returns the direct sub-expressions of this node. */
  List<Node> children();

  /** A literal: {@code Long}, {@code Double}, {@code String}, {@code Boolean} or {@code null}. */
  record Literal(Object value) implements Node {
    @Override
    public Object evaluate(Evaluation in) {
      in.budget().step();
      return value;
    }

    @Override
    public List<Node> children() {
      return List.of();
    }
  }

  /** The name {@code row}: the row map itself. */
  record RowReference() implements Node {
    @Override
    public Object evaluate(Evaluation in) {
      in.budget().step();
      return in.row();
    }

    @Override
    public List<Node> children() {
      return List.of();
    }
  }

  /**
   * A list {@code [a, b]} or tuple {@code (a, b)} display; both evaluate to an unmodifiable list.
   */
  record Sequence(List<Node> elements) implements Node {
    public Sequence {
      elements = List.copyOf(elements);
    }

    @Override
    public Object evaluate(Evaluation in) {
      List<Object> values = Node.evaluateDisplay(elements, in);
      return Collections.unmodifiableList(values);
    }

    @Override
    public List<Node> children() {
      return elements;
    }
  }

  /**
   * A dict display {@code {k: v, ...}} (an unmodifiable map in display order); {@code column} is
   * that of the <code>{</code>.
   */
  record DictDisplay(List<Node> keys, List<Node> values, int column) implements Node {
    public DictDisplay {
      keys = List.copyOf(keys);
      values = List.copyOf(values);
      if (keys.size() != values.size()) {
        throw new IllegalArgumentException("a dict display needs one value per key");
      }
    }

    @Override
    public Object evaluate(Evaluation in) {
      in.budget().step();
      in.budget().elements(keys.size());
      List<Object> keyValues = new ArrayList<>(keys.size());
      List<Object> valueValues = new ArrayList<>(keys.size());
      for (int i = 0; i < keys.size(); i++) {
        keyValues.add(keys.get(i).evaluate(in));
        valueValues.add(values.get(i).evaluate(in));
      }
      try {
        return PythonContainers.dict(keyValues, valueValues, in.budget());
      } catch (PythonValues.Failure failure) {
        throw failure.at(column);
      }
    }

    @Override
    public List<Node> children() {
      List<Node> children = new ArrayList<>(keys);
      children.addAll(values);
      return children;
    }
  }

  /**
   * A set display {@code {a, b}} (an unmodifiable set); {@code column} is that of the <code>{
   * </code>.
   */
  record SetDisplay(List<Node> elements, int column) implements Node {
    public SetDisplay {
      elements = List.copyOf(elements);
    }

    @Override
    public Object evaluate(Evaluation in) {
      List<Object> values = Node.evaluateDisplay(elements, in);
      try {
        return PythonContainers.set(values, in.budget());
      } catch (PythonValues.Failure failure) {
        throw failure.at(column);
      }
    }

    @Override
    public List<Node> children() {
      return elements;
    }
  }

  /** A call of a built-in function; {@code column} is that of its name. */
  record Call(Builtin function, List<Node> arguments, int column) implements Node {
    public Call {
      arguments = List.copyOf(arguments);
      if (!function.accepts(arguments.size())) {
        throw new IllegalArgumentException(function.pythonName() + "() takes " + function.arity());
      }
    }

    @Override
    public Object evaluate(Evaluation in) {
      in.budget().step();
      List<Object> values = new ArrayList<>(arguments.size());
      for (Node argument : arguments) {
        values.add(argument.evaluate(in));
      }
      try {
        return function.apply(values, in.budget());
      } catch (PythonValues.Failure failure) {
        throw failure.at(column);
      } catch (ExpressionBudgetException breach) {
        throw breach.at(column);
      }
    }

    @Override
    public List<Node> children() {
      return arguments;
    }
  }

  /** {@code target[index]}; {@code column} is that of the {@code [}. */
  record Subscript(Node target, Node index, int column) implements Node {
    @Override
    public Object evaluate(Evaluation in) {
      in.budget().step();
      Object container = target.evaluate(in);
      Object key = index.evaluate(in);
      try {
        return PythonContainers.subscript(container, key, target instanceof RowReference, in.budget());
      } catch (PythonValues.Failure failure) {
        throw failure.at(column);
      } catch (ExpressionBudgetException breach) {
        throw breach.at(column);
      }
    }

    @Override
    public List<Node> children() {
      return List.of(target, index);
    }
  }

  /**
   * {@code row.get(key)} or {@code row.get(key, fallback)}; a missing fallback is {@code None}.
   * {@code column} is that of {@code get}.
   */
  record RowGet(Node key, Node fallback, int column) implements Node {
    @Override
    public Object evaluate(Evaluation in) {
      in.budget().step();
      Object keyValue = key.evaluate(in);
      Object fallbackValue = fallback.evaluate(in);
      try {
        return PythonContainers.get(in.row(), keyValue, fallbackValue, in.budget());
      } catch (PythonValues.Failure failure) {
        throw failure.at(column);
      } catch (ExpressionBudgetException breach) {
        throw breach.at(column);
      }
    }

    @Override
    public List<Node> children() {
      return List.of(key, fallback);
    }
  }

  /** {@code not operand}: always a {@link Boolean}. */
  record Not(Node operand) implements Node {
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
  record Negative(Node operand, int column) implements Node {
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
  record Positive(Node operand, int column) implements Node {
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
      implements Node {
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
  record And(List<Node> operands) implements Node {
    public And {
      operands = List.copyOf(operands);
    }

    @Override
    public Object evaluate(Evaluation in) {
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
  record Or(List<Node> operands) implements Node {
    public Or {
      operands = List.copyOf(operands);
    }

    @Override
    public Object evaluate(Evaluation in) {
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
      implements Node {
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
  record Conditional(Node condition, Node whenTrue, Node whenFalse) implements Node {
    @Override
    public Object evaluate(Evaluation in) {
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

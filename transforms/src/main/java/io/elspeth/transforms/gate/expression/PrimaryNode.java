package io.elspeth.transforms.gate.expression;

import java.util.ArrayList;
import java.util.List;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The primaries of a gate expression, as Python's grammar calls them: calls of the {@link
 * Builtin}s, subscriptions and {@code row.get(...)}; each carries the column of its operator for
 * the errors it can raise.
 */
sealed interface PrimaryNode extends Node {
  /** A call of a built-in function; {@code column} is that of its name. */
  record Call(Builtin function, List<Node> arguments, int column) implements PrimaryNode {
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
  record Subscript(Node target, Node index, int column) implements PrimaryNode {
    @Override
    public @Nullable Object evaluate(Evaluation in) {
      in.budget().step();
      Object container = target.evaluate(in);
      Object key = index.evaluate(in);
      try {
        return PythonContainers.subscript(
            container, key, target instanceof AtomNode.RowReference, in.budget());
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
  record RowGet(Node key, Node fallback, int column) implements PrimaryNode {
    @Override
    public @Nullable Object evaluate(Evaluation in) {
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
}

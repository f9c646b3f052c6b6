package io.elspeth.transforms.gate.expression;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The atoms of a gate expression, as Python's grammar calls them: literals, the name {@code row},
 * and list, tuple, dict and set displays.
 */
sealed interface AtomNode extends Node {
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

  /** A literal: {@code Long}, {@code Double}, {@code String}, {@code Boolean} or {@code null}. */
  record Literal(@Nullable Object value) implements AtomNode {
    @Override
    public @Nullable Object evaluate(Evaluation in) {
      in.budget().step();
      return value;
    }

    @Override
    public List<Node> children() {
      return List.of();
    }
  }

  /** The name {@code row}: the row map itself. */
  record RowReference() implements AtomNode {
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
  record Sequence(List<Node> elements) implements AtomNode {
    public Sequence {
      elements = List.copyOf(elements);
    }

    @Override
    public Object evaluate(Evaluation in) {
      List<Object> values = AtomNode.evaluateDisplay(elements, in);
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
  record DictDisplay(List<Node> keys, List<Node> values, int column) implements AtomNode {
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
  record SetDisplay(List<Node> elements, int column) implements AtomNode {
    public SetDisplay {
      elements = List.copyOf(elements);
    }

    @Override
    public Object evaluate(Evaluation in) {
      List<Object> values = AtomNode.evaluateDisplay(elements, in);
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
}

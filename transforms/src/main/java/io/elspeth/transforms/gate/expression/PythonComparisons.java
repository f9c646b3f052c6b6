package io.elspeth.transforms.gate.expression;

import static io.elspeth.transforms.gate.expression.PythonNumbers.isNumber;
import static io.elspeth.transforms.gate.expression.PythonValues.normalize;
import static io.elspeth.transforms.gate.expression.PythonValues.typeName;

import io.elspeth.transforms.gate.expression.PythonValues.Failure;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntPredicate;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Python's comparisons over row values (see {@link PythonValues} for the value model): {@code ==}
 * (numeric across bool/int/float, structural for collections), ordering, {@code is} and {@code in}.
 * Each comparison is a step of the {@link EvaluationBudget}.
 */
final class PythonComparisons {
  private PythonComparisons() {}

  /**
   * Python {@code ==}: numeric across bool/int/float, structural for lists, sets and dicts. Each
   * comparison, including each element comparison, is one step of {@code budget}.
   */
  static boolean pyEquals(@Nullable Object left, @Nullable Object right, EvaluationBudget budget) {
    budget.step();
    Object a = normalize(left);
    Object b = normalize(right);
    if (a == null || b == null) {
      return a == b;
    }
    if (isNumber(a) && isNumber(b)) {
      Integer order = PythonNumbers.compare(a, b);
      return order != null && order == 0;
    }
    if (a instanceof List && b instanceof List) {
      List<?> la = (List<?>) a;
      List<?> lb = (List<?>) b;
      if (la.size() != lb.size()) {
        return false;
      }
      Iterator<?> ib = lb.iterator();
      for (Object element : la) {
        if (!pyEquals(element, ib.next(), budget)) {
          return false;
        }
      }
      return true;
    }
    if (a instanceof Set && b instanceof Set) {
      Set<?> sa = (Set<?>) a;
      Set<?> sb = (Set<?>) b;
      return sa.size() == sb.size()
          && sa.stream().allMatch(x -> sb.stream().anyMatch(y -> pyEquals(x, y, budget)));
    }
    if (a instanceof Map && b instanceof Map) {
      Map<?, ?> ma = (Map<?, ?>) a;
      Map<?, ?> mb = (Map<?, ?>) b;
      if (ma.size() != mb.size()) {
        return false;
      }
      for (Map.Entry<?, ?> entry : ma.entrySet()) {
        Object other = PythonContainers.lookup(mb, normalize(entry.getKey()), budget);
        if (other == PythonContainers.MISSING || !pyEquals(entry.getValue(), other, budget)) {
          return false;
        }
      }
      return true;
    }
    return a.equals(b);
  }

  /**
   * Python ordering ({@code <}, {@code <=}, {@code >}, {@code >=}) between numbers, strings (by
   * code point), lists (lexicographically) or same-class {@link Comparable} values.
   *
   * @param symbol the operator, for the error message
   * @param outcome whether the comparison holds given the sign of left compared with right
   * @throws Failure for operands Python cannot order, e.g. {@code 'a' < 1}
   */
  static boolean ordered(
      String symbol,
      IntPredicate outcome,
      @Nullable Object left,
      @Nullable Object right,
      EvaluationBudget budget) {
    budget.step();
    Object a = normalize(left);
    Object b = normalize(right);
    if (isNumber(a) && isNumber(b)) {
      Integer order = PythonNumbers.compare(a, b);
      return order != null && outcome.test(order);
    }
    if (a instanceof String && b instanceof String) {
      return outcome.test(compareCodePoints((String) a, (String) b));
    }
    if (a instanceof List && b instanceof List) {
      List<?> la = (List<?>) a;
      List<?> lb = (List<?>) b;
      int common = Math.min(la.size(), lb.size());
      for (int i = 0; i < common; i++) {
        if (!pyEquals(la.get(i), lb.get(i), budget)) {
          return ordered(symbol, outcome, la.get(i), lb.get(i), budget);
        }
      }
      return outcome.test(Integer.compare(la.size(), lb.size()));
    }
    if (a != null
        && b != null
        && a.getClass() == b.getClass()
        && a instanceof Comparable
        && !(a instanceof Boolean)
        && !(a instanceof Collection)
        && !(a instanceof Map)) {
      @SuppressWarnings("unchecked")
      Comparable<Object> comparable = (Comparable<Object>) a;
      return outcome.test(comparable.compareTo(b));
    }
    throw new Failure(
        "TypeError: '"
            + symbol
            + "' not supported between instances of '"
            + typeName(a)
            + "' and '"
            + typeName(b)
            + "'");
  }

  private static int compareCodePoints(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int ca = a.codePointAt(i);
      int cb = b.codePointAt(j);
      if (ca != cb) {
        return Integer.compare(ca, cb);
      }
      i += Character.charCount(ca);
      j += Character.charCount(cb);
    }
    return Boolean.compare(i < a.length(), j < b.length());
  }

  /**
   * Python {@code is}: None, True and False are singletons; equal ints, floats or strings count as
   * the same object (so the answer never depends on boxing caches); anything else must be the same
   * Java object.
   */
  static boolean isSameObject(@Nullable Object left, @Nullable Object right) {
    Object a = normalize(left);
    Object b = normalize(right);
    if (a == null || b == null) {
      return a == b;
    }
    if (a instanceof Boolean
        || b instanceof Boolean
        || a instanceof Long
        || b instanceof Long
        || a instanceof Double
        || b instanceof Double
        || a instanceof String
        || b instanceof String) {
      return a.equals(b);
    }
    return a == b;
  }

  /**
   * Python {@code in}: substring test for strings, key test for dicts, element equality for lists,
   * tuples and sets.
   */
  static boolean contains(
      @Nullable Object container, @Nullable Object item, EvaluationBudget budget) {
    Object c = normalize(container);
    Object x = normalize(item);
    if (c instanceof String) {
      if (!(x instanceof String)) {
        throw new Failure(
            "TypeError: 'in <string>' requires string as left operand, not " + typeName(x));
      }
      return Substrings.contains((String) c, (String) x);
    }
    if (c instanceof Map) {
      PythonContainers.requireHashable(x);
      return PythonContainers.lookup((Map<?, ?>) c, x, budget) != PythonContainers.MISSING;
    }
    if (c instanceof Collection) {
      if (c instanceof Set) {
        PythonContainers.requireHashable(x);
      }
      for (Object element : (Collection<?>) c) {
        if (pyEquals(element, x, budget)) {
          return true;
        }
      }
      return false;
    }
    throw new Failure("TypeError: argument of type '" + typeName(c) + "' is not iterable");
  }
}

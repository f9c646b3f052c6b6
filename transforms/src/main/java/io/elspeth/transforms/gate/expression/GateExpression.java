package io.elspeth.transforms.gate.expression;

import java.io.InvalidObjectException;
import java.io.ObjectStreamException;
import java.io.Serializable;
import java.util.Map;
import java.util.Objects;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A gate condition written in ELSPETH's restricted, Python-like expression language, parsed once
 * into a syntax tree and evaluated over rows. The source is never compiled or executed as code.
 *
 * <p>The language is the subset of Python expressions that ELSPETH's expression parser accepts,
 * with Python semantics:
 *
 * <ul>
 *   <li>Literals: integers ({@link Long}, or {@link java.math.BigInteger} beyond 64 bits; up to
 *       4,300 digits), floats ({@link Double}, e.g. {@code 1.5}, {@code 1e3}, {@code .5}), strings
 *       in single, double or triple quotes with Python backslash escapes and optional {@code r}/
 *       {@code u} prefix, {@code True}, {@code False}, {@code None}; list {@code [a, b]} and tuple
 *       {@code (a, b)} displays (both a {@link java.util.List}), dict {@code {k: v}} ({@link
 *       java.util.Map}) and set {@code {a, b}} ({@link java.util.Set}) displays; {@code {}} is an
 *       empty dict.
 *   <li>Row access: {@code row['field']} (any expression as key; nested subscripts such as {@code
 *       row['a']['b']}, {@code row['items'][-1]} and {@code row.get('d', {})['k']} work on dicts,
 *       lists and strings), {@code row.get('field')} and {@code row.get('field', default)}; {@code
 *       row} alone is the row map. Only {@code row}, {@code row[...]} and {@code row.get(...)} may
 *       be subscripted, as in ELSPETH ({@code 'abc'[0]} is refused).
 *   <li>Calls of {@code len}, {@code str}, {@code int} (of a bool, number or decimal string),
 *       {@code float} (of a bool, number or string), {@code bool} and {@code abs}, positional
 *       arguments only.
 *   <li>Comparisons {@code == != < <= > >=}, chained as in {@code 0 < row['x'] <= 10}, {@code in},
 *       {@code not in}, and {@code is}/{@code is not} with {@code None} on one side.
 *   <li>{@code and}, {@code or} (short-circuit, returning an operand as Python does), {@code not}.
 *   <li>Arithmetic {@code + - * / // %} and unary {@code - +}: int arithmetic stays int except
 *       {@code /} and never overflows (results beyond 64 bits are {@link java.math.BigInteger}s);
 *       {@code //} floors and {@code %} takes the divisor's sign; mixing int and float gives float;
 *       {@code +} concatenates strings or lists; {@code *} repeats a string or list.
 *   <li>The conditional expression {@code a if condition else b}, and parentheses.
 * </ul>
 *
 * <p>Truthiness, numeric equality ({@code 1 == 1.0}, {@code True == 1}) and the error cases follow
 * Python: ordering values of unrelated types (e.g. {@code 'a' < 1}) is an error while {@code ==}
 * between them is simply {@code False}. Lists and tuples are both {@link java.util.List}s, so
 * unlike Python {@code (1, 2) == [1, 2]} is {@code True} and a tuple cannot be a set element or
 * dict key; {@code %} is numeric only (no string formatting); sets cannot be ordered (no subset
 * {@code <}).
 *
 * <p>Everything else is rejected by {@link #parse(String)}: names other than {@code row}, {@code
 * True}, {@code False}, {@code None} and the called built-ins; attribute access other than {@code
 * row.get}; other calls; lambdas, comprehensions and generator expressions, imports, assignments
 * and {@code :=}, semicolons, f-strings, keyword arguments, starred expressions and {@code **}
 * unpacking, slices, bitwise operators and the power operator {@code **}.
 *
 * <p>Every evaluation runs on a budget ({@link ExpressionLimits#DEFAULT}: 1,000,000 characters of
 * strings built, 100,000 collection elements built, 100,000 steps); a breach is an {@link
 * ExpressionBudgetException}, never an exhausted heap or stack. An expression whose literals alone
 * breach it (e.g. {@code 'a' * 9999999}) is refused by {@link #parse(String)}, and nesting is
 * bounded at parse time too.
 *
 * <p>Instances are immutable, thread-safe and {@link Serializable}; only the source is written, and
 * it is parsed and validated again when the object is read back.
 */
public final class GateExpression implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String source;
  private final transient Node root;

  private GateExpression(String source, Node root) {
    this.source = source;
    this.root = root;
  }

  /**
   * Parses and validates a gate expression.
   *
   * @param source the expression, e.g. {@code row['confidence'] >= 0.85}
   * @return the parsed expression
   * @throws ExpressionSyntaxException if the source is malformed or uses a forbidden construct, is
   *     nested too deeply, or has a row-independent part that exceeds the default evaluation
   *     budget; the message names the construct or what was expected and ends with {@code at column
   *     N} (0-based offset into {@code source})
   * @throws NullPointerException if {@code source} is null
   */
  public static GateExpression parse(String source) {
    Objects.requireNonNull(source, "source");
    Node root = Parser.parse(source);
    ConstantBudgetCheck.check(root, ExpressionLimits.DEFAULT);
    return new GateExpression(source, root);
  }

  /** Returns the expression exactly as given to {@link #parse(String)}. */
  public String source() {
    return source;
  }

  /**
   * Evaluates the expression over one row.
   *
   * @param row field name to value; values may be {@link String}, {@link Long} (or another integral
   *     boxed type), {@link Double} (or {@link Float}), {@link Boolean}, {@code null}, {@link
   *     java.util.List} and {@link java.util.Map}, nested freely
   * @return the Python value of the expression: {@link Boolean} for comparisons and {@code not};
   *     for {@code and}/{@code or}/conditional expressions the selected operand's value; {@code
   *     null} for Python's {@code None}
   * @throws ExpressionEvaluationException on a runtime error, such as a field read with {@code
   *     row['x']} that the row lacks (the message names the field), an unsupported operand type, an
   *     index out of range, division by zero or a failed conversion; an {@link
   *     ExpressionBudgetException} when the evaluation would exceed {@link
   *     ExpressionLimits#DEFAULT}
   * @throws NullPointerException if {@code row} is null
   */
  public @Nullable Object evaluate(Map<String, Object> row) {
    return evaluate(row, ExpressionLimits.DEFAULT);
  }

  /**
   * Evaluates the expression over one row within {@code limits}.
   *
   * @see #evaluate(Map)
   */
  public @Nullable Object evaluate(Map<String, Object> row, ExpressionLimits limits) {
    Objects.requireNonNull(row, "row");
    Objects.requireNonNull(limits, "limits");
    return root.evaluate(new Evaluation(row, new EvaluationBudget(limits)));
  }

  /**
   * Python's {@code str()} of a value an expression returned (e.g. {@code None}, {@code 1e+16},
   * {@code ['a', 1]}), which is how ELSPETH names the route of a non-boolean result. A value whose
   * text would exceed the default budget is given as a shortened {@code repr}.
   */
  public static String pythonStr(@Nullable Object value) {
    try {
      return Builtin.str(value, new EvaluationBudget(ExpressionLimits.DEFAULT));
    } catch (ExpressionEvaluationException | PythonValues.Failure tooBig) {
      return PythonValues.repr(value);
    }
  }

  /** Re-parses the source after deserialisation, so a tampered stream is validated too. */
  private Object readResolve() throws ObjectStreamException {
    if (source == null) {
      throw new InvalidObjectException("GateExpression without a source");
    }
    try {
      return parse(source);
    } catch (ExpressionSyntaxException e) {
      InvalidObjectException invalid =
          new InvalidObjectException("invalid gate expression: " + e.getMessage());
      invalid.initCause(e);
      throw invalid;
    }
  }

  /** Two expressions are equal when their sources are identical. */
  @Override
  public boolean equals(Object other) {
    return other instanceof GateExpression && ((GateExpression) other).source.equals(source);
  }

  @Override
  public int hashCode() {
    return source.hashCode();
  }

  @Override
  public String toString() {
    return "GateExpression[" + source + "]";
  }
}

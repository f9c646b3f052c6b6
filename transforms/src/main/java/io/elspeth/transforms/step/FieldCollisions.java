package io.elspeth.transforms.step;

import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * ELSPETH's field-collision rule: a transform that adds fields to a row must not silently overwrite
 * fields the row already has (a silent overwrite is data loss). The step checks a transform's
 * {@link RowTransform#declaredOutputFields()} against each input row before the transform runs, so
 * a colliding row fails without any external call being paid for.
 */
public final class FieldCollisions {
  private FieldCollisions() {}

  /** The names of {@code added} already in {@code existing}, sorted; empty when none. */
  public static List<String> detect(Set<String> existing, Collection<String> added) {
    return added.stream().filter(existing::contains).distinct().sorted().toList();
  }

  /** A row would lose fields to a transform's output: the row fails with this. */
  public static final class CollisionException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public CollisionException(String transform, List<String> fields) {
      super(
          "transform '"
              + transform
              + "' would overwrite existing input fields "
              + fields
              + ": the transform's output fields collide with fields already in the row (field_collision);"
              + " rename the input fields or choose other output field names");
    }
  }
}

package io.elspeth.transforms.gate;

import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The fork branches of one gate that runs being resumed already delivered: for a source row
 * index, the branch names whose child token, and everything derived from it, reached terminal
 * outcomes, each with the run that delivered it. A resumed run processes such a row again for its
 * unfinished branches only; the gate forks it to the others, so a sink fed by a delivered branch
 * does not receive the row twice and that branch's external calls are not paid again.
 */
public final class DeliveredBranches implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final DeliveredBranches NONE = new DeliveredBranches(Map.of());

  private final Map<Long, Map<String, String>> byRow;

  private DeliveredBranches(Map<Long, Map<String, String>> byRow) {
    this.byRow = byRow;
  }

  /** No branch delivered: a gate of a run that resumes nothing forks to every path. */
  public static DeliveredBranches none() {
    return NONE;
  }

  /** Collects delivered branches; not thread-safe. */
  public static Builder builder() {
    return new Builder();
  }

  /** The run that delivered {@code branch} of the row at {@code rowIndex}, if one did. */
  public Optional<String> deliveredBy(long rowIndex, String branch) {
    Map<String, String> branches = byRow.get(rowIndex);
    return branches == null ? Optional.empty() : Optional.ofNullable(branches.get(branch));
  }

  public boolean isEmpty() {
    return byRow.isEmpty();
  }

  /** The number of (row, branch) pairs. */
  public int size() {
    return byRow.values().stream().mapToInt(Map::size).sum();
  }

  /** Builds a {@link DeliveredBranches}. */
  public static final class Builder {
    private final Map<Long, Map<String, String>> byRow = new HashMap<>();

    /** Records that {@code runId} delivered {@code branch} of the row at {@code rowIndex}. */
    public Builder add(long rowIndex, String branch, String runId) {
      byRow.computeIfAbsent(rowIndex, k -> new HashMap<>()).putIfAbsent(branch, runId);
      return this;
    }

    public DeliveredBranches build() {
      return byRow.isEmpty() ? NONE : new DeliveredBranches(new HashMap<>(byRow));
    }
  }
}

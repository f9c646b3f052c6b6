package io.elspeth.transforms.gate;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The fork branches of one gate that runs being resumed already delivered. A branch is delivered
 * for one token reaching the gate, named by its source row index and its {@link
 * io.elspeth.audit.token.Token#order() order} (empty for the row itself; the child index of an
 * expansion, the output index of a batch, the path index of an earlier fork, which are the same in
 * every run of the pipeline), when its child token, and everything derived from it, reached
 * terminal outcomes; each with the run that delivered it. A resumed run processes such a row again
 * for its unfinished branches only: the gate forks each token to the others, so a sink fed by a
 * delivered branch does not receive the token twice and that branch's external calls are not paid
 * again.
 */
public final class DeliveredBranches implements Serializable {
  private static final long serialVersionUID = 2L;
  private static final DeliveredBranches NONE = new DeliveredBranches(Map.of());

  /** Row index, then token order, then branch name to the run that delivered it. */
  private final Map<Long, Map<List<Integer>, Map<String, String>>> byRow;

  private DeliveredBranches(Map<Long, Map<List<Integer>, Map<String, String>>> byRow) {
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

  /**
   * The run that delivered {@code branch} of the token of the row at {@code rowIndex} whose order
   * is {@code order}, if one did.
   */
  public Optional<String> deliveredBy(long rowIndex, List<Integer> order, String branch) {
    Map<List<Integer>, Map<String, String>> tokens = byRow.get(rowIndex);
    if (tokens == null) {
      return Optional.empty();
    }
    Map<String, String> branches = tokens.get(order);
    return branches == null ? Optional.empty() : Optional.ofNullable(branches.get(branch));
  }

  public boolean isEmpty() {
    return byRow.isEmpty();
  }

  /** The number of (token, branch) pairs. */
  public int size() {
    return byRow.values().stream().flatMap(t -> t.values().stream()).mapToInt(Map::size).sum();
  }

  /** Builds a {@link DeliveredBranches}. */
  public static final class Builder {
    private final Map<Long, Map<List<Integer>, Map<String, String>>> byRow = new HashMap<>();

    /**
     * Records that {@code runId} delivered {@code branch} of the token of the row at {@code
     * rowIndex} whose order is {@code order}; the first run recorded for a branch is kept.
     */
    public Builder add(long rowIndex, List<Integer> order, String branch, String runId) {
      byRow
          .computeIfAbsent(rowIndex, k -> new HashMap<>())
          .computeIfAbsent(new ArrayList<>(order), k -> new HashMap<>())
          .putIfAbsent(branch, runId);
      return this;
    }

    public DeliveredBranches build() {
      return byRow.isEmpty() ? NONE : new DeliveredBranches(new HashMap<>(byRow));
    }
  }
}

package io.elspeth.api;

import io.elspeth.audit.token.Token;
import io.elspeth.plugin.StepContext;
import io.elspeth.transforms.dag.CoalesceStep;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PCollectionList;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A coalesce (the settings' {@code coalesce:} entry) as a Beam transform: joins the children of one
 * fork, one input per branch in the order of {@code branches}, in the settings' join step ({@link
 * CoalesceStep}): held until the policy is met, then merged into one token of the row (on {@link
 * StepResult#main()}); a join that cannot be made ends its branch tokens {@code failed}. Added to
 * {@link ElspethPipeline.Builder#coalesce} it is written as the settings entry a file holds, its
 * merged rows going to the default sink.
 *
 * <pre>{@code
 * StepResult forked = tokens.apply(ElspethTransforms.gate("True").named("split")
 *     .route("true", "fork").forkTo("a", "b"));
 * StepResult joined = PCollectionList.of(forked.branch("a")).and(forked.branch("b"))
 *     .apply(ElspethTransforms.coalesce("a", "b").named("merge").nested());
 * }</pre>
 */
public final class Coalesce extends PTransform<PCollectionList<Token>, StepResult> {
  private static final long serialVersionUID = 1L;

  private final @Nullable String name;
  private final List<String> branches;
  private final CoalesceStep.Policy policy;
  private final CoalesceStep.Merge merge;
  private final @Nullable Integer quorum;
  private final @Nullable String selectBranch;
  private final @Nullable Double timeoutSeconds;
  private final @Nullable StepContext context;

  Coalesce(
      @Nullable String name,
      List<String> branches,
      CoalesceStep.Policy policy,
      CoalesceStep.Merge merge,
      @Nullable Integer quorum,
      @Nullable String selectBranch,
      @Nullable Double timeoutSeconds,
      @Nullable StepContext context) {
    this.name = name;
    this.branches = List.copyOf(branches);
    this.policy = Objects.requireNonNull(policy, "policy");
    this.merge = Objects.requireNonNull(merge, "merge");
    this.quorum = quorum;
    this.selectBranch = selectBranch;
    this.timeoutSeconds = timeoutSeconds;
    this.context = context;
  }

  /** The coalesce's name (the settings' {@code name:}); {@code coalesce} when not given. */
  public Coalesce named(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("named: expected a non-blank coalesce name");
    }
    return new Coalesce(
        name, branches, policy, merge, quorum, selectBranch, timeoutSeconds, context);
  }

  /** Waits for every branch; a branch missing at the timeout or the end fails (the default). */
  public Coalesce requireAll() {
    return withPolicy(CoalesceStep.Policy.REQUIRE_ALL, null);
  }

  /** Waits for {@code branches} branches; fewer at the timeout or the end fails the join. */
  public Coalesce quorum(int branches) {
    if (branches < 1) {
      throw new IllegalArgumentException("quorum: expected at least 1 branch, got " + branches);
    }
    return withPolicy(CoalesceStep.Policy.QUORUM, branches);
  }

  /** Every branch, or whatever arrived by the timeout or the end of the input. */
  public Coalesce bestEffort() {
    return withPolicy(CoalesceStep.Policy.BEST_EFFORT, null);
  }

  /** The first branch to arrive; later ones end failed as late arrivals. */
  public Coalesce first() {
    return withPolicy(CoalesceStep.Policy.FIRST, null);
  }

  private Coalesce withPolicy(CoalesceStep.Policy p, @Nullable Integer n) {
    return new Coalesce(name, branches, p, merge, n, selectBranch, timeoutSeconds, context);
  }

  /** Fields of every branch, later branches winning on a clash (the default). */
  public Coalesce union() {
    return withMerge(CoalesceStep.Merge.UNION, null);
  }

  /** {@code {branch: row}} for each arrived branch. */
  public Coalesce nested() {
    return withMerge(CoalesceStep.Merge.NESTED, null);
  }

  /** The row of branch {@code branch}. */
  public Coalesce select(String branch) {
    return withMerge(CoalesceStep.Merge.SELECT, Objects.requireNonNull(branch, "branch"));
  }

  private Coalesce withMerge(CoalesceStep.Merge m, @Nullable String select) {
    return new Coalesce(name, branches, policy, m, quorum, select, timeoutSeconds, context);
  }

  /** Resolves a join still open {@code seconds} after its first branch arrived. */
  public Coalesce withTimeoutSeconds(double seconds) {
    if (!(seconds > 0) || !Double.isFinite(seconds)) {
      throw new IllegalArgumentException(
          "withTimeoutSeconds: expected a number of seconds above" + " 0, got " + seconds);
    }
    return new Coalesce(name, branches, policy, merge, quorum, selectBranch, seconds, context);
  }

  /** This coalesce minting its audit records in {@code context} (a run the caller recorded). */
  public Coalesce withContext(StepContext context) {
    return new Coalesce(
        name,
        branches,
        policy,
        merge,
        quorum,
        selectBranch,
        timeoutSeconds,
        Objects.requireNonNull(context, "context"));
  }

  public String coalesceName() {
    return name == null ? "coalesce" : name;
  }

  /** The fork paths joined, in the order of the inputs. */
  public List<String> branches() {
    return branches;
  }

  /** The coalesce as a settings file's {@code coalesce:} entry. */
  Map<String, Object> settingsEntry() {
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("name", coalesceName());
    entry.put("branches", branches);
    entry.put("policy", policy.configName());
    entry.put("merge", merge.configName());
    if (timeoutSeconds != null) {
      entry.put("timeout_seconds", timeoutSeconds);
    }
    if (quorum != null) {
      entry.put("quorum_count", quorum);
    }
    if (selectBranch != null) {
      entry.put("select_branch", selectBranch);
    }
    return entry;
  }

  /**
   * The join checked as the settings validator checks a coalesce alone: two or more distinct
   * branches, a quorum no larger than the branches, a selected branch among them.
   *
   * @throws IllegalArgumentException naming every problem
   */
  void check() {
    String path = "coalesce[" + coalesceName() + "]";
    List<String> problems = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    if (branches.size() < 2) {
      problems.add(path + ".branches: expected at least two fork paths, got " + branches);
    }
    for (String b : branches) {
      if (b == null || b.isBlank()) {
        problems.add(path + ".branches: expected fork path names, got " + branches);
      } else if (!seen.add(b)) {
        problems.add(path + ".branches: branch '" + b + "' is listed twice");
      }
    }
    if (quorum != null && quorum > branches.size()) {
      problems.add(
          path + ".quorum_count: " + quorum + " is more than the " + branches.size() + " branches");
    }
    if (selectBranch != null && !branches.contains(selectBranch)) {
      problems.add(
          path
              + ".select_branch: required for merge select, one of "
              + branches
              + ", got '"
              + selectBranch
              + "'");
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
  }

  @Override
  public StepResult expand(PCollectionList<Token> input) {
    check();
    if (input.size() != branches.size()) {
      throw new IllegalArgumentException(
          coalesceName()
              + ": joins "
              + branches.size()
              + " branches "
              + branches
              + " but was given "
              + input.size()
              + " inputs; give one"
              + " per branch, in that order");
    }
    StepContext ctx =
        context != null
            ? context
            : PluginTransform.standaloneContext("coalesce", coalesceName(), null);
    return StepResult.of(
        input.apply(
            CoalesceStep.of(branches, policy, merge)
                .withQuorum(quorum)
                .withSelectBranch(selectBranch)
                .withTimeoutSeconds(timeoutSeconds)
                .withContext(ctx)));
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    builder
        .add(DisplayData.item("coalesce", coalesceName()))
        .add(DisplayData.item("branches", branches.toString()))
        .add(DisplayData.item("policy", policy.configName()))
        .add(DisplayData.item("merge", merge.configName()));
  }
}

package io.elspeth.audit.lineage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.elspeth.audit.lineage.RowLineage.Artifact;
import io.elspeth.audit.lineage.RowLineage.Call;
import io.elspeth.audit.lineage.RowLineage.NodeStateLineage;
import io.elspeth.audit.lineage.RowLineage.Outcome;
import io.elspeth.audit.lineage.RowLineage.RoutingEvent;
import io.elspeth.audit.lineage.RowLineage.TokenLineage;
import io.elspeth.audit.lineage.RowLineage.TransformError;
import io.elspeth.audit.lineage.RowLineage.ValidationError;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Renders a {@link RowLineage} for {@code elspeth explain}: {@link #text} as a readable tree for a
 * terminal, {@link #json} as pretty-printed JSON with snake_case keys.
 *
 * <p>Text layout (hashes shortened to 12 characters):
 *
 * <pre>
 * Run 3f2a... completed started 2026-01-31T12:00:00.000000Z completed ... config 0123456789ab
 * Row 0 (9c1d...) from source_csv_... [csv] hash 4be1c2d3e4f5
 * token 77aa...
 *   step 0 source_csv_... [csv] completed in=4be1c2d3e4f5 out=4be1c2d3e4f5
 *   step 1 config_gate_big_... [gate] completed in=... out=...
 *     gate: row['amount'] &gt; 100 =&gt; true
 *     route 'true' -&gt; sink sink_high_... (move)
 *   step 2 sink_high_... [csv] completed in=... out=...
 *   outcome: routed at sink 'high' -&gt; /out/high.csv (sha256 ab12cd34ef56...)
 * </pre>
 *
 * Child tokens (fork, expand, coalesce) are indented under their first parent.
 */
public final class LineageRenderer {
  private static final ObjectMapper PRETTY =
      new ObjectMapper()
          .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .enable(SerializationFeature.INDENT_OUTPUT);
  private static final ObjectMapper COMPACT = new ObjectMapper();
  private static final String INDENT = "  ";

  private LineageRenderer() {}

  /** The lineage as pretty JSON with snake_case keys; nulls are kept as explicit nulls. */
  public static String json(RowLineage lineage) {
    try {
      return PRETTY.writeValueAsString(lineage);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(
          "cannot serialise the lineage of row "
              + lineage.row().rowId()
              + ": "
              + e.getOriginalMessage(),
          e);
    }
  }

  /** The lineage as a readable, indented tree; lines end with {@code \n}. */
  public static String text(RowLineage lineage) {
    StringBuilder out = new StringBuilder();
    RowLineage.Run run = lineage.run();
    out.append("Run ")
        .append(run.runId())
        .append(' ')
        .append(run.status())
        .append(" started ")
        .append(run.startedAt())
        .append(" completed ")
        .append(orDash(run.completedAt()))
        .append(" config ")
        .append(short12(run.configHash()))
        .append('\n');
    RowLineage.SourceRow row = lineage.row();
    out.append("Row ")
        .append(row.rowIndex())
        .append(" (")
        .append(row.rowId())
        .append(") from ")
        .append(row.sourceNodeId());
    if (row.sourcePluginName() != null) {
      out.append(" [").append(row.sourcePluginName()).append(']');
    }
    out.append(" hash ").append(row.sourceDataHash()).append('\n');
    if (!lineage.validationErrors().isEmpty()) {
      out.append("validation errors:\n");
      for (ValidationError v : lineage.validationErrors()) {
        out.append(INDENT).append("- ").append(validationError(v)).append('\n');
      }
    }
    if (lineage.tokens().isEmpty()) {
      out.append("no tokens recorded for this row\n");
    }
    Set<String> done = new HashSet<>();
    for (TokenLineage root : lineage.rootTokens()) {
      token(out, lineage, root, 0, done);
    }
    for (TokenLineage t : lineage.tokens()) {
      token(out, lineage, t, 0, done);
    }
    for (RowLineage.BatchLineage b : lineage.batches()) {
      batch(out, b);
    }
    return out.toString();
  }

  /** A batch: its trigger, the rows it consumed (the way back) and the tokens it produced. */
  private static void batch(StringBuilder out, RowLineage.BatchLineage b) {
    out.append("batch ")
        .append(b.batchId())
        .append(" at ")
        .append(b.aggregationNodeId())
        .append(' ')
        .append(b.status())
        .append(" trigger ")
        .append(orDash(b.triggerType()));
    if (b.triggerReason() != null) {
      out.append(" (").append(b.triggerReason()).append(')');
    }
    out.append('\n');
    for (RowLineage.BatchToken m : b.members()) {
      out.append(INDENT)
          .append("member ")
          .append(m.ordinal())
          .append(": token ")
          .append(m.tokenId())
          .append(" from row ")
          .append(batchRow(m))
          .append('\n');
    }
    for (RowLineage.BatchToken o : b.outputs()) {
      out.append(INDENT)
          .append("output ")
          .append(o.ordinal())
          .append(": token ")
          .append(o.tokenId())
          .append(" of row ")
          .append(batchRow(o))
          .append('\n');
    }
  }

  private static String batchRow(RowLineage.BatchToken t) {
    return (t.rowIndex() == null ? "?" : t.rowIndex().toString()) + " (" + orDash(t.rowId()) + ")";
  }

  private static String validationError(ValidationError v) {
    StringBuilder s = new StringBuilder(v.error());
    s.append(" (schema ")
        .append(v.schemaMode())
        .append(", destination '")
        .append(v.destination())
        .append("'");
    if (v.violationType() != null) {
      s.append(", ").append(v.violationType());
      String field =
          v.originalFieldName() != null ? v.originalFieldName() : v.normalizedFieldName();
      if (field != null) {
        s.append(" field '").append(field).append("'");
      }
      if (v.expectedType() != null) {
        s.append(" expected ").append(v.expectedType());
      }
      if (v.actualType() != null) {
        s.append(" actual ").append(v.actualType());
      }
    }
    return s.append(')').toString();
  }

  private static void token(
      StringBuilder out, RowLineage lineage, TokenLineage t, int depth, Set<String> done) {
    if (!done.add(t.tokenId())) {
      return;
    }
    String pad = INDENT.repeat(depth);
    out.append(pad).append("token ").append(t.tokenId());
    List<String> notes = new ArrayList<>();
    if (t.forkGroupId() != null) {
      notes.add("fork group " + t.forkGroupId());
    }
    if (t.joinGroupId() != null) {
      notes.add("join group " + t.joinGroupId());
    }
    if (t.expandGroupId() != null) {
      notes.add("expand group " + t.expandGroupId());
    }
    if (t.branchName() != null) {
      notes.add("branch '" + t.branchName() + "'");
    }
    if (!t.parentTokenIds().isEmpty()) {
      notes.add(
          (t.parentTokenIds().size() == 1 ? "parent " : "parents ")
              + String.join(", ", t.parentTokenIds()));
    }
    if (!notes.isEmpty()) {
      out.append(" (").append(String.join(", ", notes)).append(')');
    }
    out.append('\n');
    String inner = pad + INDENT;
    for (NodeStateLineage s : t.nodeStates()) {
      state(out, s, inner);
    }
    for (TransformError e : t.transformErrors()) {
      out.append(inner)
          .append("transform error at ")
          .append(e.transformId())
          .append(" -> '")
          .append(e.destination())
          .append("': ")
          .append(compact(e.errorDetailsJson()))
          .append('\n');
    }
    if (t.outcomes().isEmpty()) {
      out.append(inner).append("outcome: none recorded\n");
    }
    for (Outcome o : t.outcomes()) {
      out.append(inner)
          .append("outcome: ")
          .append(outcome(o, o.isTerminal() ? t.artifact() : null))
          .append('\n');
    }
    for (TokenLineage child : lineage.children(t.tokenId())) {
      token(out, lineage, child, depth + 1, done);
    }
  }

  private static void state(StringBuilder out, NodeStateLineage s, String pad) {
    out.append(pad)
        .append("step ")
        .append(s.stepIndex())
        .append(' ')
        .append(s.nodeId())
        .append(" [")
        .append(s.pluginName() == null ? "?" : s.pluginName())
        .append("] ")
        .append(s.status());
    if (s.attempt() > 0) {
      out.append(" attempt ").append(s.attempt());
    }
    out.append(" in=")
        .append(short12(s.inputHash()))
        .append(" out=")
        .append(short12(s.outputHash()))
        .append('\n');
    String inner = pad + INDENT;
    if (s.errorJson() != null) {
      out.append(inner).append("error: ").append(compact(s.errorJson())).append('\n');
    }
    JsonNode ctx = s.contextAfterJson();
    boolean gate =
        "gate".equals(s.nodeType()) || (ctx != null && ctx.isObject() && ctx.has("route_label"));
    if (gate && ctx != null && ctx.isObject()) {
      if (ctx.has("condition") || ctx.has("result")) {
        out.append(inner)
            .append("gate: ")
            .append(scalar(ctx.get("condition")))
            .append(" => ")
            .append(scalar(ctx.get("result")))
            .append('\n');
      }
      if (s.routingEvents().isEmpty() && ctx.hasNonNull("route_label")) {
        out.append(inner)
            .append("route '")
            .append(scalar(ctx.get("route_label")))
            .append("' -> continue\n");
      }
    }
    for (RoutingEvent e : s.routingEvents()) {
      out.append(inner).append("route '").append(orDash(e.label())).append("' -> ");
      if (e.toNodeType() != null) {
        out.append(e.toNodeType()).append(' ');
      }
      out.append(orDash(e.toNodeId())).append(" (").append(e.mode()).append(")\n");
    }
    for (Call c : s.calls()) {
      out.append(inner)
          .append("call ")
          .append(c.callIndex())
          .append(' ')
          .append(c.callType())
          .append(' ')
          .append(c.status())
          .append(" req=")
          .append(short12(c.requestHash()))
          .append(" resp=")
          .append(short12(c.responseHash()));
      if (c.latencyMs() != null) {
        out.append(" latency=").append(String.format(Locale.ROOT, "%.1fms", c.latencyMs()));
      }
      if (c.errorJson() != null) {
        out.append(" error=").append(compact(c.errorJson()));
      }
      out.append('\n');
    }
  }

  private static String outcome(Outcome o, @Nullable Artifact artifact) {
    StringBuilder s = new StringBuilder(o.outcome());
    if (!o.isTerminal()) {
      s.append(" (not terminal)");
    }
    if (o.sinkName() != null) {
      s.append(" at sink '").append(o.sinkName()).append('\'');
    }
    if (artifact != null) {
      s.append(" -> ")
          .append(artifact.pathOrUri())
          .append(" (sha256 ")
          .append(shortHash(artifact.contentHash()))
          .append(')');
    }
    List<String> notes = new ArrayList<>();
    if (o.errorHash() != null) {
      notes.add("error_hash " + o.errorHash());
    }
    if (o.forkGroupId() != null) {
      notes.add("fork group " + o.forkGroupId());
    }
    if (o.joinGroupId() != null) {
      notes.add("join group " + o.joinGroupId());
    }
    if (o.expandGroupId() != null) {
      notes.add("expand group " + o.expandGroupId());
    }
    if (o.batchId() != null) {
      notes.add("batch " + o.batchId());
    }
    if (o.expectedBranchesJson() != null) {
      notes.add("expected " + compact(o.expectedBranchesJson()));
    }
    if (o.contextJson() != null) {
      notes.add("context " + compact(o.contextJson()));
    }
    if (!notes.isEmpty()) {
      s.append(" (").append(String.join(", ", notes)).append(')');
    }
    return s.toString();
  }

  private static String scalar(@Nullable JsonNode node) {
    if (node == null || node.isNull()) {
      return "-";
    }
    return node.isValueNode() ? node.asText() : compact(node);
  }

  private static String compact(@Nullable JsonNode node) {
    if (node == null) {
      return "-";
    }
    try {
      return COMPACT.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      return node.toString();
    }
  }

  private static String short12(@Nullable String hash) {
    if (hash == null) {
      return "-";
    }
    return hash.length() <= 12 ? hash : hash.substring(0, 12);
  }

  private static String shortHash(@Nullable String hash) {
    if (hash == null) {
      return "-";
    }
    return hash.length() <= 12 ? hash : hash.substring(0, 12) + "...";
  }

  private static String orDash(@Nullable String s) {
    return s == null ? "-" : s;
  }
}

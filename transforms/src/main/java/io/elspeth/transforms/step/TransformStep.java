package io.elspeth.transforms.step;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.canonical.CanonicalizationException;
import io.elspeth.audit.crash.CrashPoint;
import io.elspeth.audit.payload.FilesystemPayloadStore;
import io.elspeth.audit.payload.PayloadStore;
import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.CallRecord;
import io.elspeth.audit.record.TokenOutcomeRecord;
import io.elspeth.audit.record.TokenParentRecord;
import io.elspeth.audit.record.TokenRecord;
import io.elspeth.audit.token.Ids;
import io.elspeth.audit.token.Token;
import io.elspeth.connectors.client.CallSink;
import io.elspeth.plugin.StepAudit;
import io.elspeth.plugin.StepContext;
import io.elspeth.plugin.StepTags;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One configured transform as a step. For each token it records a node state (completed with the
 * output hash, or failed with the error) and then:
 *
 * <ul>
 *   <li>success: the token continues with the new data;
 *   <li>expansion: child tokens continue, linked to the parent, whose outcome is {@code expanded};
 *   <li>error with {@code on_error: <sink>}: a transform error and a divert routing event are
 *       recorded and the token goes to that sink (outcome {@code routed}, recorded at the sink);
 *   <li>error with {@code on_error: discard}: the token ends {@code quarantined};
 *   <li>error without {@code on_error}, or an exception: the token ends {@code failed}.
 * </ul>
 *
 * <p>External calls the transform makes are recorded as {@code calls} under the row's node state,
 * indexed in the order they started (every retry attempt is its own call). A transform with a
 * {@link RowTransform#poolSize()} above 1 runs up to that many rows at once on a pool of the DoFn
 * instance; every row started in a bundle is finished before the bundle ends, and outputs leave in
 * input order.
 */
public final class TransformStep extends PTransform<PCollection<Token>, PCollectionTuple> {
  private final @Nullable RowTransform transform;
  private final @Nullable StepContext context;

  private TransformStep(@Nullable RowTransform transform, @Nullable StepContext context) {
    this.transform = transform;
    this.context = context;
  }

  public static TransformStep of(RowTransform transform) {
    return new TransformStep(transform, null);
  }

  public TransformStep withContext(StepContext ctx) {
    return new TransformStep(transform, ctx);
  }

  @Override
  public PCollectionTuple expand(PCollection<Token> input) {
    if (transform == null || context == null) {
      throw new IllegalStateException("of(transform) and withContext() are required");
    }
    return StepTags.withCoders(
        input.apply(
            ParDo.of(new TransformFn(transform, context))
                .withOutputTags(StepTags.MAIN, StepTags.additional())));
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    if (context != null) {
      builder
          .add(DisplayData.item("node", context.nodeId()))
          .addIfNotNull(DisplayData.item("onError", context.onError()));
    }
  }

  static final class TransformFn extends DoFn<Token, Token> {
    private static final Logger LOG = LoggerFactory.getLogger(TransformStep.class);
    private final RowTransform transform;
    private final StepContext ctx;
    private final Counter succeeded = Metrics.counter(TransformStep.class, "rows_succeeded");
    private final Counter errored = Metrics.counter(TransformStep.class, "rows_errored");
    private final Counter failed = Metrics.counter(TransformStep.class, "rows_failed");
    private transient @Nullable ExecutorService pool;
    private transient @Nullable FilesystemPayloadStore payloads;

    /** What the audited clients store call payloads through: deferred, synced per bundle. */
    private transient @Nullable PayloadStore callPayloads;

    private transient ArrayDeque<Pending> pending;

    TransformFn(RowTransform transform, StepContext ctx) {
      this.transform = transform;
      this.ctx = ctx;
    }

    /** A row whose work runs on the pool, with where its outputs belong. */
    private record Pending(
        Future<RowOutcome> outcome, BoundedWindow window, org.joda.time.Instant timestamp) {}

    /** What one row produced, emitted later in input order. */
    private record RowOutcome(
        List<AuditRecord> audit, List<Token> main, List<Token> routed, Counter counter) {}

    @Setup
    public void setup() {
      if (ctx.payloadStore() != null) {
        payloads = FilesystemPayloadStore.at(Path.of(ctx.payloadStore()));
        callPayloads = payloads.deferring();
      }
      transform.setup();
      int size = transform.poolSize();
      if (size > 1) {
        AtomicInteger n = new AtomicInteger();
        pool =
            Executors.newFixedThreadPool(
                size,
                r -> {
                  Thread t = new Thread(r, "elspeth-" + ctx.nodeName() + "-" + n.incrementAndGet());
                  t.setDaemon(true);
                  return t;
                });
      }
    }

    @Teardown
    public void teardown() {
      if (pool != null) {
        pool.shutdownNow();
      }
      transform.teardown();
    }

    @StartBundle
    public void startBundle() {
      pending = new ArrayDeque<>();
    }

    @ProcessElement
    public void process(
        @Element Token token,
        BoundedWindow window,
        @Timestamp org.joda.time.Instant timestamp,
        MultiOutputReceiver out) {
      if (pool == null) {
        emit(
            compute(token),
            out.get(StepTags.MAIN)::output,
            out.get(StepTags.ROUTED)::output,
            out.get(StepTags.AUDIT)::output);
        return;
      }
      // Up to pool_size rows in flight; results leave in input order, so output is
      // deterministic whatever order the calls finish in.
      pending.add(new Pending(pool.submit(() -> compute(token)), window, timestamp));
      while (!pending.isEmpty()
          && (pending.size() > 2 * transform.poolSize() || pending.peek().outcome().isDone())) {
        emit(
            await(pending.poll()),
            out.get(StepTags.MAIN)::output,
            out.get(StepTags.ROUTED)::output,
            out.get(StepTags.AUDIT)::output);
      }
    }

    @FinishBundle
    public void finishBundle(FinishBundleContext c) {
      while (pending != null && !pending.isEmpty()) {
        Pending p = pending.poll();
        emit(
            await(p),
            t -> c.output(StepTags.MAIN, t, p.timestamp(), p.window()),
            t -> c.output(StepTags.ROUTED, t, p.timestamp(), p.window()),
            r -> c.output(StepTags.AUDIT, r, p.timestamp(), p.window()));
      }
      // The bundle's call payloads become durable together, before its call records (outputs
      // of this bundle, committed only once it finishes) can reach the Landscape: one sync per
      // bundle instead of two fsyncs per payload on the calls' critical path.
      if (payloads != null) {
        payloads.syncDeferred();
      }
    }

    private static RowOutcome await(Pending p) {
      try {
        return p.outcome().get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for a row's calls", e);
      } catch (ExecutionException e) {
        // compute() turns every RuntimeException into a failed row; this is an Error.
        throw new IllegalStateException("row processing died: " + e.getCause(), e.getCause());
      }
    }

    private void emit(
        RowOutcome o, Consumer<Token> main, Consumer<Token> routed, Consumer<AuditRecord> audit) {
      o.audit().forEach(audit);
      o.main().forEach(main);
      o.routed().forEach(routed);
      o.counter().inc();
    }

    /** Calls of one node state: indexes in start order, records kept for the state's bundle. */
    private static final class StateCalls implements CallSink {
      private final String stateId;
      private final @Nullable PayloadStore payloads;
      private final io.elspeth.connectors.replay.@Nullable ReplaySource replay;
      private final AtomicInteger next = new AtomicInteger();
      private final List<CallRecord> calls = Collections.synchronizedList(new ArrayList<>());

      StateCalls(
          String stateId,
          @Nullable PayloadStore payloads,
          io.elspeth.connectors.replay.@Nullable ReplaySource replay) {
        this.stateId = stateId;
        this.payloads = payloads;
        this.replay = replay;
      }

      @Override
      public io.elspeth.connectors.replay.@Nullable ReplaySource replay() {
        return replay;
      }

      @Override
      public @Nullable PayloadStore payloads() {
        return payloads;
      }

      @Override
      public String stateId() {
        return stateId;
      }

      @Override
      public int nextCallIndex() {
        return next.getAndIncrement();
      }

      @Override
      public void record(CallRecord call) {
        calls.add(call);
      }

      boolean any() {
        return !calls.isEmpty();
      }

      List<CallRecord> recorded() {
        synchronized (calls) {
          return new ArrayList<>(calls);
        }
      }
    }

    /** The work on one row, free of Beam: safe to run on a pool thread. */
    private RowOutcome compute(Token token) {
      Instant started = Instant.now();
      String stateId = Ids.stateId();
      StateCalls calls = new StateCalls(stateId, callPayloads, ctx.replaySource());
      List<AuditRecord> audit = new ArrayList<>();
      List<Token> main = new ArrayList<>();
      List<Token> routed = new ArrayList<>();
      String inputHash = CanonicalJson.tolerantHash(token.data());
      TransformResult result;
      try {
        List<String> collisions =
            FieldCollisions.detect(token.data().keySet(), transform.declaredOutputFields());
        if (!collisions.isEmpty()) {
          throw new FieldCollisions.CollisionException(ctx.nodeName(), collisions);
        }
        result = transform.apply(new LinkedHashMap<>(token.data()), calls);
        if (calls.any()) {
          // A test hook (inert unless ELSPETH_CRASH_AT names it): the row's external calls
          // were answered and paid, and none of their records is committed yet.
          CrashPoint.reached("transform.called");
        }
        checkCanonical(result);
      } catch (RuntimeException e) {
        // The recording cannot answer: the run fails, as ELSPETH's ReplayMissError does.
        io.elspeth.connectors.replay.ReplayException.rethrowIfReplay(e);
        // A plugin bug: the row fails, with the exception in the Landscape, and the run goes on.
        String message =
            e.getClass().getSimpleName() + ": " + transform.urls().text(e.getMessage());
        LOG.warn("transform {} raised on token {}: {}", ctx.nodeName(), token.tokenId(), message);
        audit.add(
            StepAudit.failed(
                ctx,
                stateId,
                token,
                inputHash,
                StepAudit.error(message, e.getClass().getSimpleName()),
                started));
        audit.addAll(calls.recorded());
        audit.add(
            StepAudit.outcome(ctx.runId(), token, "failed", null, Ids.errorHash(message), null));
        return new RowOutcome(audit, main, routed, failed);
      }
      Counter counter;
      if (result instanceof TransformResult.Success s) {
        audit.add(
            StepAudit.completed(
                ctx, stateId, token, token.data(), s.row(), started, null, s.successReason()));
        main.add(token.withData(s.row(), stateId));
        counter = succeeded;
      } else if (result instanceof TransformResult.Expanded x) {
        expand(token, stateId, x.rows(), started, audit, main);
        counter = succeeded;
      } else {
        TransformResult.Error err = (TransformResult.Error) result;
        reject(token, stateId, inputHash, err.reason(), started, audit, routed);
        counter = errored;
      }
      // Calls after their node state: the state is their parent in the Landscape.
      audit.addAll(1, calls.recorded());
      return new RowOutcome(audit, main, routed, counter);
    }

    private static void checkCanonical(TransformResult result) {
      try {
        if (result instanceof TransformResult.Success s) {
          CanonicalJson.canonicalize(s.row());
        } else if (result instanceof TransformResult.Expanded x) {
          CanonicalJson.canonicalize(x.rows());
        }
      } catch (CanonicalizationException e) {
        throw new IllegalStateException(
            "transform output is not canonical JSON: " + e.getMessage(), e);
      }
    }

    private void expand(
        Token parent,
        String stateId,
        List<Map<String, Object>> rows,
        Instant started,
        List<AuditRecord> audit,
        List<Token> main) {
      audit.add(
          StepAudit.completed(
              ctx, stateId, parent, parent.data(), Map.of("rows", rows), started, null));
      String expandGroupId = Ids.groupId();
      Instant now = Instant.now();
      for (int i = 0; i < rows.size(); i++) {
        Token child = parent.child(i, rows.get(i), stateId);
        main.add(child);
        audit.add(
            new TokenRecord(
                child.tokenId(),
                child.rowId(),
                ctx.runId(),
                null,
                null,
                expandGroupId,
                null,
                ctx.stepIndex(),
                now));
        // The child's index among its siblings, as ELSPETH records it.
        audit.add(new TokenParentRecord(child.tokenId(), parent.tokenId(), i));
      }
      audit.add(
          new TokenOutcomeRecord(
              Ids.terminalOutcomeId(parent.tokenId()),
              ctx.runId(),
              parent.tokenId(),
              "expanded",
              1,
              now,
              null,
              null,
              null,
              null,
              expandGroupId,
              null,
              null,
              CanonicalJson.canonicalize(Map.of("count", rows.size())),
              parent.rowId()));
    }

    private void reject(
        Token token,
        String stateId,
        String inputHash,
        Map<String, Object> reason,
        Instant started,
        List<AuditRecord> audit,
        List<Token> routed) {
      StepAudit.Rejection r = StepAudit.rejected(ctx, stateId, token, inputHash, reason, started);
      audit.addAll(r.records());
      if (r.routed() != null) {
        routed.add(r.routed());
      }
    }
  }
}

package io.elspeth.telemetry.event;

import io.elspeth.telemetry.config.Granularity;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * One telemetry event: emitted only after what it reports has been committed to the Landscape.
 * Every event carries the emission time and its run id; {@link #fields()} lists its own fields in
 * declaration order (snake_case names, enums as their value), which every exporter renders. Events
 * never carry secrets: the producers hand over hashes, ids and fingerprinted payloads.
 */
public sealed interface TelemetryEvent
    permits TelemetryEvent.RunStarted,
        TelemetryEvent.RunFinished,
        TelemetryEvent.PhaseChanged,
        TelemetryEvent.RowCreated,
        TelemetryEvent.TransformCompleted,
        TelemetryEvent.GateEvaluated,
        TelemetryEvent.TokenCompleted,
        TelemetryEvent.ExternalCallCompleted,
        HealthEvent {

  Instant timestamp();

  String runId();

  /** The lowest granularity at which this event is emitted (health events: always). */
  Granularity minimumGranularity();

  /** The event's own fields (after timestamp and run id), in declaration order; nulls kept. */
  Map<String, @Nullable Object> fields();

  /** The event type name: the simple class name, as ELSPETH's span names and event_type. */
  default String eventType() {
    return getClass().getSimpleName();
  }

  /** Whether an emitter at {@code granularity} sends this event. */
  default boolean emittedAt(Granularity granularity) {
    return granularity.includes(minimumGranularity());
  }

  /** Enum values are written as their lower-case value, as in ELSPETH. */
  interface Valued {
    default String value() {
      return EnumValues.of((Enum<?>) this);
    }
  }

  enum PipelinePhase implements Valued {
    CONFIG,
    GRAPH,
    PLUGINS,
    DATABASE,
    SOURCE,
    PROCESS,
    EXPORT
  }

  enum PhaseAction implements Valued {
    LOADING,
    VALIDATING,
    BUILDING,
    CONNECTING,
    INITIALIZING,
    PROCESSING,
    EXPORTING
  }

  enum RunStatus implements Valued {
    RUNNING,
    COMPLETED,
    FAILED,
    INTERRUPTED
  }

  enum NodeStateStatus implements Valued {
    OPEN,
    PENDING,
    COMPLETED,
    FAILED
  }

  enum RoutingMode implements Valued {
    MOVE,
    COPY,
    DIVERT
  }

  enum CallStatus implements Valued {
    SUCCESS,
    ERROR
  }

  enum CallType implements Valued {
    LLM,
    HTTP,
    SQL,
    FILESYSTEM,
    HTTP_REDIRECT,
    VECTOR
  }

  /** Parses an enum from its recorded (lower-case) value. */
  static <E extends Enum<E>> E parse(Class<E> type, String value) {
    return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
  }

  /** Run begun: its graph is registered in the Landscape. Also emitted on resume. */
  record RunStarted(Instant timestamp, String runId, String configHash, String sourcePlugin)
      implements TelemetryEvent {
    @Override
    public Granularity minimumGranularity() {
      return Granularity.LIFECYCLE;
    }

    @Override
    public Map<String, @Nullable Object> fields() {
      return Fields.of("config_hash", configHash, "source_plugin", sourcePlugin);
    }
  }

  /** Run finalised in the Landscape with this status. */
  record RunFinished(
      Instant timestamp, String runId, RunStatus status, long rowCount, double durationMs)
      implements TelemetryEvent {
    public RunFinished {
      if (rowCount < 0) {
        throw new IllegalArgumentException("row_count must be >= 0, got " + rowCount);
      }
    }

    @Override
    public Granularity minimumGranularity() {
      return Granularity.LIFECYCLE;
    }

    @Override
    public Map<String, @Nullable Object> fields() {
      return Fields.of("status", status.value(), "row_count", rowCount, "duration_ms", durationMs);
    }
  }

  /** A phase of the run entered. */
  record PhaseChanged(Instant timestamp, String runId, PipelinePhase phase, PhaseAction action)
      implements TelemetryEvent {
    @Override
    public Granularity minimumGranularity() {
      return Granularity.LIFECYCLE;
    }

    @Override
    public Map<String, @Nullable Object> fields() {
      return Fields.of("phase", phase.value(), "action", action.value());
    }
  }

  /** A source row and its first token committed (every source row, quarantined or not). */
  record RowCreated(
      Instant timestamp, String runId, String rowId, String tokenId, String contentHash)
      implements TelemetryEvent {
    @Override
    public Granularity minimumGranularity() {
      return Granularity.ROWS;
    }

    @Override
    public Map<String, @Nullable Object> fields() {
      return Fields.of("row_id", rowId, "token_id", tokenId, "content_hash", contentHash);
    }
  }

  /** A transform's final attempt on a token committed. */
  record TransformCompleted(
      Instant timestamp,
      String runId,
      String rowId,
      String tokenId,
      String nodeId,
      String pluginName,
      NodeStateStatus status,
      double durationMs,
      @Nullable String inputHash,
      @Nullable String outputHash)
      implements TelemetryEvent {
    @Override
    public Granularity minimumGranularity() {
      return Granularity.ROWS;
    }

    @Override
    public Map<String, @Nullable Object> fields() {
      return Fields.of(
          "row_id",
          rowId,
          "token_id",
          tokenId,
          "node_id",
          nodeId,
          "plugin_name",
          pluginName,
          "status",
          status.value(),
          "duration_ms",
          durationMs,
          "input_hash",
          inputHash,
          "output_hash",
          outputHash);
    }
  }

  /** A gate's decision on a token committed; destinations are sink names or "continue". */
  record GateEvaluated(
      Instant timestamp,
      String runId,
      String rowId,
      String tokenId,
      String nodeId,
      String pluginName,
      RoutingMode routingMode,
      List<String> destinations)
      implements TelemetryEvent {
    public GateEvaluated {
      destinations = List.copyOf(destinations);
    }

    @Override
    public Granularity minimumGranularity() {
      return Granularity.ROWS;
    }

    @Override
    public Map<String, @Nullable Object> fields() {
      return Fields.of(
          "row_id",
          rowId,
          "token_id",
          tokenId,
          "node_id",
          nodeId,
          "plugin_name",
          pluginName,
          "routing_mode",
          routingMode.value(),
          "destinations",
          destinations);
    }
  }

  /**
   * A token's terminal outcome committed (every outcome: completed, routed, quarantined, failed,
   * expanded, ...); {@code sinkName} names the sink that wrote it, when one did.
   */
  record TokenCompleted(
      Instant timestamp,
      String runId,
      @Nullable String rowId,
      String tokenId,
      String outcome,
      @Nullable String sinkName)
      implements TelemetryEvent {
    @Override
    public Granularity minimumGranularity() {
      return Granularity.ROWS;
    }

    @Override
    public Map<String, @Nullable Object> fields() {
      return Fields.of(
          "row_id", rowId, "token_id", tokenId, "outcome", outcome, "sink_name", sinkName);
    }
  }

  /** LLM token counts; a count is null when the provider did not report it. */
  record TokenUsage(@Nullable Long inputTokens, @Nullable Long outputTokens) {
    public TokenUsage {
      if ((inputTokens != null && inputTokens < 0) || (outputTokens != null && outputTokens < 0)) {
        throw new IllegalArgumentException("token counts must be >= 0");
      }
    }

    /** Known counts only, as ELSPETH's TokenUsage.to_dict (prompt/completion names). */
    public Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      if (inputTokens != null) {
        m.put("prompt_tokens", inputTokens);
      }
      if (outputTokens != null) {
        m.put("completion_tokens", outputTokens);
      }
      return m;
    }
  }

  /**
   * An external call committed as a Landscape {@code calls} row. Exactly one of {@code stateId}
   * (transform context) and {@code operationId} (source/sink context) is set. Payloads are only
   * filled at granularity full and are the recorded (fingerprinted) request and response. For LLM
   * calls, {@code model} is the model asked for and {@code responseModel} the one that answered
   * (null without an answer).
   */
  record ExternalCallCompleted(
      Instant timestamp,
      String runId,
      CallType callType,
      String provider,
      CallStatus status,
      double latencyMs,
      @Nullable String stateId,
      @Nullable String operationId,
      @Nullable String tokenId,
      @Nullable String requestHash,
      @Nullable String responseHash,
      @Nullable String model,
      @Nullable String responseModel,
      @Nullable Map<String, Object> requestPayload,
      @Nullable Map<String, Object> responsePayload,
      @Nullable TokenUsage tokenUsage)
      implements TelemetryEvent {
    public ExternalCallCompleted {
      if ((stateId == null) == (operationId == null)) {
        throw new IllegalArgumentException(
            "exactly one of state_id and operation_id must be set, got state_id="
                + stateId
                + " operation_id="
                + operationId);
      }
      // JSON payloads keep their key order and their nulls (Map.copyOf keeps neither).
      requestPayload =
          requestPayload == null
              ? null
              : java.util.Collections.unmodifiableMap(
                  new java.util.LinkedHashMap<>(requestPayload));
      responsePayload =
          responsePayload == null
              ? null
              : java.util.Collections.unmodifiableMap(
                  new java.util.LinkedHashMap<>(responsePayload));
    }

    @Override
    public Granularity minimumGranularity() {
      return Granularity.FULL;
    }

    @Override
    public Map<String, @Nullable Object> fields() {
      return Fields.of(
          "call_type",
          callType.value(),
          "provider",
          provider,
          "status",
          status.value(),
          "latency_ms",
          latencyMs,
          "state_id",
          stateId,
          "operation_id",
          operationId,
          "token_id",
          tokenId,
          "request_hash",
          requestHash,
          "response_hash",
          responseHash,
          "model",
          model,
          "response_model",
          responseModel,
          "request_payload",
          requestPayload,
          "response_payload",
          responsePayload,
          "token_usage",
          tokenUsage == null ? null : tokenUsage.toMap());
    }
  }

  /**
   * An event's fields in declaration order: a read-only map over the alternating names and values
   * it was made from (nulls kept). Events are made for every row and read once or twice by the
   * exporters, so no hash table is built for them.
   */
  final class Fields extends java.util.AbstractMap<String, @Nullable Object> {
    private final @Nullable Object[] namesAndValues;

    private Fields(@Nullable Object[] namesAndValues) {
      this.namesAndValues = namesAndValues;
    }

    static Map<String, @Nullable Object> of(@Nullable Object... namesAndValues) {
      // Every caller passes literal names: a non-string name fails at the first read (a cast).
      if (namesAndValues.length % 2 != 0) {
        throw new IllegalArgumentException("names and values must alternate");
      }
      return new Fields(namesAndValues);
    }

    @Override
    public int size() {
      return namesAndValues.length / 2;
    }

    @Override
    public @Nullable Object get(Object key) {
      for (int i = 0; i < namesAndValues.length; i += 2) {
        if (namesAndValues[i].equals(key)) {
          return namesAndValues[i + 1];
        }
      }
      return null;
    }

    @Override
    public boolean containsKey(Object key) {
      for (int i = 0; i < namesAndValues.length; i += 2) {
        if (namesAndValues[i].equals(key)) {
          return true;
        }
      }
      return false;
    }

    @Override
    public void forEach(
        java.util.function.BiConsumer<? super String, ? super @Nullable Object> action) {
      for (int i = 0; i < namesAndValues.length; i += 2) {
        action.accept((String) namesAndValues[i], namesAndValues[i + 1]);
      }
    }

    @Override
    public java.util.Set<Map.Entry<String, @Nullable Object>> entrySet() {
      return new java.util.AbstractSet<>() {
        @Override
        public int size() {
          return Fields.this.size();
        }

        @Override
        public java.util.Iterator<Map.Entry<String, @Nullable Object>> iterator() {
          return new java.util.Iterator<>() {
            private int i;

            @Override
            public boolean hasNext() {
              return i < namesAndValues.length;
            }

            @Override
            public Map.Entry<String, @Nullable Object> next() {
              if (i >= namesAndValues.length) {
                throw new java.util.NoSuchElementException();
              }
              Map.Entry<String, @Nullable Object> e =
                  new java.util.AbstractMap.SimpleImmutableEntry<>(
                      (String) namesAndValues[i], namesAndValues[i + 1]);
              i += 2;
              return e;
            }
          };
        }
      };
    }
  }
}

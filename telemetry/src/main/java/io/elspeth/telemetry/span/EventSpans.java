package io.elspeth.telemetry.span;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.elspeth.telemetry.event.TelemetryEvent;
import io.elspeth.telemetry.event.TelemetryEvent.ExternalCallCompleted;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.AttributeType;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Turns events into instant spans as ELSPETH's exporters do: span name = event type, kind INTERNAL,
 * status OK, start = end = the event timestamp, trace id = the first 16 bytes of SHA-256(run id) so
 * every event of a run shares one trace, a random non-zero span id, and the event's fields as
 * attributes plus {@code event_type} (GenAI attributes on LLM calls).
 */
public final class EventSpans {
  public static final InstrumentationScopeInfo SCOPE =
      InstrumentationScopeInfo.builder("elspeth.telemetry").setVersion("0.1.0").build();
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Trace id by run id: every event of a run asks for the same one. */
  private static final Map<String, TraceId> TRACE_IDS =
      new java.util.concurrent.ConcurrentHashMap<>();

  private static final int MAX_FLATTEN_DEPTH = 5;

  /**
   * Attribute keys by name and type. Events use a few dozen field names; making a key hashes its
   * name, and every span asked for each of its keys anew (about ten per span).
   */
  private static final Map<String, AttributeKey<String>> STRING_KEYS =
      new java.util.concurrent.ConcurrentHashMap<>();

  private static final Map<String, AttributeKey<Long>> LONG_KEYS =
      new java.util.concurrent.ConcurrentHashMap<>();
  private static final Map<String, AttributeKey<Double>> DOUBLE_KEYS =
      new java.util.concurrent.ConcurrentHashMap<>();
  private static final Map<String, AttributeKey<Boolean>> BOOLEAN_KEYS =
      new java.util.concurrent.ConcurrentHashMap<>();
  private static final Map<String, AttributeKey<List<String>>> STRING_ARRAY_KEYS =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** Past this many names a map stops caching (flattened map keys are data, not a schema). */
  private static final int MAX_CACHED_KEYS = 4096;

  private static final AttributeKey<String> RUN_ID = AttributeKey.stringKey("run_id");
  private static final AttributeKey<String> EVENT_TYPE = AttributeKey.stringKey("event_type");

  /** Field positions remembered per event class (events have a dozen fields or so). */
  private static final int MAX_SLOTS = 32;

  /**
   * Per event class, the attribute key its field at each position took last (PLAIN style): a field
   * keeps its name and, but for nulls, its type, so the key is found without hashing the name in a
   * shared map, which took about a tenth of the exporter's CPU.
   */
  private static final ClassValue<AttributeKey<?>[]> PLAIN_SLOTS =
      new ClassValue<>() {
        @Override
        protected AttributeKey<?>[] computeValue(Class<?> type) {
          return new AttributeKey<?>[MAX_SLOTS];
        }
      };

  /** How event fields become attribute keys. */
  public enum Style {
    /** OTLP and Azure: field names unprefixed, maps as JSON strings, lists as string arrays. */
    PLAIN,
    /** Datadog: {@code elspeth.<field>}, maps flattened to dotted keys (depth 5). */
    PREFIXED
  }

  private EventSpans() {}

  /** A run's trace id, as hex (the SDK's span context) and as the 16 bytes OTLP sends. */
  record TraceId(String hex, byte[] bytes) {}

  /** Hex trace id of a run: the first 16 bytes of SHA-256 of its id. */
  public static String traceId(String runId) {
    return traceIdOf(runId).hex();
  }

  static TraceId traceIdOf(String runId) {
    TraceId known = TRACE_IDS.get(runId);
    if (known != null) {
      return known;
    }
    byte[] id = java.util.Arrays.copyOf(sha256(runId), 16);
    TraceId made = new TraceId(HexFormat.of().formatHex(id), id);
    if (TRACE_IDS.size() < 1024) { // a JVM runs a handful of runs; never grow without bound
      TRACE_IDS.put(runId, made);
    }
    return made;
  }

  private static byte[] sha256(String runId) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(runId.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by the Java platform", e);
    }
  }

  /**
   * A random non-zero span id. Span ids need to be unique, not unpredictable: like the SDK's own id
   * generator, this uses the per-thread generator rather than a contended SecureRandom.
   */
  static long randomSpanId() {
    long id = 0;
    while (id == 0) {
      id = java.util.concurrent.ThreadLocalRandom.current().nextLong();
    }
    return id;
  }

  public static List<SpanData> toSpans(
      List<TelemetryEvent> events,
      Resource resource,
      Style style,
      Map<String, String> extraAttributes) {
    List<SpanData> spans = new ArrayList<>(events.size());
    for (TelemetryEvent e : events) {
      spans.add(toSpan(e, resource, style, extraAttributes));
    }
    return spans;
  }

  public static SpanData toSpan(
      TelemetryEvent event, Resource resource, Style style, Map<String, String> extraAttributes) {
    return instantSpan(event, resource, style, extraAttributes);
  }

  static InstantSpan instantSpan(
      TelemetryEvent event, Resource resource, Style style, Map<String, String> extraAttributes) {
    Map<String, @Nullable Object> fields = event.fields();
    EventAttributes.Builder a = EventAttributes.builder(fields.size() + 3 + extraAttributes.size());
    if (style == Style.PLAIN) {
      a.append(RUN_ID, event.runId());
      PlainFields plain = new PlainFields(a, PLAIN_SLOTS.get(event.getClass()));
      fields.forEach(plain);
      a.append(EVENT_TYPE, event.eventType());
    } else {
      a.put(key(STRING_KEYS, "elspeth.run_id", AttributeKey::stringKey), event.runId());
      a.put(key(STRING_KEYS, "elspeth.event_type", AttributeKey::stringKey), event.eventType());
      a.put(
          key(STRING_KEYS, "elspeth.timestamp", AttributeKey::stringKey),
          event.timestamp().toString());
      fields.forEach((k, v) -> putFlat(a, "elspeth." + k, v, 1));
    }
    if (event instanceof ExternalCallCompleted call) {
      GenAiAttributes.add(call, a);
    }
    if (!extraAttributes.isEmpty()) { // an empty Map.of() still makes an iterator per forEach
      extraAttributes.forEach(a::put);
    }
    return new InstantSpan(
        event.eventType(),
        traceIdOf(event.runId()),
        randomSpanId(),
        nanos(event.timestamp()),
        a.build(),
        resource);
  }

  private static long nanos(Instant t) {
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }

  /**
   * Appends an event's fields in PLAIN style, counting their positions: one object per span where a
   * capturing lambda and its position counter took two.
   */
  private static final class PlainFields
      implements java.util.function.BiConsumer<String, @Nullable Object> {
    private final EventAttributes.Builder attributes;
    private final AttributeKey<?>[] slots;
    private int position;

    PlainFields(EventAttributes.Builder attributes, AttributeKey<?>[] slots) {
      this.attributes = attributes;
      this.slots = slots;
    }

    @Override
    public void accept(String name, @Nullable Object value) {
      putPlain(attributes, slots, position++, name, value);
    }
  }

  /** Appends a PLAIN field: its name is unique in its event, so no look-up for a duplicate. */
  private static void putPlain(
      EventAttributes.Builder a,
      AttributeKey<?>[] slots,
      int position,
      String key,
      @Nullable Object v) {
    if (v == null) {
      return;
    }
    // The commonest types first (events hold ids and hashes as strings, durations as doubles,
    // counts as longs), and boxed numbers appended as they are, not unboxed and boxed again.
    if (v instanceof String text) {
      a.append(
          slotKey(slots, position, key, AttributeType.STRING, STRING_KEYS, AttributeKey::stringKey),
          text);
    } else if (v instanceof Double d) {
      a.append(
          slotKey(slots, position, key, AttributeType.DOUBLE, DOUBLE_KEYS, AttributeKey::doubleKey),
          d);
    } else if (v instanceof Long n) {
      a.append(
          slotKey(slots, position, key, AttributeType.LONG, LONG_KEYS, AttributeKey::longKey), n);
    } else if (v instanceof Map<?, ?> m) {
      a.append(
          slotKey(slots, position, key, AttributeType.STRING, STRING_KEYS, AttributeKey::stringKey),
          json(m));
    } else if (v instanceof List<?> l) {
      a.append(
          slotKey(
              slots,
              position,
              key,
              AttributeType.STRING_ARRAY,
              STRING_ARRAY_KEYS,
              AttributeKey::stringArrayKey),
          strings(l));
    } else if (v instanceof Boolean b) {
      a.append(
          slotKey(
              slots, position, key, AttributeType.BOOLEAN, BOOLEAN_KEYS, AttributeKey::booleanKey),
          b);
    } else if (v instanceof Float f) {
      a.append(
          slotKey(slots, position, key, AttributeType.DOUBLE, DOUBLE_KEYS, AttributeKey::doubleKey),
          f.doubleValue());
    } else if (v instanceof Number n) {
      a.append(
          slotKey(slots, position, key, AttributeType.LONG, LONG_KEYS, AttributeKey::longKey),
          n.longValue());
    } else {
      a.append(
          slotKey(slots, position, key, AttributeType.STRING, STRING_KEYS, AttributeKey::stringKey),
          String.valueOf(v));
    }
  }

  /** The key of the field at {@code position} of its event class, from the slot when it fits. */
  @SuppressWarnings("unchecked")
  private static <T> AttributeKey<T> slotKey(
      AttributeKey<?>[] slots,
      int position,
      String name,
      AttributeType type,
      Map<String, AttributeKey<T>> cache,
      java.util.function.Function<String, AttributeKey<T>> make) {
    if (position < slots.length) {
      AttributeKey<?> known = slots[position];
      if (known != null && known.getType() == type && known.getKey().equals(name)) {
        return (AttributeKey<T>) known;
      }
    }
    AttributeKey<T> k = key(cache, name, make);
    if (position < slots.length) {
      slots[position] = k; // a race only makes another thread look the key up again
    }
    return k;
  }

  /** The list's items as strings (a loop: a stream's set-up cost more than a gate's 1-2 items). */
  private static List<String> strings(List<?> l) {
    List<String> out = new ArrayList<>(l.size());
    for (Object x : l) {
      out.add(String.valueOf(x));
    }
    return out;
  }

  private static <T> AttributeKey<T> key(
      Map<String, AttributeKey<T>> cache,
      String name,
      java.util.function.Function<String, AttributeKey<T>> make) {
    AttributeKey<T> k = cache.get(name);
    if (k == null) {
      k = make.apply(name);
      if (cache.size() < MAX_CACHED_KEYS) {
        cache.put(name, k);
      }
    }
    return k;
  }

  private static void putFlat(AttributesBuilder a, String key, Object v, int depth) {
    if (v == null) {
      return;
    }
    if (v instanceof Map<?, ?> m) {
      if (depth > MAX_FLATTEN_DEPTH) {
        a.put(key, json(m));
        return;
      }
      m.forEach((k, x) -> putFlat(a, key + "." + k, x, depth + 1));
    } else if (v instanceof List<?> l) {
      a.put(AttributeKey.stringArrayKey(key), strings(l));
    } else {
      putScalar(a, key, v);
    }
  }

  private static void putScalar(AttributesBuilder a, String key, Object v) {
    if (v instanceof Boolean b) {
      a.put(key(BOOLEAN_KEYS, key, AttributeKey::booleanKey), b);
    } else if (v instanceof Double || v instanceof Float) {
      a.put(key(DOUBLE_KEYS, key, AttributeKey::doubleKey), ((Number) v).doubleValue());
    } else if (v instanceof Number n) {
      a.put(key(LONG_KEYS, key, AttributeKey::longKey), n.longValue());
    } else {
      a.put(key(STRING_KEYS, key, AttributeKey::stringKey), String.valueOf(v));
    }
  }

  private static String json(Object v) {
    try {
      return JSON.writeValueAsString(v);
    } catch (JsonProcessingException e) {
      return String.valueOf(v);
    }
  }
}

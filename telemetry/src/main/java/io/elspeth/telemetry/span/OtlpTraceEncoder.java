package io.elspeth.telemetry.span;

import io.elspeth.telemetry.event.TelemetryEvent;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.AttributeType;
import io.opentelemetry.sdk.resources.Resource;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Encodes events as OTLP/protobuf {@code ExportTraceServiceRequest} messages, the spans of {@link
 * EventSpans} written straight to the wire format: one {@code ResourceSpans} (the exporter's
 * resource) with one {@code ScopeSpans} ({@link EventSpans#SCOPE}) per request.
 *
 * <p>Why not the SDK's marshalers: they take the SDK's {@code SpanData} and build, per span, a tree
 * of marshaler objects (one per attribute, its key, its value, the ids decoded from hex), group the
 * spans in hash maps by resource and scope, and then walk the tree to write it. In the benchmark's
 * exporting JVM that was most of telemetry's CPU, and what it kept alive across young collections.
 * Every span here shares one resource and scope, its ids are bytes already, its keys' UTF-8 is
 * cached, and its size is known as it is written, so a request is cut to {@code maxBytes} exactly.
 * The receivers in the tests decode these messages with the OpenTelemetry protobuf classes.
 */
public final class OtlpTraceEncoder {
  // Wire-format tags: field number << 3 | wire type (0 varint, 1 fixed64, 2 length, 5 fixed32).
  private static final int REQUEST_RESOURCE_SPANS = 1 << 3 | 2;
  private static final int RESOURCE_SPANS_RESOURCE = 1 << 3 | 2;
  private static final int RESOURCE_SPANS_SCOPE_SPANS = 2 << 3 | 2;
  private static final int SCHEMA_URL = 3 << 3 | 2; // in ResourceSpans and ScopeSpans alike
  private static final int RESOURCE_ATTRIBUTES = 1 << 3 | 2;
  private static final int SCOPE_SPANS_SCOPE = 1 << 3 | 2;
  private static final int SCOPE_SPANS_SPANS = 2 << 3 | 2;
  private static final int SCOPE_NAME = 1 << 3 | 2;
  private static final int SCOPE_VERSION = 2 << 3 | 2;
  private static final int SPAN_TRACE_ID = 1 << 3 | 2;
  private static final int SPAN_SPAN_ID = 2 << 3 | 2;
  private static final int SPAN_NAME = 5 << 3 | 2;
  private static final int SPAN_KIND = 6 << 3;
  private static final int SPAN_START = 7 << 3 | 1;
  private static final int SPAN_END = 8 << 3 | 1;
  private static final int SPAN_ATTRIBUTES = 9 << 3 | 2;
  private static final int SPAN_STATUS = 15 << 3 | 2;
  private static final int SPAN_FLAGS = 16 << 3 | 5;
  private static final int KEY_VALUE_KEY = 1 << 3 | 2;
  private static final int KEY_VALUE_VALUE = 2 << 3 | 2;
  private static final int ANY_STRING = 1 << 3 | 2;
  private static final int ANY_BOOL = 2 << 3;
  private static final int ANY_INT = 3 << 3;
  private static final int ANY_DOUBLE = 4 << 3 | 1;
  private static final int ANY_ARRAY = 5 << 3 | 2;
  private static final int ARRAY_VALUES = 1 << 3 | 2;
  private static final int SPAN_KIND_INTERNAL = 1;

  /** Status {code: STATUS_CODE_OK}: the field, its length, and code (field 3) = 1. */
  private static final byte[] STATUS_OK = {SPAN_STATUS, 2, 3 << 3, 1};

  /**
   * Span flags as the SDK writes them: the sampled trace flag, and bit 8 saying that the parent's
   * is-remote bit (9, clear: the span has no parent) is known.
   */
  private static final int SPAN_FLAGS_VALUE = 0x01 | 0x100;

  /** Past this many keys or names a cache stops growing (flattened map keys are data). */
  private static final int MAX_CACHED_FIELDS = 4096;

  private final Resource resource;
  private final EventSpans.Style style;
  private final Map<String, String> extraAttributes;

  /** The fields of a request's ResourceSpans and ScopeSpans before its spans, encoded once. */
  private final byte[] resourceField;

  private final byte[] resourceSchema;
  private final byte[] scopeField;
  private final byte[] scopeSchema;

  /** The spans of the request being written, and the span being written: kept between calls. */
  private final Buffer spans = new Buffer(64 * 1024);

  private final Buffer span = new Buffer(1024);

  /**
   * Each attribute key's KeyValue key field (tag, length, UTF-8), by key instance: events reuse a
   * few dozen key instances, and an identity look-up costs less than hashing the name. The span
   * name field by name (event type) likewise. Both guarded by {@link #encode}'s lock.
   */
  private final Map<AttributeKey<?>, byte[]> keyFields = new java.util.IdentityHashMap<>();

  private final Map<String, byte[]> nameFields = new java.util.HashMap<>();

  /**
   * An encoder of events as spans of {@code resource}, their attributes named in {@code style},
   * with {@code extraAttributes} on every span.
   */
  public OtlpTraceEncoder(
      Resource resource, EventSpans.Style style, Map<String, String> extraAttributes) {
    this.resource = resource;
    this.style = style;
    this.extraAttributes = Map.copyOf(extraAttributes);
    Buffer r = new Buffer(256);
    resource
        .getAttributes()
        .forEach(
            (k, v) -> r.keyValue(RESOURCE_ATTRIBUTES, textField(KEY_VALUE_KEY, k.getKey()), k, v));
    this.resourceField = message(RESOURCE_SPANS_RESOURCE, r);
    this.resourceSchema = text(SCHEMA_URL, resource.getSchemaUrl());
    Buffer s = new Buffer(64);
    s.string(SCOPE_NAME, EventSpans.SCOPE.getName());
    if (EventSpans.SCOPE.getVersion() != null) {
      s.string(SCOPE_VERSION, EventSpans.SCOPE.getVersion());
    }
    this.scopeField = message(SCOPE_SPANS_SCOPE, s);
    this.scopeSchema = text(SCHEMA_URL, EventSpans.SCOPE.getSchemaUrl());
  }

  /**
   * The events' spans as requests, in order, each of at most {@code maxSpans} spans and {@code
   * maxBytes} bytes; a span that does not fit in {@code maxBytes} alone goes alone.
   */
  public List<byte[]> requests(List<TelemetryEvent> events, int maxSpans, long maxBytes) {
    return encode(
        events,
        e -> EventSpans.instantSpan(e, resource, style, extraAttributes),
        maxSpans,
        maxBytes);
  }

  /** As {@link #requests}, of spans already built (by {@link EventSpans#toSpan}). */
  synchronized <T> List<byte[]> encode(
      List<T> items,
      java.util.function.Function<T, InstantSpan> spanOf,
      int maxSpans,
      long maxBytes) {
    List<byte[]> requests = new ArrayList<>();
    spans.reset();
    int count = 0;
    for (T item : items) {
      span.reset();
      writeSpan(span, spanOf.apply(item));
      int field = 1 + varintSize(span.size) + span.size;
      if (count > 0 && (count == maxSpans || requestSize(spans.size + field) > maxBytes)) {
        requests.add(request(spans));
        spans.reset();
        count = 0;
      }
      spans.tag(SCOPE_SPANS_SPANS);
      spans.varint(span.size);
      spans.append(span);
      count++;
    }
    if (count > 0) {
      requests.add(request(spans));
    }
    if (spans.data.length > 4 << 20) { // one huge batch must not keep its buffer for the run
      spans.data = new byte[64 * 1024];
    }
    return requests;
  }

  private int scopeSpansSize(int spansBytes) {
    return scopeField.length + spansBytes + scopeSchema.length;
  }

  private int resourceSpansSize(int spansBytes) {
    int scopeSpans = scopeSpansSize(spansBytes);
    return resourceField.length + 1 + varintSize(scopeSpans) + scopeSpans + resourceSchema.length;
  }

  /** Bytes of a request whose spans take {@code spansBytes}. */
  private long requestSize(int spansBytes) {
    int resourceSpans = resourceSpansSize(spansBytes);
    return 1 + varintSize(resourceSpans) + (long) resourceSpans;
  }

  private byte[] request(Buffer spans) {
    Buffer out = new Buffer((int) requestSize(spans.size));
    out.tag(REQUEST_RESOURCE_SPANS);
    out.varint(resourceSpansSize(spans.size));
    out.bytes(resourceField);
    out.tag(RESOURCE_SPANS_SCOPE_SPANS);
    out.varint(scopeSpansSize(spans.size));
    out.bytes(scopeField);
    out.append(spans);
    out.bytes(scopeSchema);
    out.bytes(resourceSchema);
    return out.toByteArray();
  }

  private void writeSpan(Buffer b, InstantSpan span) {
    b.tag(SPAN_TRACE_ID);
    b.varint(16);
    b.bytes(span.traceId().bytes());
    b.tag(SPAN_SPAN_ID);
    b.varint(8);
    b.fixed64BigEndian(span.spanId());
    b.bytes(cachedField(nameFields, span.getName(), SPAN_NAME, span.getName()));
    b.tag(SPAN_KIND);
    b.varint(SPAN_KIND_INTERNAL);
    b.tag(SPAN_START);
    b.fixed64(span.getStartEpochNanos());
    b.tag(SPAN_END);
    b.fixed64(span.getEndEpochNanos());
    EventAttributes attributes = span.attributes();
    for (int i = 0; i < attributes.size(); i++) {
      AttributeKey<?> key = attributes.key(i);
      b.keyValue(
          SPAN_ATTRIBUTES,
          cachedField(keyFields, key, KEY_VALUE_KEY, key.getKey()),
          key,
          attributes.value(i));
    }
    b.bytes(STATUS_OK);
    b.tag(SPAN_FLAGS);
    b.fixed32(SPAN_FLAGS_VALUE);
  }

  /** A field holding the message in {@code content}. */
  private static byte[] message(int tag, Buffer content) {
    Buffer b = new Buffer(content.size + 8);
    b.tag(tag);
    b.varint(content.size);
    b.append(content);
    return b.toByteArray();
  }

  /** A string field, or nothing for null. */
  private static byte[] text(int tag, @Nullable String s) {
    return s == null ? new byte[0] : textField(tag, s);
  }

  /** A string field: its tag, its UTF-8 length, and its UTF-8. */
  private static byte[] textField(int tag, String s) {
    Buffer b = new Buffer(s.length() + 8);
    b.string(tag, s);
    return b.toByteArray();
  }

  /** The string field of {@code text} under {@code key} in {@code cache}, made on first use. */
  private static <K> byte[] cachedField(Map<K, byte[]> cache, K key, int tag, String text) {
    byte[] field = cache.get(key);
    if (field == null) {
      field = textField(tag, text);
      if (cache.size() < MAX_CACHED_FIELDS) {
        cache.put(key, field);
      }
    }
    return field;
  }

  /** Bytes of {@code v} as a varint: one per 7 significant bits (ten for a negative). */
  static int varintSize(long v) {
    return (63 - Long.numberOfLeadingZeros(v | 1)) / 7 + 1;
  }

  /** A growable byte array written front to back in the protobuf wire format. */
  private static final class Buffer {
    byte[] data;
    int size;

    Buffer(int capacity) {
      data = new byte[Math.max(16, capacity)];
    }

    void reset() {
      size = 0;
    }

    /** What was written, in an array of its own length. */
    byte[] toByteArray() {
      return size == data.length ? data : Arrays.copyOf(data, size);
    }

    private void room(int n) {
      if (size + n > data.length) {
        data = Arrays.copyOf(data, Math.max(data.length * 2, size + n));
      }
    }

    /** Tags here are all under 128 but the flags' (133), so one or two bytes. */
    void tag(int tag) {
      varint(tag);
    }

    void varint(long v) {
      room(10);
      while ((v & ~0x7FL) != 0) {
        data[size++] = (byte) ((v & 0x7F) | 0x80);
        v >>>= 7;
      }
      data[size++] = (byte) v;
    }

    void fixed64(long v) {
      room(8);
      for (int i = 0; i < 8; i++) {
        data[size++] = (byte) (v >>> (8 * i));
      }
    }

    void fixed64BigEndian(long v) {
      room(8);
      for (int i = 7; i >= 0; i--) {
        data[size++] = (byte) (v >>> (8 * i));
      }
    }

    void fixed32(int v) {
      room(4);
      for (int i = 0; i < 4; i++) {
        data[size++] = (byte) (v >>> (8 * i));
      }
    }

    void bytes(byte[] b) {
      room(b.length);
      System.arraycopy(b, 0, data, size, b.length);
      size += b.length;
    }

    void append(Buffer b) {
      room(b.size);
      System.arraycopy(b.data, 0, data, size, b.size);
      size += b.size;
    }

    void lengthDelimited(int tag, byte[] content) {
      tag(tag);
      varint(content.length);
      bytes(content);
    }

    void string(int tag, String s) {
      lengthDelimited(tag, s.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A KeyValue field: the key (its field as {@link #cachedField} made it), and the value as an
     * AnyValue of the attribute's type. Each length is known before its content is written: a
     * string value's UTF-8 is made first.
     */
    void keyValue(int tag, byte[] keyField, AttributeKey<?> key, Object value) {
      AttributeType type = key.getType();
      switch (type) {
        case STRING_ARRAY, BOOLEAN_ARRAY, LONG_ARRAY, DOUBLE_ARRAY -> {
          // An AnyValue holding an ArrayValue of AnyValues.
          AttributeType itemType = itemType(type);
          Buffer items = new Buffer(64);
          for (Object item : (List<?>) value) {
            byte[] utf8 = itemType == AttributeType.STRING ? utf8(item) : null;
            items.tag(ARRAY_VALUES);
            items.varint(scalarSize(itemType, item, utf8));
            items.scalar(itemType, item, utf8);
          }
          int any = 1 + varintSize(items.size) + items.size;
          keyValueHeader(tag, keyField, any);
          tag(ANY_ARRAY);
          varint(items.size);
          append(items);
        }
        case STRING, BOOLEAN, LONG, DOUBLE, VALUE -> {
          // VALUE (no event has one) as its text, as the console shows it.
          AttributeType scalar = type == AttributeType.VALUE ? AttributeType.STRING : type;
          byte[] utf8 = scalar == AttributeType.STRING ? utf8(value) : null;
          keyValueHeader(tag, keyField, scalarSize(scalar, value, utf8));
          scalar(scalar, value, utf8);
        }
        default -> throw new IllegalArgumentException("attribute type " + type);
      }
    }

    private void keyValueHeader(int tag, byte[] keyField, int any) {
      tag(tag);
      varint(keyField.length + 1 + varintSize(any) + any);
      bytes(keyField);
      tag(KEY_VALUE_VALUE);
      varint(any);
    }

    /** The AnyValue of a scalar of {@code type}; {@code utf8}: a string's, made by the caller. */
    private void scalar(AttributeType type, Object value, byte @Nullable [] utf8) {
      switch (type) {
        case BOOLEAN -> {
          tag(ANY_BOOL);
          varint(Boolean.TRUE.equals(value) ? 1 : 0);
        }
        case LONG -> {
          tag(ANY_INT);
          varint(((Number) value).longValue());
        }
        case DOUBLE -> {
          tag(ANY_DOUBLE);
          fixed64(Double.doubleToRawLongBits(((Number) value).doubleValue()));
        }
        default -> lengthDelimited(ANY_STRING, Objects.requireNonNull(utf8, "a string's bytes"));
      }
    }
  }

  /** Bytes of the AnyValue {@link Buffer#scalar} writes. */
  private static int scalarSize(AttributeType type, Object value, byte @Nullable [] utf8) {
    return switch (type) {
      case BOOLEAN -> 2;
      case LONG -> 1 + varintSize(((Number) value).longValue());
      case DOUBLE -> 9;
      default -> {
        int length = Objects.requireNonNull(utf8, "a string's bytes").length;
        yield 1 + varintSize(length) + length;
      }
    };
  }

  private static AttributeType itemType(AttributeType arrayType) {
    return switch (arrayType) {
      case BOOLEAN_ARRAY -> AttributeType.BOOLEAN;
      case LONG_ARRAY -> AttributeType.LONG;
      case DOUBLE_ARRAY -> AttributeType.DOUBLE;
      default -> AttributeType.STRING;
    };
  }

  private static byte[] utf8(Object text) {
    return String.valueOf(text).getBytes(StandardCharsets.UTF_8);
  }
}

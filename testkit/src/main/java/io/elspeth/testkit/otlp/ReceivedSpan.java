package io.elspeth.testkit.otlp;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * One span as decoded from the OTLP protobuf: name, hex trace and span ids, start/end nanos,
 * attributes (string, long, double, boolean, or list of those) and its resource's attributes.
 */
public record ReceivedSpan(
    String name,
    String traceId,
    String spanId,
    String parentSpanId,
    long startEpochNanos,
    long endEpochNanos,
    Map<String, Object> attributes,
    Map<String, Object> resource,
    String scope,
    String transport) {

  static ReceivedSpan of(Span s, Map<String, Object> resource, String scope, String transport) {
    HexFormat hex = HexFormat.of();
    return new ReceivedSpan(
        s.getName(),
        hex.formatHex(s.getTraceId().toByteArray()),
        hex.formatHex(s.getSpanId().toByteArray()),
        hex.formatHex(s.getParentSpanId().toByteArray()),
        s.getStartTimeUnixNano(),
        s.getEndTimeUnixNano(),
        attributes(s.getAttributesList()),
        resource,
        scope,
        transport);
  }

  static Map<String, Object> attributes(List<KeyValue> kvs) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (KeyValue kv : kvs) {
      m.put(kv.getKey(), value(kv.getValue()));
    }
    return m;
  }

  private static Object value(AnyValue v) {
    return switch (v.getValueCase()) {
      case STRING_VALUE -> v.getStringValue();
      case INT_VALUE -> v.getIntValue();
      case DOUBLE_VALUE -> v.getDoubleValue();
      case BOOL_VALUE -> v.getBoolValue();
      case ARRAY_VALUE ->
          v.getArrayValue().getValuesList().stream().map(ReceivedSpan::value).toList();
      case KVLIST_VALUE -> attributes(v.getKvlistValue().getValuesList());
      case BYTES_VALUE -> HexFormat.of().formatHex(v.getBytesValue().toByteArray());
      default -> "";
    };
  }

  /** A string attribute, or null. */
  public @Nullable String attr(String key) {
    Object v = attributes.get(key);
    return v == null ? null : String.valueOf(v);
  }
}

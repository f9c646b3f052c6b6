package io.elspeth.telemetry.event;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Renders events as ELSPETH's console exporter does: a JSON line of timestamp, run_id, the event's
 * fields in declaration order, then {@code event_type}; or the pretty form {@code [ts] EventType:
 * run_id (k=v, ...)} with the fields sorted and nulls left out.
 */
public final class EventJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private EventJson() {}

  /** The event as an ordered map (timestamp as ISO-8601, nulls kept). */
  public static Map<String, @Nullable Object> toMap(TelemetryEvent event) {
    Map<String, @Nullable Object> m = new LinkedHashMap<>();
    m.put("timestamp", event.timestamp().toString());
    m.put("run_id", event.runId());
    m.putAll(event.fields());
    m.put("event_type", event.eventType());
    return m;
  }

  /** One JSON line, without the newline. */
  public static String line(TelemetryEvent event) {
    try {
      return MAPPER.writeValueAsString(toMap(event));
    } catch (JsonProcessingException e) {
      // Event fields are strings, numbers, lists and maps of those: this is a bug.
      throw new IllegalStateException("event " + event.eventType() + " is not serialisable", e);
    }
  }

  /** The pretty one-line form. */
  public static String pretty(TelemetryEvent event) {
    Map<String, Object> sorted = new TreeMap<>();
    event
        .fields()
        .forEach(
            (k, v) -> {
              if (v != null) {
                sorted.put(k, v);
              }
            });
    String head = "[" + event.timestamp() + "] " + event.eventType() + ": " + event.runId();
    if (sorted.isEmpty()) {
      return head;
    }
    return head
        + " ("
        + sorted.entrySet().stream()
            .map(e -> e.getKey() + "=" + text(e.getValue()))
            .collect(Collectors.joining(", "))
        + ")";
  }

  private static String text(Object v) {
    if (v instanceof Map<?, ?> || v instanceof List<?>) {
      try {
        return MAPPER.writeValueAsString(v);
      } catch (JsonProcessingException e) {
        return String.valueOf(v);
      }
    }
    return String.valueOf(v);
  }
}

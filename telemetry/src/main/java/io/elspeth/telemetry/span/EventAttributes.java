package io.elspeth.telemetry.span;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The attributes of an event's span, kept in the order they were put. The SDK's own {@code
 * Attributes.builder()} sorts its keys and merges duplicates on every {@code build()}, and grows
 * its list as the attributes come: in the exporting JVM of scenario 4 that sorting and growing took
 * about a fifth of the export thread's CPU. An event's attributes need neither: OTLP sends them as
 * a list in any order, and the fields of one event have distinct names by construction, so {@link
 * Builder#append} adds a field's attribute with no look-up. {@link Builder#put}, used for
 * everything else (GenAI attributes, an exporter's extra tags, flattened map keys), replaces an
 * attribute of the same key, as the SDK does.
 */
final class EventAttributes implements Attributes {
  private final AttributeKey<?>[] keys;
  private final Object[] values;
  private final int size;

  private EventAttributes(AttributeKey<?>[] keys, Object[] values, int size) {
    this.keys = keys;
    this.values = values;
    this.size = size;
  }

  /** The key of the attribute at {@code i} (in the order put), for the OTLP encoder. */
  AttributeKey<?> key(int i) {
    return keys[i];
  }

  /** The value of the attribute at {@code i}. */
  Object value(int i) {
    return values[i];
  }

  /** A builder with room for {@code expected} attributes before it grows. */
  static Builder builder(int expected) {
    return new Builder(Math.max(4, expected));
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> @Nullable T get(AttributeKey<T> key) {
    int i = indexOf(keys, size, key);
    return i < 0 ? null : (T) values[i];
  }

  @Override
  public void forEach(BiConsumer<? super AttributeKey<?>, ? super Object> consumer) {
    for (int i = 0; i < size; i++) {
      consumer.accept(keys[i], values[i]);
    }
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public boolean isEmpty() {
    return size == 0;
  }

  @Override
  public Map<AttributeKey<?>, Object> asMap() {
    Map<AttributeKey<?>, Object> map = new LinkedHashMap<>();
    forEach(map::put);
    return Collections.unmodifiableMap(map);
  }

  @Override
  public AttributesBuilder toBuilder() {
    Builder b = new Builder(size + 4);
    forEach((k, v) -> b.append(k, v));
    return b;
  }

  /** Equal to any {@link Attributes} holding the same keys and values, whatever their order. */
  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Attributes other) || other.size() != size) {
      return false;
    }
    for (int i = 0; i < size; i++) {
      if (!values[i].equals(other.get(keys[i]))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    return asMap().hashCode();
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("{");
    for (int i = 0; i < size; i++) {
      s.append(i == 0 ? "" : ", ").append(keys[i].getKey()).append('=').append(values[i]);
    }
    return s.append('}').toString();
  }

  private static int indexOf(AttributeKey<?>[] keys, int size, AttributeKey<?> key) {
    for (int i = 0; i < size; i++) {
      if (keys[i] == key || keys[i].equals(key)) {
        return i;
      }
    }
    return -1;
  }

  /** Builds one span's attributes; null values and empty key names are ignored, as the SDK does. */
  static final class Builder implements AttributesBuilder {
    private AttributeKey<?>[] keys;
    private Object[] values;
    private int size;

    /**
     * Whether the arrays were handed to a built {@link EventAttributes} (copied before a change).
     */
    private boolean built;

    private Builder(int capacity) {
      keys = new AttributeKey<?>[capacity];
      values = new Object[capacity];
    }

    /**
     * Adds an attribute whose key the caller knows is not there yet (an event field: the fields of
     * one event have distinct names, none of them {@code run_id} or {@code event_type}).
     */
    Builder append(AttributeKey<?> key, @Nullable Object value) {
      if (value == null || key.getKey().isEmpty()) {
        return this;
      }
      if (size == keys.length || built) {
        own(size == keys.length ? size * 2 : keys.length);
      }
      keys[size] = key;
      values[size] = value;
      size++;
      return this;
    }

    @Override
    public <T> AttributesBuilder put(AttributeKey<T> key, @Nullable T value) {
      if (value == null || key == null || key.getKey().isEmpty()) {
        return this;
      }
      int i = indexOf(keys, size, key);
      if (i >= 0) {
        own(keys.length);
        values[i] = value;
        return this;
      }
      return append(key, value);
    }

    @Override
    public <T> AttributesBuilder put(AttributeKey<Long> key, int value) {
      return put(key, (long) value);
    }

    @Override
    public AttributesBuilder putAll(Attributes attributes) {
      attributes.forEach(this::putUnchecked);
      return this;
    }

    @SuppressWarnings("unchecked")
    private void putUnchecked(AttributeKey<?> key, Object value) {
      put((AttributeKey<Object>) key, value);
    }

    @Override
    public <T> AttributesBuilder remove(AttributeKey<T> key) {
      return removeIf(key::equals);
    }

    @Override
    public AttributesBuilder removeIf(Predicate<AttributeKey<?>> filter) {
      own(keys.length);
      int kept = 0;
      for (int i = 0; i < size; i++) {
        if (!filter.test(keys[i])) {
          keys[kept] = keys[i];
          values[kept] = values[i];
          kept++;
        }
      }
      Arrays.fill(keys, kept, size, null);
      Arrays.fill(values, kept, size, null);
      size = kept;
      return this;
    }

    /** Copies the arrays (to {@code capacity}) when they are full or a built result holds them. */
    private void own(int capacity) {
      if (built || capacity != keys.length) {
        keys = Arrays.copyOf(keys, capacity);
        values = Arrays.copyOf(values, capacity);
        built = false;
      }
    }

    /**
     * The attributes put so far. The result takes the builder's arrays as they are (an event's span
     * is built once); the builder may go on, and copies them before its next change.
     */
    @Override
    public EventAttributes build() {
      built = true;
      return new EventAttributes(keys, values, size);
    }
  }
}

package io.elspeth.audit.record;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;

import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.testing.CoderProperties;
import org.apache.beam.sdk.util.CoderUtils;
import org.junit.jupiter.api.Test;

class AuditRecordCoderTest {
  /**
   * Every audit record type, built from its components (so a component added later is covered too),
   * with every value set and with every reference component null where the record allows.
   */
  @Test
  void everyRecordTypeRoundTripsWithValuesAndWithNulls() throws Exception {
    List<AuditRecord> samples = new ArrayList<>();
    for (Class<?> type : AuditRecord.class.getPermittedSubclasses()) {
      samples.add((AuditRecord) build(type, false));
      try {
        samples.add((AuditRecord) build(type, true));
      } catch (java.lang.reflect.InvocationTargetException rejected) {
        // This record refuses a null somewhere: its all-values sample covers it.
      }
    }
    assertThat(samples.size(), greaterThan(AuditRecord.class.getPermittedSubclasses().length));
    for (AuditRecord r : samples) {
      CoderProperties.coderDecodeEncodeEqual(AuditRecordCoder.of(), r);
    }
  }

  @Test
  void aCallWithItsTelemetryRoundTripsAndIsSmallerThanJavaSerialisation() throws Exception {
    CallRecord call =
        ((CallRecord) build(CallRecord.class, false))
            .withTelemetry(
                new CallRecord.Telemetry("azure", "tok-1", "gpt-4o", "gpt-4o-2024", 12L, 34L));
    CoderProperties.coderDecodeEncodeEqual(AuditRecordCoder.of(), call);
    assertThat(
        ((CallRecord)
                CoderUtils.decodeFromByteArray(
                    AuditRecordCoder.of(),
                    CoderUtils.encodeToByteArray(AuditRecordCoder.of(), call)))
            .telemetry(),
        is(call.telemetry()));
    java.io.ByteArrayOutputStream java = new java.io.ByteArrayOutputStream();
    try (java.io.ObjectOutputStream oos = new java.io.ObjectOutputStream(java)) {
      oos.writeObject(call);
    }
    assertThat(
        CoderUtils.encodeToByteArray(AuditRecordCoder.of(), call).length,
        lessThan(java.size() / 2));
  }

  private static Object build(Class<?> type, boolean nulls) throws Exception {
    RecordComponent[] components = type.getRecordComponents();
    Class<?>[] types = new Class<?>[components.length];
    Object[] values = new Object[components.length];
    for (int i = 0; i < components.length; i++) {
      types[i] = components[i].getType();
      values[i] = sample(types[i], i, nulls);
    }
    Constructor<?> c = type.getDeclaredConstructor(types);
    return c.newInstance(values);
  }

  private static Object sample(Class<?> t, int i, boolean nulls) throws Exception {
    if (t == int.class) {
      return i == 0 ? -1 : i;
    } else if (t == long.class) {
      return 1L << (i + 20);
    } else if (t == double.class) {
      return i + 0.25;
    } else if (nulls) {
      return null;
    } else if (t == String.class) {
      return i % 2 == 0 ? "value-" + i : "ünïcode \u2603 " + i;
    } else if (t == Integer.class) {
      return i;
    } else if (t == Long.class) {
      return (long) i * 1_000_000_007L;
    } else if (t == Double.class) {
      return i / 3.0;
    } else if (t == Instant.class) {
      return Instant.parse("2026-12-01T10:15:30.123456789Z").plusSeconds(i);
    } else if (t.isRecord()) {
      return build(t, false);
    }
    throw new IllegalArgumentException("no sample for " + t);
  }
}

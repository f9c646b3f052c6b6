package io.elspeth.telemetry.span;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventAttributesTest {
  private static final AttributeKey<String> A = AttributeKey.stringKey("a");
  private static final AttributeKey<Long> B = AttributeKey.longKey("b");
  private static final AttributeKey<String> C = AttributeKey.stringKey("c");

  private static List<String> keys(Attributes attributes) {
    List<String> names = new ArrayList<>();
    attributes.forEach((k, v) -> names.add(k.getKey()));
    return names;
  }

  @Test
  void keepsTheOrderOfPutsAndPutReplacesAnEqualKey() {
    EventAttributes.Builder b = EventAttributes.builder(1);
    b.append(C, "c1").append(A, "a1").put(B, 7L);
    b.put(AttributeKey.stringKey("a"), "a2"); // an equal key, another instance
    b.put(B, 3); // the int overload, as a long
    EventAttributes built = b.build();
    assertThat(keys(built), contains("c", "a", "b"));
    assertThat(built.get(A), is("a2"));
    assertThat(built.get(B), is(3L));
    assertThat(built.size(), is(3));
    assertThat(built.toString(), is("{c=c1, a=a2, b=3}"));
  }

  @Test
  void ignoresNullValuesAndEmptyKeysAsTheSdkDoes() {
    EventAttributes built =
        EventAttributes.builder(4).append(A, null).append(AttributeKey.stringKey(""), "x").build();
    assertThat(built.isEmpty(), is(true));
    assertThat(built.get(A), nullValue());
  }

  @Test
  void aBuiltResultDoesNotChangeWhenTheBuilderGoesOn() {
    EventAttributes.Builder b = EventAttributes.builder(4).append(A, "a1");
    EventAttributes first = b.build();
    b.put(A, "a2");
    b.append(C, "c1");
    b.removeIf(k -> k.equals(A));
    assertThat(first.get(A), is("a1"));
    assertThat(first.size(), is(1));
    EventAttributes second = b.build();
    assertThat(keys(second), contains("c"));
  }

  @Test
  void equalsAnyAttributesWithTheSameEntriesInAnyOrder() {
    EventAttributes ours = EventAttributes.builder(2).append(B, 1L).append(A, "x").build();
    Attributes sdk = Attributes.of(A, "x", B, 1L);
    assertThat(ours.equals(sdk), is(true));
    assertThat(ours.asMap(), is(sdk.asMap()));
    assertThat(ours.equals(Attributes.of(A, "x")), is(false));
    assertThat(
        ours.toBuilder().put(C, "y").build().equals(Attributes.of(A, "x", B, 1L, C, "y")),
        is(true));
  }
}

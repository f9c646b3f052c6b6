package io.elspeth.connectors.sink;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.elspeth.audit.token.Token;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.transforms.join.RawUnionValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sink's gathered group is read exactly once: a Flink batch job streams a group from its spilled
 * buffers only to a reader that does not ask for it twice (otherwise the whole group, every row the
 * sink receives, is kept on one TaskManager's heap).
 */
class SinkGroupTest {
  @TempDir Path dir;

  /** A group the way Flink hands it without a re-iterable result: one iterator, then an error. */
  private static final class OnceOnly implements Iterable<RawUnionValue> {
    private final List<RawUnionValue> values;
    private int iterators;

    OnceOnly(List<RawUnionValue> values) {
      this.values = values;
    }

    @Override
    public Iterator<RawUnionValue> iterator() {
      if (++iterators > 1) {
        throw new IllegalStateException("a group can be read only once");
      }
      return values.iterator();
    }
  }

  private static Token token(long index) {
    return Token.fromSource("row-" + index, index, Map.of("id", index));
  }

  @Test
  void aSinksTokensAreSpilledInOneReadOfItsGroupWithTheMarkerLeftOut() throws Exception {
    List<RawUnionValue> values = new ArrayList<>();
    values.add(new RawUnionValue(SinkGroup.PRESENT, 1));
    for (long i = 25_000; i-- > 0; ) {
      values.add(new RawUnionValue(SinkGroup.TOKEN, token(i)));
    }
    OnceOnly group = new OnceOnly(values);

    List<SpillFiles.SpillFile> spills =
        SpillFiles.spill(dir, SinkGroup.tokens(group), SinkWrite.MAX_SPILL_FILE_TOKENS);

    assertThat("read once", group.iterators, is(1));
    assertThat(spills.stream().mapToLong(SpillFiles.SpillFile::count).sum(), is(25_000L));
    List<Long> indexes = new ArrayList<>();
    SpillFiles.merge(spills).forEach(t -> indexes.add(t.rowIndex()));
    assertThat("merged in source order", indexes.subList(0, 3), contains(0L, 1L, 2L));
    assertThat(indexes.size(), is(25_000));
    assertThrows(IllegalStateException.class, () -> group.iterator());
  }

  @Test
  void aGroupOfSpillFilesGivesItsFilesAndOnlyThem() {
    SpillFiles.SpillFile a = new SpillFiles.SpillFile("/tmp/a", 3);
    SpillFiles.SpillFile b = new SpillFiles.SpillFile("/tmp/b", 4);
    OnceOnly group =
        new OnceOnly(
            List.of(
                new RawUnionValue(SinkGroup.SPILL_FILE, a),
                new RawUnionValue(SinkGroup.PRESENT, 1),
                new RawUnionValue(SinkGroup.SPILL_FILE, b)));

    assertThat(SinkGroup.spillFiles(group), contains(a, b));
    assertThat(group.iterators, is(1));
  }

  @Test
  void anEmptySinksGroupHoldsOnlyItsMarkerAndGivesNoTokens() {
    OnceOnly group = new OnceOnly(List.of(new RawUnionValue(SinkGroup.PRESENT, 1)));
    assertThat(SinkGroup.tokens(group).iterator().hasNext(), is(false));
  }
}

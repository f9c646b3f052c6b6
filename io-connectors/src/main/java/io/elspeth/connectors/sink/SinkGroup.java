package io.elspeth.connectors.sink;

import io.elspeth.audit.token.Token;
import io.elspeth.audit.token.TokenCoder;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.join.RawUnionValue;
import org.apache.beam.sdk.transforms.join.UnionCoder;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Gathers everything one sink writes under the sink's key, as a group its writer reads exactly
 * once: the sink's tokens (or, when bundles spill their own tokens, the names of those spill files)
 * and a marker that makes the group exist when the sink receives nothing, so an empty sink still
 * writes its empty output.
 *
 * <p>Why not {@code CoGroupByKey}: its result reads a group again once it holds more than 10,000
 * elements, and a Flink batch job can hand a group to a function only once unless it keeps the
 * whole group on the heap ({@code reIterableGroupByKeyResult}). A sink's group is every row the
 * sink receives, so on a cluster a million-row sink ran its TaskManager out of memory. A plain
 * {@code GroupByKey} of tagged values, read once, lets Flink stream the group from its sorted,
 * spilled buffers; the writer sorts it into spill files on its worker's disk as it reads.
 */
final class SinkGroup
    extends PTransform<PCollection<Token>, PCollection<KV<String, Iterable<RawUnionValue>>>> {
  static final int TOKEN = 0;
  static final int SPILL_FILE = 1;
  static final int PRESENT = 2;

  private final String key;
  private final String dir;
  private final boolean spillsPerBundle;
  private final int spillFileTokens;

  SinkGroup(String key, String dir, boolean spillsPerBundle, int spillFileTokens) {
    this.key = key;
    this.dir = dir;
    this.spillsPerBundle = spillsPerBundle;
    this.spillFileTokens = spillFileTokens;
  }

  /** The coder of a gathered item; the union tags above index its coders. */
  static KvCoder<String, RawUnionValue> itemCoder() {
    return KvCoder.of(
        StringUtf8Coder.of(),
        UnionCoder.of(List.of(TokenCoder.of(), SpillFiles.SpillFileCoder.of(), VarIntCoder.of())));
  }

  @Override
  public PCollection<KV<String, Iterable<RawUnionValue>>> expand(PCollection<Token> tokens) {
    PCollection<KV<String, RawUnionValue>> present =
        tokens
            .getPipeline()
            .apply(
                "SinkPresent",
                Create.of(KV.of(key, new RawUnionValue(PRESENT, 1))).withCoder(itemCoder()));
    PCollection<KV<String, RawUnionValue>> items;
    if (spillsPerBundle) {
      items =
          tokens
              .apply("SpillBundles", ParDo.of(new SpillBundleFn(key, dir, spillFileTokens)))
              .setCoder(KvCoder.of(StringUtf8Coder.of(), SpillFiles.SpillFileCoder.of()))
              .apply("TagSpillFiles", ParDo.of(new TagFn<>(SPILL_FILE)))
              .setCoder(itemCoder());
    } else {
      items = tokens.apply("KeyBySink", ParDo.of(new KeyTokenFn(key))).setCoder(itemCoder());
    }
    return PCollectionList.of(present)
        .and(items)
        .apply("SinkItems", Flatten.pCollections())
        .setCoder(itemCoder())
        .apply("GatherRows", GroupByKey.create());
  }

  /** The spill files of a group gathered with bundles spilling their own tokens. */
  static List<SpillFiles.SpillFile> spillFiles(Iterable<RawUnionValue> group) {
    List<SpillFiles.SpillFile> files = new ArrayList<>();
    for (RawUnionValue v : group) {
      if (v.getUnionTag() == SPILL_FILE) {
        files.add((SpillFiles.SpillFile) v.getValue());
      }
    }
    return files;
  }

  /**
   * The tokens of a group gathered token by token, read lazily and once from the group as the
   * runner hands it (so a Flink group streams from its spilled buffers).
   */
  static Iterable<Token> tokens(Iterable<RawUnionValue> group) {
    return () ->
        new Iterator<>() {
          private final Iterator<RawUnionValue> it = group.iterator();
          private @Nullable Token next;

          @Override
          public boolean hasNext() {
            while (next == null && it.hasNext()) {
              RawUnionValue v = it.next();
              if (v.getUnionTag() == TOKEN) {
                next = (Token) v.getValue();
              }
            }
            return next != null;
          }

          @Override
          public Token next() {
            Token t = hasNext() ? next : null;
            if (t == null) {
              throw new NoSuchElementException();
            }
            next = null;
            return t;
          }
        };
  }

  /** Keys each token by its sink, tagged as a token. */
  static final class KeyTokenFn extends DoFn<Token, KV<String, RawUnionValue>> {
    private final String key;

    KeyTokenFn(String key) {
      this.key = key;
    }

    @ProcessElement
    public void process(@Element Token token, OutputReceiver<KV<String, RawUnionValue>> out) {
      out.output(KV.of(key, new RawUnionValue(TOKEN, token)));
    }
  }

  /** Tags a keyed value with its union tag. */
  static final class TagFn<V> extends DoFn<KV<String, V>, KV<String, RawUnionValue>> {
    private final int tag;

    TagFn(int tag) {
      this.tag = tag;
    }

    @ProcessElement
    public void process(@Element KV<String, V> kv, OutputReceiver<KV<String, RawUnionValue>> out) {
      out.output(KV.of(kv.getKey(), new RawUnionValue(tag, kv.getValue())));
    }
  }
}

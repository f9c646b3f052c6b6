package io.elspeth.connectors.sink;

import io.elspeth.audit.token.Token;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.KV;

/** Spills each bundle's tokens as sorted spill files; outputs their names, keyed by sink. */
final class SpillBundleFn extends DoFn<Token, KV<String, SpillFiles.SpillFile>> {
  private final String key;
  private final String dir;
  private final int spillFileTokens;
  private transient List<Token> buffer;

  SpillBundleFn(String key, String dir, int spillFileTokens) {
    this.key = key;
    this.dir = dir;
    this.spillFileTokens = spillFileTokens;
  }

  @StartBundle
  public void start() {
    buffer = new ArrayList<>();
  }

  @ProcessElement
  public void process(@Element Token token, OutputReceiver<KV<String, SpillFiles.SpillFile>> out)
      throws IOException {
    buffer.add(token);
    if (buffer.size() >= spillFileTokens) {
      out.output(KV.of(key, SpillFiles.write(Path.of(dir), buffer)));
      buffer = new ArrayList<>();
    }
  }

  @FinishBundle
  public void finish(FinishBundleContext c) throws IOException {
    if (!buffer.isEmpty()) {
      c.output(
          KV.of(key, SpillFiles.write(Path.of(dir), buffer)),
          GlobalWindow.INSTANCE.maxTimestamp(),
          GlobalWindow.INSTANCE);
      buffer = new ArrayList<>();
    }
  }
}

package io.elspeth.benchmarks.micro;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.token.Token;
import io.elspeth.audit.token.TokenCoder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.beam.sdk.util.CoderUtils;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** Per-row costs on the hot path: the token coder and the canonical hash of a row. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TokenCoderBenchmark {
  private Token token;
  private byte[] encoded;

  @Setup
  public void setUp() throws Exception {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("id", 12345L);
    row.put("customer", "customer-12345");
    row.put("amount", 1234.56);
    row.put("note", "a short free-text note about this row");
    token = Token.fromSource("0123456789abcdef0123456789abcdef", 12345, row);
    encoded = CoderUtils.encodeToByteArray(TokenCoder.of(), token);
  }

  @Benchmark
  public byte[] encode() throws Exception {
    return CoderUtils.encodeToByteArray(TokenCoder.of(), token);
  }

  @Benchmark
  public Token decode() throws Exception {
    return CoderUtils.decodeFromByteArray(TokenCoder.of(), encoded);
  }

  @Benchmark
  public String stableHash() {
    return CanonicalJson.stableHash(token.data());
  }
}

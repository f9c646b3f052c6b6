package io.elspeth.connectors.blob;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import io.elspeth.connectors.sink.SinkWriter;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What the blob sink cannot write, known before anything is uploaded (no service is contacted, so
 * the account below is never reached): the file sinks' rules for its format.
 */
class AzureBlobSinkRowCheckTest {
  /** An account on a closed port with a made-up key ("not-a-key"): never contacted. */
  private static final String NOWHERE =
      "DefaultEndpointsProtocol=http;AccountName=nowhere;"
          + "AccountKey=bm90LWEta2V5;BlobEndpoint=http://127.0.0.1:9/nowhere";

  private static SinkWriter sink(String format, String encoding) {
    AzureBlobSinkPlugin plugin = new AzureBlobSinkPlugin();
    Map<String, Object> raw =
        BlobFixture.map(
            "connection_string",
            NOWHERE,
            "container",
            "c",
            "blob_path",
            "out." + format,
            "format",
            format);
    if (format.equals("csv")) {
      raw.put("csv_options", BlobFixture.map("encoding", encoding));
    }
    return plugin.create(BlobFixture.options(plugin, raw));
  }

  @Test
  void aCsvBlobRefusesWhatItsEncodingCannotHoldAndAJsonBlobNonFiniteNumbers() {
    assertThat(
        sink("csv", "ascii").cannotWrite(Map.of("name", "caf\u00e9")).orElseThrow(),
        containsString("the value of field 'name' cannot be encoded in US-ASCII"));
    assertThat(
        sink("csv", "utf-8").cannotWrite(Map.of("name", "caf\u00e9")).isPresent(), is(false));
    assertThat(
        sink("jsonl", "utf-8").cannotWrite(Map.of("score", Double.NaN)).orElseThrow(),
        containsString("'score' is not a finite number"));
    assertThat(
        sink("json", "utf-8").cannotWrite(Map.of("name", "a\ud800")).orElseThrow(),
        containsString("field 'name' (its name or value) cannot be encoded in UTF-8"));
  }
}

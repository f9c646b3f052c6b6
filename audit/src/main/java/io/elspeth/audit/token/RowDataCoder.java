package io.elspeth.audit.token;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.elspeth.audit.canonical.CanonicalJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.CoderException;

/**
 * Coder of a row's data (an ordered map of JSON values) as JSON in its own field order: equal
 * rows encode to equal bytes, and a decoded row holds the plain values a step reads (String,
 * Long, Double, Boolean, List, Map, null). {@link TokenCoder} encodes a token's data with it.
 */
public final class RowDataCoder extends AtomicCoder<Map<String, Object>> {
  private static final RowDataCoder INSTANCE = new RowDataCoder();
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private RowDataCoder() {}

  public static RowDataCoder of() {
    return INSTANCE;
  }

  @Override
  public void encode(Map<String, Object> row, OutputStream out) throws IOException {
    ByteArrayCoder.of().encode(MAPPER.writeValueAsBytes(row), out);
  }

  @Override
  @SuppressWarnings("unchecked")
  public Map<String, Object> decode(InputStream in) throws IOException {
    Object data = CanonicalJson.toPlain(MAPPER.readTree(ByteArrayCoder.of().decode(in)));
    if (!(data instanceof Map)) {
      throw new CoderException("row data is not a JSON object");
    }
    return (Map<String, Object>) data;
  }

  @Override
  public void verifyDeterministic() {}

  @Override
  public boolean consistentWithEquals() {
    return true;
  }
}

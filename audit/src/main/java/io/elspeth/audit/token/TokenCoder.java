package io.elspeth.audit.token;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;

/**
 * Deterministic, compact coder for {@link Token}: ids and routing as UTF-8 strings, positions as
 * var-ints, the row data as JSON in its own field order (equal tokens encode to equal bytes).
 */
public final class TokenCoder extends AtomicCoder<Token> {
  private static final TokenCoder INSTANCE = new TokenCoder();
  private static final StringUtf8Coder STRING = StringUtf8Coder.of();
  private static final NullableCoder<String> NULLABLE_STRING = NullableCoder.of(STRING);
  private static final ListCoder<String> STRINGS = ListCoder.of(STRING);
  private static final ListCoder<Integer> INTS = ListCoder.of(VarIntCoder.of());

  private TokenCoder() {}

  public static TokenCoder of() {
    return INSTANCE;
  }

  @Override
  public void encode(Token token, OutputStream out) throws IOException {
    STRING.encode(token.rowId(), out);
    STRING.encode(token.tokenId(), out);
    STRINGS.encode(token.parentTokenIds(), out);
    VarLongCoder.of().encode(token.rowIndex(), out);
    INTS.encode(token.order(), out);
    RowDataCoder.of().encode(token.data(), out);
    NULLABLE_STRING.encode(token.lastStateId(), out);
    NULLABLE_STRING.encode(token.destination(), out);
    NULLABLE_STRING.encode(token.pendingOutcome(), out);
    NULLABLE_STRING.encode(token.errorHash(), out);
  }

  @Override
  public Token decode(InputStream in) throws IOException {
    String rowId = STRING.decode(in);
    String tokenId = STRING.decode(in);
    List<String> parents = STRINGS.decode(in);
    long rowIndex = VarLongCoder.of().decode(in);
    List<Integer> order = INTS.decode(in);
    Map<String, Object> data;
    try {
      data = RowDataCoder.of().decode(in);
    } catch (CoderException e) {
      throw new CoderException("token " + tokenId + ": " + e.getMessage());
    }
    return new Token(
        rowId,
        tokenId,
        parents,
        rowIndex,
        order,
        data,
        NULLABLE_STRING.decode(in),
        NULLABLE_STRING.decode(in),
        NULLABLE_STRING.decode(in),
        NULLABLE_STRING.decode(in));
  }

  @Override
  public void verifyDeterministic() {}

  @Override
  public boolean consistentWithEquals() {
    return true;
  }
}

package io.elspeth.audit.record;

import io.elspeth.audit.token.Token;
import io.elspeth.audit.token.TokenCoder;
import java.util.List;
import org.apache.beam.sdk.coders.CannotProvideCoderException;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderProvider;
import org.apache.beam.sdk.coders.CoderProviderRegistrar;
import org.apache.beam.sdk.values.TypeDescriptor;

/**
 * Makes Beam find the project's coders without registration: {@link TokenCoder} for tokens and
 * {@link AuditRecordCoder} for audit records of any type (found by Beam's {@code ServiceLoader}).
 * Without it a {@code PCollection<Token>} a user's step makes would fall back to Java
 * serialization, which is neither compact nor deterministic.
 */
public final class ElspethCoderRegistrar implements CoderProviderRegistrar {

  @Override
  public List<CoderProvider> getCoderProviders() {
    return List.of(new Provider());
  }

  private static final class Provider extends CoderProvider {
    @Override
    @SuppressWarnings("unchecked")
    public <T> Coder<T> coderFor(TypeDescriptor<T> type, List<? extends Coder<?>> componentCoders)
        throws CannotProvideCoderException {
      Class<? super T> raw = type.getRawType();
      if (raw == Token.class) {
        return (Coder<T>) TokenCoder.of();
      }
      if (AuditRecord.class.isAssignableFrom(raw)) {
        // The coder tags each record with its type, so it encodes every subtype.
        return (Coder<T>) (Coder<?>) AuditRecordCoder.of();
      }
      throw new CannotProvideCoderException(type + " is neither a Token nor an AuditRecord");
    }
  }
}

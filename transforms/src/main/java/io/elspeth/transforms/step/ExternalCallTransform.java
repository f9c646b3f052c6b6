package io.elspeth.transforms.step;

import io.elspeth.audit.secrets.SecretFingerprinter;
import io.elspeth.audit.secrets.UrlRedactor;
import io.elspeth.connectors.client.CallRetrier;
import io.elspeth.connectors.client.CallSink;
import io.elspeth.connectors.client.ClientSettings;
import io.elspeth.connectors.client.ExternalCallException;
import io.elspeth.connectors.client.PoolSettings;
import java.util.Map;

/**
 * Base of the transforms that call external services: each row's calls go through audited clients
 * into the row's {@link CallSink}, retried by one {@link CallRetrier} per DoFn instance (its AIMD
 * throttle shared by the instance's pool), with {@code pool_size} rows in flight.
 */
public abstract class ExternalCallTransform implements RowTransform {
  private final PoolSettings pool;
  private final CallRetrier retrier;
  private final ClientSettings client;

  protected ExternalCallTransform(ClientSettings client, PoolSettings pool, String service) {
    this.pool = pool;
    this.client = client;
    // Serialized with the transform, so every DoFn instance gets its own retrier and throttle.
    this.retrier = new CallRetrier(client, pool, service);
  }

  /**
   * Refused: an external-call transform records its calls, which needs the node state's sink that
   * only {@link TransformStep} provides.
   */
  @Override
  public final TransformResult apply(Map<String, Object> row) {
    throw new IllegalStateException(
        getClass().getSimpleName()
            + " calls external services and must run with a CallSink (inside TransformStep)");
  }

  @Override
  public abstract TransformResult apply(Map<String, Object> row, CallSink calls);

  @Override
  public int poolSize() {
    return pool.poolSize();
  }

  protected CallRetrier retrier() {
    return retrier;
  }

  /** The run-level client settings, with the extra credential URL parameter names. */
  protected ClientSettings clientSettings() {
    return client;
  }

  /** Messages of this transform mask the run's credential URL parameters too. */
  @Override
  public UrlRedactor urls() {
    return new UrlRedactor(new SecretFingerprinter(null), client.secretUrlParams());
  }

  /** Runs one logical call with retries; an interrupt is a failed call, not a lost row. */
  protected <T> T call(CallRetrier.Attempt<T> attempt) throws ExternalCallException {
    return retrier.callOrFail(attempt);
  }
}

package io.elspeth.audit.store;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends the waits of a Landscape whose server went silent: a server that neither answers nor closes
 * its sockets (a stopped process, a network cut) leaves a JDBC call blocked on its socket forever.
 * The guard knows the connections handed out and since when; when one has been out longer than
 * {@code silence}, it asks a fresh connection of the server ({@code answers}) and, if none comes
 * within that time, aborts every connection handed out, so each blocked call fails at once and the
 * run can end with a clear message.
 *
 * <p>A slow query on a loaded but healthy server is never cut: the server still answers a new
 * connection, however long the query takes. Only a server that cannot even greet a new connection
 * within {@code silence} counts as silent.
 */
final class SilentServerGuard implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SilentServerGuard.class);

  private final Duration silence;
  private final BooleanSupplier answers;
  private final Runnable onSilent;
  private final String what;

  /** Connections handed out (the driver's or the pool's, not their proxies), with the nanoTime. */
  private final Map<Connection, Long> out = new ConcurrentHashMap<>();

  private final ScheduledExecutorService timer;

  SilentServerGuard(String what, Duration silence, BooleanSupplier answers, Runnable onSilent) {
    this.what = what;
    this.silence = silence;
    this.answers = answers;
    this.onSilent = onSilent;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "elspeth-landscape-silence-guard");
              t.setDaemon(true);
              return t;
            });
    long period = Math.max(1, silence.toMillis() / 2);
    timer.scheduleWithFixedDelay(this::check, period, period, TimeUnit.MILLISECONDS);
  }

  /** {@code c}, watched until it is closed. */
  Connection watch(Connection c) {
    out.put(c, System.nanoTime());
    InvocationHandler h =
        (proxy, method, args) -> {
          if (method.getName().equals("close") && method.getParameterCount() == 0) {
            out.remove(c);
          }
          try {
            return method.invoke(c, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        };
    return (Connection)
        Proxy.newProxyInstance(
            Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, h);
  }

  private void check() {
    try {
      long now = System.nanoTime();
      boolean longOut = out.values().stream().anyMatch(t -> now - t > silence.toNanos());
      if (!longOut || answers.getAsBoolean()) {
        return;
      }
      LOG.error(
          "the Landscape database {} did not answer a new connection within {} s;"
              + " aborting its {} open connection(s)",
          what,
          silence.toSeconds(),
          out.size());
      onSilent.run();
      for (Connection c : out.keySet()) {
        try {
          c.abort(Runnable::run);
        } catch (SQLException | RuntimeException e) {
          LOG.debug("abort of a Landscape connection failed: {}", e.getMessage());
        }
        out.remove(c);
      }
    } catch (RuntimeException e) {
      LOG.warn("the Landscape silence check failed: {}", e.getMessage());
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}

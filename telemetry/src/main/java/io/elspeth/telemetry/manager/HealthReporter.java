package io.elspeth.telemetry.manager;

import io.elspeth.telemetry.event.HealthEvent;
import io.elspeth.telemetry.health.LastResortChannel;
import java.util.List;

/**
 * Sends health events where they must go: always to the last-resort channel, and, while telemetry
 * works, to the exporters through the queue (where they never evict or wait for room). Called
 * without the manager's lock held: the channel writes to a stream and a file.
 */
final class HealthReporter {
  private final LastResortChannel channel;
  private final EventQueue queue;
  private final HealthAccounting accounting;

  HealthReporter(LastResortChannel channel, EventQueue queue, HealthAccounting accounting) {
    this.channel = channel;
    this.queue = queue;
    this.accounting = accounting;
  }

  void report(List<HealthEvent> health) {
    for (HealthEvent h : health) {
      channel.write(h);
      if (!accounting.disabled()) {
        queue.offerIfRoom(h);
      }
    }
  }

  /** To the last-resort channel only (the caller sends it on, or telemetry is closing). */
  void lastResort(HealthEvent event) {
    channel.write(event);
  }
}

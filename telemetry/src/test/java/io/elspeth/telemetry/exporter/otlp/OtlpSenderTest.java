package io.elspeth.telemetry.exporter.otlp;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.startsWith;

import io.opentelemetry.common.ComponentLoader;
import io.opentelemetry.sdk.common.export.GrpcSenderProvider;
import io.opentelemetry.sdk.common.export.HttpSenderProvider;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which SDK senders the OTLP exporter builds on. */
class OtlpSenderTest {
  private static <T> List<String> classes(ComponentLoader loader, Class<T> type) {
    List<String> names = new ArrayList<>();
    loader.load(type).forEach(p -> names.add(p.getClass().getName()));
    return names;
  }

  @Test
  void httpProtobufGoesThroughTheJdkClientAndGrpcKeepsItsSender() {
    // Both HTTP senders are on the class path; the exporter sees only the JDK one (TCP_NODELAY).
    assertThat(
        classes(
            ComponentLoader.forClassLoader(getClass().getClassLoader()), HttpSenderProvider.class),
        hasItem(startsWith("io.opentelemetry.exporter.sender.okhttp.")));
    assertThat(
        classes(OtlpExporter.JDK_HTTP_SENDER, HttpSenderProvider.class),
        contains(startsWith("io.opentelemetry.exporter.sender.jdk.")));
    assertThat(
        classes(OtlpExporter.JDK_HTTP_SENDER, GrpcSenderProvider.class),
        contains(startsWith("io.opentelemetry.exporter.sender.okhttp.")));
  }
}

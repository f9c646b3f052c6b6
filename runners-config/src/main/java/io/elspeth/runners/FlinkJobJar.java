package io.elspeth.runners;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Elspeth's Flink job jar: the product with every library it needs but Flink itself (the build
 * shades it into {@code pipelines/target/pipelines-VERSION-flink-job.jar}). The flink-cluster
 * runner submits it as the job's only jar, so a cluster needs nothing of ours on its classpath and
 * receives one jar instead of the whole classpath.
 *
 * <p>Found at the system property {@value #PROPERTY} (set by {@code bin/elspeth}), else the
 * environment variable {@value #ENV}, else the jar this code runs from when that is the job jar
 * ({@code java -jar pipelines-…-flink-job.jar run …}).
 */
public final class FlinkJobJar {
  public static final String PROPERTY = "elspeth.flink.jobJar";
  public static final String ENV = "ELSPETH_FLINK_JOB_JAR";
  static final String SUFFIX = "-flink-job.jar";

  private FlinkJobJar() {}

  /** The job jar; fails naming where it looked when there is none. */
  public static Path locate() {
    String configured = System.getProperty(PROPERTY);
    String from = "system property " + PROPERTY;
    if (configured == null || configured.isBlank()) {
      configured = System.getenv(ENV);
      from = "environment variable " + ENV;
    }
    if (configured != null && !configured.isBlank()) {
      Path jar = Path.of(configured);
      if (!Files.isRegularFile(jar)) {
        throw new IllegalStateException(
            "the flink-cluster runner submits elspeth's Flink job jar,"
                + " and "
                + from
                + " names "
                + jar
                + ", which does not exist: bin/elspeth builds it"
                + " (or `./mvnw -B -DskipTests install`)");
      }
      return jar;
    }
    Path running = runningJar();
    if (running != null && running.getFileName().toString().endsWith(SUFFIX)) {
      return running;
    }
    throw new IllegalStateException(
        "the flink-cluster runner submits elspeth's Flink job jar"
            + " (pipelines/target/pipelines-VERSION"
            + SUFFIX
            + "), and none was given: run through"
            + " bin/elspeth, which builds and passes it, or set "
            + ENV
            + " to its path");
  }

  private static @Nullable Path runningJar() {
    CodeSource source = FlinkJobJar.class.getProtectionDomain().getCodeSource();
    if (source == null || source.getLocation() == null) {
      return null;
    }
    try {
      Path path = Path.of(source.getLocation().toURI());
      return Files.isRegularFile(path) ? path : null;
    } catch (URISyntaxException | IllegalArgumentException e) {
      return null;
    }
  }
}

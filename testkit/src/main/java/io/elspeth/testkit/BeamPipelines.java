package io.elspeth.testkit;

import org.apache.beam.sdk.testing.TestPipeline;
import org.junit.runner.Description;
import org.junit.runners.model.Statement;

/**
 * Beam's {@link TestPipeline} under JUnit 5. TestPipeline is a JUnit 4 rule (it checks that the
 * pipeline ran and that no PAssert was left unrun); this applies the rule around a test body so
 * those checks hold here too.
 *
 * <pre>{@code BeamPipelines.test(p -> {
 *   PAssert.that(p.apply(Create.of(1))).containsInAnyOrder(1);
 *   p.run().waitUntilFinish();
 * });}</pre>
 */
public final class BeamPipelines {
  private BeamPipelines() {}

  /** The body of a pipeline test. */
  @FunctionalInterface
  public interface Body {
    void accept(TestPipeline pipeline) throws Throwable;
  }

  /** Runs {@code body} with a fresh TestPipeline and the rule's checks. */
  public static void test(Body body) throws Throwable {
    TestPipeline pipeline = TestPipeline.create();
    Statement statement =
        new Statement() {
          @Override
          public void evaluate() throws Throwable {
            body.accept(pipeline);
          }
        };
    pipeline
        .apply(statement, Description.createTestDescription(BeamPipelines.class, "pipeline"))
        .evaluate();
  }
}

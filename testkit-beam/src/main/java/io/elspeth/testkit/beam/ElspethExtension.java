package io.elspeth.testkit.beam;

import io.elspeth.plugin.ElspethPipelineOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.beam.sdk.testing.TestPipeline;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;
import org.junit.runner.Description;
import org.junit.runners.model.Statement;

/**
 * JUnit 5 extension for tests of Elspeth pipelines: each test method gets a fresh {@link
 * TestPipeline} (DirectRunner unless {@code -DbeamTestPipelineOptions} says otherwise) whose {@code
 * landscapeUrl} option names a fresh SQLite {@link TestLandscape}, both as parameters. The
 * TestPipeline's own checks (it ran; no PAssert was left unrun) hold as under its JUnit 4 rule. The
 * Landscape's folder is deleted after the test.
 *
 * <pre>{@code
 * @ExtendWith(ElspethExtension.class)
 * class MyPipelineTest {
 *   @Test
 *   void routesHighAmounts(TestPipeline p, TestLandscape landscape) {
 *     ElspethPipeline elspeth = ElspethPipeline.fromFile(Path.of("settings.yaml"));
 *     ElspethResult result = p.apply("elspeth", elspeth);
 *     PAssert.that(result.sink("high")).satisfies(rows -> { ... return null; });
 *     RunResult run = elspeth.run(p);
 *     landscape.assertRun(run.runId()).reconciles().hasOutcomes("high", "routed", 2);
 *   }
 * }
 * }</pre>
 */
public final class ElspethExtension
    implements BeforeEachCallback, AfterEachCallback, ParameterResolver, InvocationInterceptor {
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(ElspethExtension.class);

  /** What one test method uses. */
  private record Fixture(TestPipeline pipeline, TestLandscape landscape, Path folder) {}

  @Override
  public void beforeEach(ExtensionContext context) throws IOException {
    Path folder = Files.createTempDirectory("elspeth-test-");
    TestLandscape landscape = new TestLandscape(folder.resolve("landscape.db"));
    TestPipeline pipeline = TestPipeline.create();
    ElspethPipelineOptions.of(pipeline.getOptions()).setLandscapeUrl(landscape.url());
    context.getStore(NAMESPACE).put(Fixture.class, new Fixture(pipeline, landscape, folder));
  }

  @Override
  public void afterEach(ExtensionContext context) {
    Fixture fixture = context.getStore(NAMESPACE).remove(Fixture.class, Fixture.class);
    if (fixture != null) {
      deleteTree(fixture.folder());
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == TestPipeline.class || type == TestLandscape.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    Fixture fixture = fixture(context);
    return parameter.getParameter().getType() == TestPipeline.class
        ? fixture.pipeline()
        : fixture.landscape();
  }

  @Override
  public void interceptTestMethod(
      Invocation<Void> invocation,
      ReflectiveInvocationContext<Method> invocationContext,
      ExtensionContext context)
      throws Throwable {
    Statement body =
        new Statement() {
          @Override
          public void evaluate() throws Throwable {
            invocation.proceed();
          }
        };
    fixture(context)
        .pipeline()
        .apply(
            body,
            Description.createTestDescription(
                context.getRequiredTestClass(), context.getRequiredTestMethod().getName()))
        .evaluate();
  }

  private static Fixture fixture(ExtensionContext context) {
    Fixture fixture = context.getStore(NAMESPACE).get(Fixture.class, Fixture.class);
    if (fixture == null) {
      throw new IllegalStateException(
          "ElspethExtension provides a TestPipeline and a"
              + " TestLandscape to test methods only (not to constructors or @BeforeAll)");
    }
    return fixture;
  }

  private static void deleteTree(Path folder) {
    try (Stream<Path> paths = Files.walk(folder)) {
      paths
          .sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.deleteIfExists(p);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete the test Landscape folder " + folder, e);
    }
  }
}

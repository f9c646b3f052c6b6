package io.elspeth.examples;

import io.elspeth.api.ElspethPipeline;
import io.elspeth.api.ElspethResult;
import io.elspeth.api.ElspethSinks;
import io.elspeth.api.ElspethSources;
import io.elspeth.api.ElspethTransforms;
import io.elspeth.api.RunResult;
import io.elspeth.plugin.ElspethPipelineOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.options.Validation;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * A Beam program built on an audited Elspeth pipeline: the settings route orders by amount (and
 * record every decision in the Landscape); the program adds its own Beam step on the rows the
 * {@code high} sink receives, the total amount of the high-value orders.
 *
 * <pre>{@code java -cp ... io.elspeth.examples.HighValueOrders \
 *     --settings=examples/java/orders.yaml [--runner=FlinkRunner --flinkMaster=[local] ...]}</pre>
 */
public final class HighValueOrders {
  private HighValueOrders() {}

  /** The program's options: Beam's and Elspeth's, and the settings file. */
  public interface Options extends ElspethPipelineOptions {
    @Description("The Elspeth settings file of the pipeline")
    @Validation.Required
    String getSettings();

    void setSettings(String settings);
  }

  /** The total amount of the orders the {@code high} sink receives. */
  public static PCollection<Double> highValueTotal(ElspethResult result) {
    return result
        .sink("high")
        .apply(
            "amount",
            MapElements.into(TypeDescriptors.doubles())
                .via(
                    (Map<String, Object> row) ->
                        ((Number) Objects.requireNonNull(row.get("amount"), "amount"))
                            .doubleValue()))
        .apply("total", Sum.doublesGlobally());
  }

  /**
   * The settings of {@code orders.yaml} declared in Java instead, with typed sources and sinks: the
   * orders of {@code orders} over 1000 to {@code high.csv} in {@code outputs}, the others to {@code
   * normal.csv}, rows failing the schema to {@code quarantine.jsonl}.
   */
  public static ElspethPipeline built(Path orders, Path outputs) {
    return ElspethPipeline.builder()
        .source(
            ElspethSources.csv(orders)
                .withSchema(
                    Map.of(
                        "mode",
                        "strict",
                        "fields",
                        List.of("id: int", "customer: str", "amount: float")))
                .withOnValidationFailure("quarantine"))
        .gate(
            ElspethTransforms.gate("row['amount'] > 1000")
                .named("amount_threshold")
                .route("true", "high")
                .route("false", "continue"))
        .sink("normal", ElspethSinks.csv(outputs.resolve("normal.csv")))
        .sink("high", ElspethSinks.csv(outputs.resolve("high.csv")))
        .sink(
            "quarantine",
            ElspethSinks.json(outputs.resolve("quarantine.jsonl")).withFormat("jsonl"))
        .defaultSink("normal")
        .build();
  }

  public static void main(String[] args) {
    Options options = PipelineOptionsFactory.fromArgs(args).withValidation().as(Options.class);
    Pipeline pipeline = Pipeline.create(options);
    ElspethPipeline elspeth = ElspethPipeline.fromFile(Path.of(options.getSettings()));
    ElspethResult result = pipeline.apply("elspeth", elspeth);
    highValueTotal(result)
        .apply(
            "print",
            ParDo.of(
                new DoFn<Double, Void>() {
                  @ProcessElement
                  public void print(@Element Double total) {
                    System.out.println("high-value orders total " + total);
                  }
                }));
    RunResult run = elspeth.run(pipeline);
    System.out.println(run);
    System.exit(run.succeeded() ? 0 : 1);
  }
}

package io.flinfer.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinfer.jobs.PipelineOptions;
import io.flinfer.kafka.CommittedReader;
import io.flinfer.local.LocalCluster;
import io.flinfer.local.LocalPipeline;
import io.flinfer.operators.records.ResultSummary;
import java.time.Duration;
import java.util.List;

/**
 * Runs benchmark requests through the whole pipeline in this process: embedded Kafka (or the user's), the real
 * streaming job on a MiniCluster, results committed exactly once. A warm-up request goes first, so
 * that the job is running and its engine loaded before the clock starts; then every request is
 * published at once, as the engine-alone benchmark adds them all at once.
 */
public final class PipelineBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param maxInFlight --max-in-flight: most requests in flight per generate subtask
     * @param timeout longest wait for the results (and each request's timeout in the job)
     */
    public record Settings(int parallelism, Duration checkpointInterval, int maxInFlight,
            PipelineOptions.Routing routing, Duration timeout) {}

    private PipelineBenchmark() {}

    /** @param kafka the job's options on its Kafka: broker, topics, group, client settings; {@code s} sets the rest */
    public static PipelineRunResult run(PipelineOptions.Builder kafka, Settings s, TextPrompts.TextRequest warmup,
            List<TextPrompts.TextRequest> requests, BenchProgress progress) throws Exception {
        PipelineOptions options = kafka.maxInFlight(s.maxInFlight()).requestTimeout(s.timeout()).routing(s.routing()).build();
        try (LocalPipeline pipeline = LocalPipeline.start(options, new LocalCluster.Settings(s.parallelism(), s.checkpointInterval(), 0));
                CommittedReader results = pipeline.reader(options.outputTopic())) {
            pipeline.publish(List.of(requestLine(warmup)));
            succeeded(results.read(1, s.timeout()).get(0));

            EngineActivity engines = EngineActivity.ofLoadedEngines();
            long start = System.nanoTime();
            pipeline.publish(requests.stream().map(PipelineBenchmark::requestLine).toList());
            long promptTokens = 0;
            long outputTokens = 0;
            long cachedTokens = 0;
            for (int i = 1; i <= requests.size(); i++) {
                ResultSummary result = succeeded(results.read(1, s.timeout()).get(0));
                promptTokens += result.promptTokens();
                outputTokens += result.completionTokens();
                cachedTokens += result.cachedTokens();
                progress.update(i, requests.size(), outputTokens, (System.nanoTime() - start) / 1e9);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            return new PipelineRunResult(requests.size(), seconds, promptTokens, outputTokens, cachedTokens,
                    engines.idleFractionSince(seconds));
        }
    }

    /** A /v1/completions line that asks for exactly the request's output length, greedily, as the engine run does. */
    static String requestLine(TextPrompts.TextRequest r) {
        ObjectNode line = JSON.createObjectNode()
                .put("custom_id", r.tokens().id())
                .put("method", "POST")
                .put("url", "/v1/completions");
        line.putObject("body")
                .put("prompt", r.prompt())
                .put("max_tokens", r.tokens().outputLen())
                .put("temperature", 0)
                .put("ignore_eos", true);
        return line.toString();
    }

    private static ResultSummary succeeded(String resultLine) {
        ResultSummary result = ResultSummary.read(resultLine);
        if (result.failed()) {
            throw new IllegalStateException("request " + result.customId() + " failed in the pipeline: " + result.errorMessage());
        }
        return result;
    }
}

package io.flinfer.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinfer.jobs.PipelineOptions;
import io.flinfer.kafka.CommittedReader;
import io.flinfer.local.LocalCluster;
import io.flinfer.local.LocalPipeline;
import io.flinfer.engine.RequestTimings;
import io.flinfer.operators.generate.FinishedRequestTap;
import io.flinfer.operators.records.ResultSummary;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.connector.base.DeliveryGuarantee;

/**
 * Runs benchmark requests through the whole pipeline in this process: embedded Kafka (or the user's), the real
 * streaming job on a MiniCluster, results committed exactly once (or at least once, as asked). Warm-up
 * requests go first, so that the job is running, its engine loaded and the JVM's compiler done with its
 * hot paths before the clock starts. Then the
 * requests go once per request rate, one rate after the other on the same job: at an infinite rate
 * every request is published at once, as the engine-alone benchmark adds them all at once; at a finite
 * one they arrive as a Poisson process ({@link PoissonPublisher}) and each record's latency is timed
 * from its publication to its result becoming visible to a {@code read_committed} consumer, and split into
 * its parts by the engine's milestones ({@link LatencyParts}).
 */
public final class PipelineBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param maxInFlight --max-in-flight: most requests in flight per generate subtask
     * @param timeout longest wait for the results (and each request's timeout in the job)
     * @param seed seeds the arrival times
     */
    public record Settings(int parallelism, Duration checkpointInterval, int maxInFlight,
            PipelineOptions.Routing routing, DeliveryGuarantee deliveryGuarantee, Duration timeout, long seed) {}

    private PipelineBenchmark() {}

    /**
     * @param kafka the job's options on its Kafka: broker, topics, group, client settings; {@code s} sets the rest
     * @param rates requests per second of each run, {@code Double.POSITIVE_INFINITY} for a burst
     */
    public static List<PipelineRunResult> run(PipelineOptions.Builder kafka, Settings s, List<TextPrompts.TextRequest> warmups,
            List<TextPrompts.TextRequest> requests, List<Double> rates, BenchProgress progress) throws Exception {
        PipelineOptions options = kafka.maxInFlight(s.maxInFlight()).requestTimeout(s.timeout()).routing(s.routing())
                .deliveryGuarantee(s.deliveryGuarantee()).build();
        try (LocalPipeline pipeline = LocalPipeline.start(options, new LocalCluster.Settings(s.parallelism(), s.checkpointInterval(), 0));
                CommittedReader results = pipeline.reader(options.outputTopic())) {
            warmUp(pipeline, results, warmups, s.timeout(), progress.named("pipeline warm-up, untimed"));
            List<PipelineRunResult> runs = new ArrayList<>();
            for (int r = 0; r < rates.size(); r++) {
                runs.add(runAtRate(pipeline.options(), results, s, requests, rates.get(r), "r" + r + "-", progress));
            }
            return runs;
        }
    }

    /** Runs the warm-up requests through the job, all at once, untimed. */
    private static void warmUp(LocalPipeline pipeline, CommittedReader results, List<TextPrompts.TextRequest> warmups,
            Duration timeout, BenchProgress progress) throws Exception {
        pipeline.publish(warmups.stream().map(w -> requestLine(w.prompt(), w.tokens())).toList());
        long start = System.nanoTime();
        long outputTokens = 0;
        for (int i = 1; i <= warmups.size(); i++) {
            outputTokens += succeeded(results.read(1, timeout).get(0)).completionTokens();
            progress.update(i, warmups.size(), outputTokens, (System.nanoTime() - start) / 1e9);
        }
    }

    private static PipelineRunResult runAtRate(PipelineOptions options, CommittedReader results, Settings s,
            List<TextPrompts.TextRequest> requests, double rate, String idPrefix, BenchProgress progress) throws Exception {
        Map<String, String> lines = new LinkedHashMap<>();
        for (TextPrompts.TextRequest request : requests) {
            BenchRequest tokens = request.tokens();
            String id = idPrefix + tokens.id();
            lines.put(id, requestLine(request.prompt(), new BenchRequest(id, tokens.promptIds(), tokens.outputLen())));
        }
        EngineActivity engines = EngineActivity.ofLoadedEngines();
        ThreadCpu cpu = ThreadCpu.start();
        Map<String, RequestTimings> timings = new ConcurrentHashMap<>();
        LatencyParts.Recorder parts = new LatencyParts.Recorder();
        long start = System.nanoTime();
        double[] latencyMs = new double[requests.size()];
        long promptTokens = 0;
        long outputTokens = 0;
        long cachedTokens = 0;
        long firstVisible = 0;
        double keptUp;
        try (FinishedRequestTap.Observation tap = FinishedRequestTap.observe(timings::put);
                PoissonPublisher publisher = new PoissonPublisher(options, lines, rate, s.seed())) {
            for (int i = 1; i <= requests.size(); i++) {
                ResultSummary result = succeeded(results.read(1, s.timeout()).get(0));
                long visible = System.nanoTime();
                firstVisible = i == 1 ? visible : firstVisible;
                long published = publisher.sentNanos(result.customId());
                latencyMs[i - 1] = (visible - published) / 1e6;
                // The operator hands the timings over before it emits the result, so they are here.
                parts.add(published, timings.remove(result.customId()), visible);
                promptTokens += result.promptTokens();
                outputTokens += result.completionTokens();
                cachedTokens += result.cachedTokens();
                progress.update(i, requests.size(), outputTokens, (System.nanoTime() - start) / 1e9);
            }
            keptUp = publisher.sentSpanSeconds() / ((System.nanoTime() - firstVisible) / 1e9);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new PipelineRunResult(rate, requests.size(), seconds, promptTokens, outputTokens, cachedTokens,
                engines.idleFractionSince(seconds), engines.stepsSince(), LatencySummary.of(latencyMs), parts.summary(), keptUp, cpu.secondsByGroup());
    }

    /** A /v1/completions line that asks for exactly the request's output length, greedily, as the engine run does. */
    static String requestLine(String prompt, BenchRequest r) {
        ObjectNode line = JSON.createObjectNode()
                .put("custom_id", r.id())
                .put("method", "POST")
                .put("url", "/v1/completions");
        line.putObject("body")
                .put("prompt", prompt)
                .put("max_tokens", r.outputLen())
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

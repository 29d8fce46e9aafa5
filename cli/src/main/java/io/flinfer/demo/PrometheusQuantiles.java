package io.flinfer.demo;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.OptionalDouble;

/**
 * Reads quantiles of a Flink histogram from a Prometheus endpoint. Flink's Prometheus reporter
 * exports a histogram as a summary, one sample per quantile:
 * {@code flink_taskmanager_job_task_operator_<name>{...,operator_name="generate",...,quantile="0.5",} 1234.0}.
 */
public final class PrometheusQuantiles {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final String text;

    private PrometheusQuantiles(String text) {
        this.text = text;
    }

    /** Fetches {@code http://localhost:port/metrics}. */
    public static PrometheusQuantiles scrape(int port) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/metrics")).timeout(TIMEOUT).build();
        try {
            HttpResponse<String> response = HttpClient.newBuilder().connectTimeout(TIMEOUT).build()
                    .send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IOException("the metrics endpoint on port " + port + " answered HTTP " + response.statusCode());
            }
            return new PrometheusQuantiles(response.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reading metrics", e);
        }
    }

    public static PrometheusQuantiles of(String text) {
        return new PrometheusQuantiles(text);
    }

    /**
     * The quantile of an operator's histogram; with several subtasks, the largest of their values
     * (quantiles of separate windows cannot be merged). Empty when no sample has a number yet.
     *
     * @param metric the full Prometheus name, e.g. {@code flink_taskmanager_job_task_operator_time_to_first_token_microseconds}
     */
    public OptionalDouble quantile(String metric, String operatorName, String quantile) {
        String operatorLabel = "operator_name=\"" + operatorName + "\"";
        String quantileLabel = "quantile=\"" + quantile + "\"";
        return text.lines()
                .filter(line -> line.startsWith(metric + "{"))
                .filter(line -> line.contains(operatorLabel) && line.contains(quantileLabel))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .filter(Double::isFinite)
                .max();
    }
}

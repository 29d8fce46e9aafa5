package io.flinfer.bench;

/** Requests and tokens over the elapsed time: the rates every benchmark result reports. */
public interface TokenThroughput {
    int numRequests();

    double elapsedSeconds();

    long promptTokens();

    long outputTokens();

    default double requestsPerSecond() {
        return numRequests() / elapsedSeconds();
    }

    default double outputTokensPerSecond() {
        return outputTokens() / elapsedSeconds();
    }

    default double totalTokensPerSecond() {
        return (promptTokens() + outputTokens()) / elapsedSeconds();
    }
}

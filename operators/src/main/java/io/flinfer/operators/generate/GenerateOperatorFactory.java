package io.flinfer.operators.generate;

import io.flinfer.engine.EngineConfig;
import io.flinfer.operators.records.PreparedRequest;
import io.flinfer.operators.records.ResultLine;
import io.flinfer.operators.records.ServedModel;
import java.time.Duration;
import org.apache.flink.streaming.api.operators.AbstractStreamOperatorFactory;
import org.apache.flink.streaming.api.operators.OneInputStreamOperatorFactory;
import org.apache.flink.streaming.api.operators.StreamOperator;
import org.apache.flink.streaming.api.operators.StreamOperatorParameters;

/** Creates {@link GenerateOperator}s with the task's mailbox, as Flink's async operator factory does. */
public final class GenerateOperatorFactory extends AbstractStreamOperatorFactory<ResultLine>
        implements OneInputStreamOperatorFactory<PreparedRequest, ResultLine> {
    private static final long serialVersionUID = 1L;

    private final EngineConfig engineConfig;
    private final ServedModel served;
    private final int maxInFlight;
    private final Duration requestTimeout;

    /**
     * @param served the names of the model and its adapters: its metrics carry the first as
     *     {@code model_name}, and a restored request naming none of them is answered with an error
     * @param maxInFlight most requests in flight per subtask; a full subtask backpressures its input
     * @param requestTimeout how long a request may take before it is answered with an error
     */
    public GenerateOperatorFactory(EngineConfig engineConfig, ServedModel served, int maxInFlight, Duration requestTimeout) {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("--max-in-flight must be at least 1, got " + maxInFlight);
        }
        this.engineConfig = engineConfig;
        this.served = served;
        this.maxInFlight = maxInFlight;
        this.requestTimeout = requestTimeout;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T extends StreamOperator<ResultLine>> T createStreamOperator(StreamOperatorParameters<ResultLine> parameters) {
        GenerateOperator operator = new GenerateOperator(engineConfig, served, maxInFlight, requestTimeout,
                parameters.getMailboxExecutor(), processingTimeService);
        operator.setup(parameters.getContainingTask(), parameters.getStreamConfig(), parameters.getOutput());
        return (T) operator;
    }

    @Override
    public Class<? extends StreamOperator> getStreamOperatorClass(ClassLoader classLoader) {
        return GenerateOperator.class;
    }
}

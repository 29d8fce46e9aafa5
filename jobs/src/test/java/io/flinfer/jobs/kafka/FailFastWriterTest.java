package io.flinfer.jobs.kafka;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.Collection;
import java.util.List;
import org.apache.flink.connector.kafka.sink.TwoPhaseCommittingStatefulSink.PrecommittingStatefulSinkWriter;
import org.apache.flink.util.FlinkRuntimeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TransactionAbortedException;
import org.junit.jupiter.api.Test;

/**
 * Closing the Kafka writer aborts its open transaction, and the sends of it still in flight fail: that
 * is the close doing its job, not a failure to report. Any other failed send still is one.
 */
class FailFastWriterTest {
    private static final KafkaAccess ACCESS = KafkaAccess.of("kafka:9092", java.util.Map.of(), new KafkaAcls());

    @Test
    void sendsAbortedByTheCloseItselfAreNoFailure() {
        FailFastWriter<String, String, String> writer = new FailFastWriter<>(closingWith(
                failedSend(new TransactionAbortedException("Failing batch since transaction was aborted"))), ACCESS);
        assertThatCode(writer::close).doesNotThrowAnyException();
    }

    @Test
    void anyOtherFailedSendStillFailsTheClose() {
        FailFastWriter<String, String, String> writer = new FailFastWriter<>(closingWith(
                failedSend(new TimeoutException("Expiring 3 record(s)"))), ACCESS);
        assertThatThrownBy(writer::close).isInstanceOf(IOException.class).hasRootCauseInstanceOf(TimeoutException.class);
    }

    /** The exception Flink's KafkaWriter throws from close() for the first send that failed. */
    private static IOException failedSend(Exception cause) {
        return new IOException("One or more Kafka Producer send requests have encountered exception",
                new FlinkRuntimeException("Failed to send data to Kafka results-0@-1 with FlinkKafkaInternalProducer", cause));
    }

    private static PrecommittingStatefulSinkWriter<String, String, String> closingWith(IOException failure) {
        return new PrecommittingStatefulSinkWriter<>() {
            @Override
            public void write(String element, Context context) {}

            @Override
            public void flush(boolean endOfInput) {}

            @Override
            public Collection<String> prepareCommit() {
                return List.of();
            }

            @Override
            public List<String> snapshotState(long checkpointId) {
                return List.of();
            }

            @Override
            public void close() throws IOException {
                throw failure;
            }
        };
    }
}

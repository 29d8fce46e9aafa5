package io.flinfer.jobs.kafka;

import java.io.IOException;
import java.util.Collection;
import java.util.List;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.connector.kafka.sink.TwoPhaseCommittingStatefulSink.PrecommittingStatefulSinkWriter;
import org.apache.flink.util.ExceptionUtils;
import org.apache.kafka.common.errors.TransactionAbortedException;

/**
 * A Kafka sink writer whose failures say what they are: a denial becomes {@link KafkaAccessDenied} (the
 * writer reports a failed send on the next write or flush, so those are where it is caught), and the
 * sends that closing the writer aborts itself are no failure at all (see {@link #close()}).
 */
final class FailFastWriter<T, S, C> implements PrecommittingStatefulSinkWriter<T, S, C> {
    private final PrecommittingStatefulSinkWriter<T, S, C> writer;
    private final KafkaAccess access;

    FailFastWriter(PrecommittingStatefulSinkWriter<T, S, C> writer, KafkaAccess access) {
        this.writer = writer;
        this.access = access;
    }

    @Override
    public void write(T element, Context context) throws IOException, InterruptedException {
        try {
            writer.write(element, context);
        } catch (IOException | RuntimeException e) {
            access.throwIfDenied(e);
            throw e;
        }
    }

    @Override
    public void flush(boolean endOfInput) throws IOException, InterruptedException {
        try {
            writer.flush(endOfInput);
        } catch (IOException | RuntimeException e) {
            access.throwIfDenied(e);
            throw e;
        }
    }

    @Override
    public Collection<C> prepareCommit() throws IOException, InterruptedException {
        try {
            return writer.prepareCommit();
        } catch (IOException | RuntimeException e) {
            access.throwIfDenied(e);
            throw e;
        }
    }

    @Override
    public void writeWatermark(Watermark watermark) throws IOException, InterruptedException {
        writer.writeWatermark(watermark);
    }

    @Override
    public List<S> snapshotState(long checkpointId) throws IOException {
        return writer.snapshotState(checkpointId);
    }

    /**
     * Closing aborts the transaction the writer has open: the records written since the last checkpoint,
     * which a restore from that checkpoint produces again. The sends of that transaction still on their way
     * then fail with {@link TransactionAbortedException}, and the writer's close reports them as a failed
     * send. A stop with a savepoint always closes the writer after records passed the savepoint (the
     * generate step emits results while the savepoint completes), so a stop would turn into a failure
     * ("failed during stopping") whenever one of them was not yet acknowledged. Any other failure still
     * throws: the writer keeps the first failed send, and an earlier real one comes first.
     */
    @Override
    public void close() throws Exception {
        try {
            writer.close();
        } catch (IOException e) {
            if (ExceptionUtils.findThrowable(e, TransactionAbortedException.class).isEmpty()) {
                throw e;
            }
        }
    }
}

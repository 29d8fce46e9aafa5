package io.flinfer.jobs.kafka;

import java.io.IOException;
import java.util.Collection;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.connector.kafka.sink.TwoPhaseCommittingStatefulSink;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * A Kafka sink whose writers' failures from a denial (credentials, certificate, a missing Write or
 * transactional-id ACL) end the job instead of restarting it forever. Otherwise it is the sink it wraps:
 * the same writer state and committables, so checkpoints of the bare sink restore into it.
 */
public final class FailFastSink<T, S, C> implements TwoPhaseCommittingStatefulSink<T, S, C> {
    private static final long serialVersionUID = 1L;

    private final TwoPhaseCommittingStatefulSink<T, S, C> sink;
    private final KafkaAccess access;

    public FailFastSink(TwoPhaseCommittingStatefulSink<T, S, C> sink, KafkaAccess access) {
        this.sink = sink;
        this.access = access;
    }

    @Override
    public PrecommittingStatefulSinkWriter<T, S, C> createWriter(InitContext context) throws IOException {
        try {
            return new FailFastWriter<>(sink.createWriter(context), access);
        } catch (IOException | RuntimeException e) {
            access.throwIfDenied(e);
            throw e;
        }
    }

    @Override
    public PrecommittingStatefulSinkWriter<T, S, C> restoreWriter(InitContext context, Collection<S> states) throws IOException {
        try {
            return new FailFastWriter<>(sink.restoreWriter(context, states), access);
        } catch (IOException | RuntimeException e) {
            access.throwIfDenied(e);
            throw e;
        }
    }

    @Override
    public SimpleVersionedSerializer<S> getWriterStateSerializer() {
        return sink.getWriterStateSerializer();
    }

    @Override
    public Committer<C> createCommitter() throws IOException {
        return sink.createCommitter();
    }

    @Override
    public Committer<C> createCommitter(CommitterInitContext context) throws IOException {
        return sink.createCommitter(context);
    }

    @Override
    public SimpleVersionedSerializer<C> getCommittableSerializer() {
        return sink.getCommittableSerializer();
    }
}

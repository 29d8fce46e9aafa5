package io.flinfer.jobs.kafka;

import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;
import org.apache.flink.api.connector.source.ReaderInfo;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.connector.source.SplitsAssignment;
import org.apache.flink.metrics.groups.SplitEnumeratorMetricGroup;

/**
 * The split enumerator's context, with its asynchronous calls' failures from a denial turned into
 * {@link KafkaAccessDenied}: the Kafka enumerator lists partitions and committed offsets in those calls
 * and fails the whole job from their handlers.
 */
final class FailFastEnumeratorContext<S extends SourceSplit> implements SplitEnumeratorContext<S> {
    private final SplitEnumeratorContext<S> context;
    private final KafkaAccess access;

    FailFastEnumeratorContext(SplitEnumeratorContext<S> context, KafkaAccess access) {
        this.context = context;
        this.access = access;
    }

    @Override
    public <T> void callAsync(Callable<T> callable, BiConsumer<T, Throwable> handler) {
        context.callAsync(callable, failFast(handler));
    }

    @Override
    public <T> void callAsync(Callable<T> callable, BiConsumer<T, Throwable> handler, long initialDelayMillis, long periodMillis) {
        context.callAsync(callable, failFast(handler), initialDelayMillis, periodMillis);
    }

    private <T> BiConsumer<T, Throwable> failFast(BiConsumer<T, Throwable> handler) {
        return (result, error) -> {
            try {
                handler.accept(result, error);
            } catch (RuntimeException e) {
                access.throwIfDenied(e);
                throw e;
            }
        };
    }

    @Override
    public SplitEnumeratorMetricGroup metricGroup() {
        return context.metricGroup();
    }

    @Override
    public void sendEventToSourceReader(int subtaskId, SourceEvent event) {
        context.sendEventToSourceReader(subtaskId, event);
    }

    @Override
    public void sendEventToSourceReader(int subtaskId, int attemptNumber, SourceEvent event) {
        context.sendEventToSourceReader(subtaskId, attemptNumber, event);
    }

    @Override
    public int currentParallelism() {
        return context.currentParallelism();
    }

    @Override
    public Map<Integer, ReaderInfo> registeredReaders() {
        return context.registeredReaders();
    }

    @Override
    public Map<Integer, Map<Integer, ReaderInfo>> registeredReadersOfAttempts() {
        return context.registeredReadersOfAttempts();
    }

    @Override
    public void assignSplits(SplitsAssignment<S> assignment) {
        context.assignSplits(assignment);
    }

    @Override
    public void assignSplit(S split, int subtask) {
        context.assignSplit(split, subtask);
    }

    @Override
    public void signalNoMoreSplits(int subtask) {
        context.signalNoMoreSplits(subtask);
    }

    @Override
    public void runInCoordinatorThread(Runnable runnable) {
        context.runInCoordinatorThread(runnable);
    }

    @Override
    public void setIsProcessingBacklog(boolean isProcessingBacklog) {
        context.setIsProcessingBacklog(isProcessingBacklog);
    }
}

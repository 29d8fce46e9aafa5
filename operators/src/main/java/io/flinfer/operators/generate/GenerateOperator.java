package io.flinfer.operators.generate;

import io.flinfer.engine.EngineConfig;
import io.flinfer.engine.RequestOutput;
import io.flinfer.operators.records.Completion;
import io.flinfer.operators.records.PreparedRequest;
import io.flinfer.operators.records.RequestError;
import io.flinfer.operators.records.ResultLine;
import io.flinfer.operators.records.ServedModel;
import io.flinfer.operators.route.RoutingMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.RejectedExecutionException;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.OperatorStateStore;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.apache.flink.runtime.metrics.scope.ScopeFormat;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.tasks.ProcessingTimeService;
import org.apache.flink.util.function.ThrowingRunnable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers prepared requests with the TaskManager's shared engine, in the manner of Flink's
 * {@code AsyncWaitOperator}: at most {@code maxInFlight} requests in flight (the task blocks on its
 * mailbox when full, which backpressures the input), the engine's progress enters the task through
 * the mailbox, and the in-flight requests with the tokens generated so far are checkpointed, so that
 * after a failure they resume instead of starting over, and their results are emitted once.
 *
 * <p>Every record gets its own result, whatever its custom_id: Kafka keeps no field of a value
 * unique, so a producer's retry or a re-publish may bring an id again while the first is still
 * generating. In-flight requests are therefore known by a number this operator gives each on
 * admission, never by their custom_id, and so is the engine's request.
 */
public final class GenerateOperator extends AbstractStreamOperator<ResultLine>
        implements OneInputStreamOperator<PreparedRequest, ResultLine>, BoundedOneInput {
    private static final long serialVersionUID = 1L;
    /** The in-flight requests, in {@link InFlightRequest.Serializer}'s versioned format. */
    static final String STATE = "in-flight";
    /** Where Flinfer 0.1 kept them. */
    static final String LEGACY_STATE = "in-flight-requests";
    /** The error of a restored request whose ids belong to another tokenizer than the engine's, kept without its prompt (state before format version 3). */
    static final String TOKENIZER_CHANGED = "the model's tokenizer changed since this request was admitted (an upgrade"
            + " to a model with another vocabulary): its token ids cannot continue on it; send the request again";
    /** Says what a restore brought back; the local command line shows it. */
    private static final Logger RESUME_LOG = LoggerFactory.getLogger(GenerateOperator.class);

    private final EngineConfig engineConfig;
    private final ServedModel served;
    private final int maxInFlight;
    private final Duration requestTimeout;
    private final transient MailboxExecutor mailbox;

    private transient EngineHost engine;
    private transient TokenHandOff tokens;
    /** By admission number: unique within this operator instance, which is all the engine's ids need. */
    private transient Map<Long, InFlightRequest> inFlight;
    private transient long admitted;
    private transient ListState<InFlightRequest> checkpointed;
    private transient String instanceId;
    private transient ModelMetricGroup metricGroup;
    private transient GenerateMetrics metrics;
    private transient RoutingMetrics routing;
    private transient long restoredCheckpointId;
    /** The fingerprint of the engine's tokenizer: what the ids of the requests admitted here mean. */
    private transient String tokenizer;

    GenerateOperator(EngineConfig engineConfig, ServedModel served, int maxInFlight, Duration requestTimeout,
            MailboxExecutor mailbox, ProcessingTimeService processingTimeService) {
        this.engineConfig = engineConfig;
        this.served = served;
        this.processingTimeService = processingTimeService;
        this.maxInFlight = maxInFlight;
        this.requestTimeout = requestTimeout;
        this.mailbox = mailbox;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        OperatorStateStore store = context.getOperatorStateStore();
        checkpointed = store.getListState(new ListStateDescriptor<>(STATE, new InFlightRequest.Serializer()));
        inFlight = new LinkedHashMap<>();
        if (context.isRestored()) {
            requireNoLegacyRequests(store);
            // Numbered afresh: after a rescale this subtask may restore the requests of several.
            for (InFlightRequest restored : checkpointed.get()) {
                inFlight.put(admitted++, restored);
            }
            restoredCheckpointId = context.getRestoredCheckpointId().orElse(-1);
        }
    }

    /**
     * Flinfer 0.1 kept in-flight requests under {@link #LEGACY_STATE} in a format this version cannot
     * read (Kryo, of classes that have changed): such a savepoint restores only when taken with
     * {@code flink stop --drain}, which leaves that state empty (docs/operations.md, upgrading).
     */
    private static void requireNoLegacyRequests(OperatorStateStore store) throws Exception {
        if (!store.getRegisteredStateNames().contains(LEGACY_STATE)) {
            return;
        }
        ListState<InFlightRequest> legacy = store.getListState(
                new ListStateDescriptor<>(LEGACY_STATE, new GenericTypeInfo<>(InFlightRequest.class)));
        if (legacy.get().iterator().hasNext()) {
            throw new IllegalStateException("this savepoint holds in-flight requests of Flinfer 0.1, which this version"
                    + " cannot resume: restart the old version from it and stop it with `flink stop --drain`,"
                    + " then start this version from the drained savepoint");
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        instanceId = UUID.randomUUID().toString();
        engine = SharedEngines.get(GpuAssignment.apply(engineConfig, getRuntimeContext()), taskManagerId());
        tokens = new TokenHandOff(letter -> toTask(letter::run, "record generated tokens"));
        metricGroup = ModelMetricGroup.of(getMetricGroup(), served);
        metrics = new GenerateMetrics(metricGroup, engine, () -> inFlight.size());
        routing = new RoutingMetrics(metricGroup, getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(),
                getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks());
        tokenizer = engine.engine().tokenizer().fingerprint();
        resumeRestored();
    }

    /**
     * Resumes the restored requests, unless this operator can no longer serve them as admitted. A request
     * for a model or adapter the job no longer serves (an upgrade removed it) is answered with an error.
     * A request whose ids belong to another tokenizer (an upgrade to a model with another vocabulary:
     * continuing them here would be noise) restarts from its prompt, rendered again with this model's
     * tokenizer, its generated tokens dropped; state written before its prompt was kept (format version
     * 3), or a prompt this model cannot render, gets an error instead.
     */
    private void resumeRestored() {
        long keptTokens = 0;
        int resumed = 0;
        int removed = 0;
        int restarted = 0;
        int foreign = 0;
        for (Map.Entry<Long, InFlightRequest> restored : new ArrayList<>(inFlight.entrySet())) {
            InFlightRequest request = restored.getValue();
            PreparedRequest prepared = request.request();
            long number = restored.getKey();
            if (!served.serves(prepared.model())) {
                removed++;
                ResultLine answer = ResultLine.error(prepared.customId(), RequestError.MODEL_NOT_FOUND, modelRemoved(prepared.model()));
                toTask(() -> answer(number, GenerationFailure.REJECTED, answer), "answer a request of a removed model");
            } else if (request.tokenizer() == null || request.tokenizer().equals(tokenizer)) {
                resumed++;
                metrics.resumed(request.generated().length);
                keptTokens += request.generated().length;
                submit(number, request);
            } else if (restartFromPrompt(number, prepared)) {
                restarted++;
            } else {
                foreign++;
            }
        }
        if (removed > 0) {
            RESUME_LOG.warn("{} answered {} restored requests with an error: they name a model this job no longer"
                    + " serves (an upgrade removed it); this operator serves {}", subtask(), removed, served);
        }
        if (restarted > 0) {
            RESUME_LOG.warn("{} restarted {} restored requests from their prompts: their token ids belong to another"
                    + " tokenizer (the model was upgraded to one with another vocabulary)", subtask(), restarted);
        }
        if (foreign > 0) {
            RESUME_LOG.warn("{} answered {} restored requests with an error: their token ids belong to"
                    + " another tokenizer (the model was upgraded to one with another vocabulary), and their prompts"
                    + " were not kept (state of the version before) or the new model cannot render them", subtask(), foreign);
        }
        if (resumed > 0) {
            RESUME_LOG.info("{} resumed {} in-flight requests from checkpoint {}, keeping {} generated tokens",
                    subtask(), resumed, restoredCheckpointId, keptTokens);
        }
    }

    /**
     * Prepares {@code request} again with this model's tokenizer and runs it from the start; or, without
     * its prompt or when this model cannot render it, answers it with an error.
     *
     * @return whether it restarted
     */
    private boolean restartFromPrompt(long number, PreparedRequest request) {
        if (request.source() == null) {
            toTask(() -> fail(number, GenerationFailure.REJECTED, TOKENIZER_CHANGED), "answer a request of another tokenizer");
            return false;
        }
        int[] promptIds;
        try {
            promptIds = request.source().promptIds(engine.engine().tokenizer());
        } catch (RuntimeException e) {
            String message = "the model was upgraded to one with another tokenizer, which cannot render this request's prompt: "
                    + e.getMessage();
            toTask(() -> fail(number, GenerationFailure.REJECTED, message), "answer a request the new model cannot render");
            return false;
        }
        InFlightRequest restarted = new InFlightRequest(request.withPromptIds(promptIds), new int[0], tokenizer);
        inFlight.put(number, restarted);
        submit(number, restarted);
        return true;
    }

    /** The error of a restored request for {@code model}, which the job no longer serves. */
    static String modelRemoved(String model) {
        return "the model `" + model + "` is no longer served: an upgrade removed it while this request was in flight;"
                + " send the request again to a model the job serves";
    }

    /** "generate 1/2", as the log names this subtask. */
    private String subtask() {
        return getOperatorConfig().getOperatorName() + " " + (getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() + 1) + "/"
                + getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
    }

    /** Flink's id of this subtask's TaskManager, from its metric scope; empty where metrics have no scope. */
    private String taskManagerId() {
        return getMetricGroup().getAllVariables().getOrDefault(ScopeFormat.SCOPE_TASKMANAGER_ID, "");
    }

    @Override
    public void processElement(StreamRecord<PreparedRequest> element) throws Exception {
        while (inFlight.size() >= maxInFlight) {
            mailbox.yield();
        }
        routing.received(element.getValue().prefixKey());
        InFlightRequest request = new InFlightRequest(element.getValue(), new int[0], tokenizer);
        long number = admitted++;
        inFlight.put(number, request);
        submit(number, request);
    }

    private void submit(long number, InFlightRequest request) {
        PreparedRequest prepared = request.request();
        long deadline = System.nanoTime() + requestTimeout.toNanos();
        // A request that names one of the model's LoRA adapters runs with it.
        String lora = served.adapterOf(prepared.model());
        engine.submit(engineId(number), prepared.promptIds(), prepared.samplingParams(), prepared.cacheSalt(),
                request.generated(), lora, deadline, new GenerationListener() {
                    @Override
                    public void onTokens(int[] newTokenIds) {
                        tokens.add(request, newTokenIds);
                    }

                    @Override
                    public void onFinished(RequestOutput result) {
                        toTask(() -> complete(number, result), "emit result");
                    }

                    @Override
                    public void onFailed(GenerationFailure failure, String message) {
                        toTask(() -> fail(number, failure, message), "emit error result");
                    }
                });
    }

    /**
     * Hands engine progress to the task. Runs on the engine thread, which the TaskManager's other
     * tasks share, so it must not throw: once this task has closed its mailbox (it failed or was
     * cancelled), the progress is dropped; its requests resume from the last checkpoint.
     */
    private void toTask(ThrowingRunnable<? extends Exception> action, String description) {
        try {
            mailbox.execute(action, description);
        } catch (RejectedExecutionException closed) {
            // The task is gone; see above.
        }
    }

    private void complete(long number, RequestOutput result) {
        InFlightRequest request = inFlight.remove(number);
        if (request == null) {
            return;
        }
        metrics.finished(result);
        PreparedRequest r = request.request();
        FinishedRequestTap.finished(r.customId(), result.timings());
        Completion completion = new Completion(result.text(), result.finishReason(), result.numPromptTokens(),
                result.outputTokenIds().length, result.numCachedTokens());
        emit(ResultLine.success(r.customId(), r.endpoint(), r.model(), completion, System.currentTimeMillis() / 1000));
    }

    private void fail(long number, GenerationFailure failure, String message) {
        InFlightRequest request = inFlight.get(number);
        if (request != null) {
            answer(number, failure, ResultLine.badRequest(request.request().customId(), message));
        }
    }

    /** Ends a request with an error result. */
    private void answer(long number, GenerationFailure failure, ResultLine error) {
        if (inFlight.remove(number) == null) {
            return;
        }
        metrics.failed(failure);
        emit(error);
    }

    private void emit(ResultLine result) {
        output.collect(new StreamRecord<>(result));
    }

    /** Unique in the shared engine: this operator instance's id, then the request's admission number. */
    private String engineId(long number) {
        return instanceId + "/" + number;
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        checkpointed.update(new ArrayList<>(inFlight.values()));
    }

    /** Bounded input: wait for every request to finish before the task ends. */
    @Override
    public void endInput() throws Exception {
        while (!inFlight.isEmpty()) {
            mailbox.yield();
        }
    }

    @Override
    public void close() throws Exception {
        if (engine != null && inFlight != null) {
            for (long number : inFlight.keySet()) {
                engine.abort(engineId(number));
            }
        }
        if (metricGroup != null) {
            // Flink's groups do not know it: closing it unregisters its metrics from the reporters.
            metricGroup.close();
        }
        super.close();
    }
}

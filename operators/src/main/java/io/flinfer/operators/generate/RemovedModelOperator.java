package io.flinfer.operators.generate;

import io.flinfer.operators.records.InferenceRequest;
import io.flinfer.operators.records.RequestError;
import io.flinfer.operators.records.ResultLine;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stands where the generate operator of a model the job no longer serves stood (same uid): it restores
 * that operator's in-flight requests and answers each with a 404 saying the model was removed, so that
 * an upgrade which drops a model neither fails to restore (Flink refuses state it cannot map) nor loses
 * them. It loads no engine. It gets no requests either, since the parser answers those naming the model
 * with a 404 itself; one that came would be answered the same way.
 *
 * <p>The answers are emitted from a timer, once the task runs, and the requests stay in the state until
 * then: a checkpoint before them still holds the requests, one after them does not, so each is answered
 * once with the sinks' exactly-once.
 */
public final class RemovedModelOperator extends AbstractStreamOperator<ResultLine>
        implements OneInputStreamOperator<InferenceRequest, ResultLine>, BoundedOneInput {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(RemovedModelOperator.class);

    private final String model;
    private transient ListState<InFlightRequest> checkpointed;
    private transient List<InFlightRequest> unanswered;

    /** @param model the name the removed model was served under */
    public RemovedModelOperator(String model) {
        this.model = model;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        checkpointed = context.getOperatorStateStore()
                .getListState(new ListStateDescriptor<>(GenerateOperator.STATE, new InFlightRequest.Serializer()));
        unanswered = new ArrayList<>();
        if (context.isRestored()) {
            checkpointed.get().forEach(unanswered::add);
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        if (!unanswered.isEmpty()) {
            LOG.warn("the model {} is no longer served: {} {}/{} answers its {} restored in-flight requests with an error",
                    model, getOperatorConfig().getOperatorName(), getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() + 1,
                    getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks(), unanswered.size());
            getProcessingTimeService().registerTimer(getProcessingTimeService().getCurrentProcessingTime(), time -> answerRestored());
        }
    }

    private void answerRestored() {
        for (InFlightRequest request : unanswered) {
            emit(request.request().customId(), request.request().model());
        }
        unanswered.clear();
    }

    @Override
    public void processElement(StreamRecord<InferenceRequest> element) {
        emit(element.getValue().customId(), element.getValue().model());
    }

    private void emit(String customId, String requestedModel) {
        output.collect(new StreamRecord<>(ResultLine.error(customId, RequestError.MODEL_NOT_FOUND,
                GenerateOperator.modelRemoved(requestedModel))));
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        checkpointed.update(unanswered);
    }

    /** Bounded input (the batch job): answer before the task ends, whether or not the timer fired. */
    @Override
    public void endInput() {
        answerRestored();
    }
}

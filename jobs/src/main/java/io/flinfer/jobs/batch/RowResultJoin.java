package io.flinfer.jobs.batch;

import io.flinfer.operators.records.ResultLine;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Puts each dataset row back together with its result (keyed by custom_id), whichever comes first.
 * Only rows whose request is still on its way wait here, and the source cannot run ahead of the
 * generate step's backpressure by more than the network buffers between them, so this state stays
 * small however large the input is.
 */
public final class RowResultJoin extends KeyedCoProcessFunction<String, BatchItem, ResultLine, OutputRow> {
    private static final long serialVersionUID = 1L;

    private final StructuredColumn structured;
    private transient ValueState<BatchItem> row;
    private transient ValueState<ResultLine> result;

    /** @param structured the run's typed column, or null */
    public RowResultJoin(StructuredColumn structured) {
        this.structured = structured;
    }

    @Override
    public void open(OpenContext context) {
        // Both types name their own serializers (@TypeInfo), so the state is written without Kryo.
        row = getRuntimeContext().getState(new ValueStateDescriptor<>("row", BatchItem.class));
        result = getRuntimeContext().getState(new ValueStateDescriptor<>("result", ResultLine.class));
    }

    @Override
    public void processElement1(BatchItem item, Context ctx, Collector<OutputRow> out) throws Exception {
        ResultLine waiting = result.value();
        if (waiting == null) {
            row.update(item);
            return;
        }
        result.clear();
        out.collect(GeneratedColumns.withResult(item.row(), waiting, structured));
    }

    @Override
    public void processElement2(ResultLine line, Context ctx, Collector<OutputRow> out) throws Exception {
        BatchItem waiting = row.value();
        if (waiting == null) {
            result.update(line);
            return;
        }
        row.clear();
        out.collect(GeneratedColumns.withResult(waiting.row(), line, structured));
    }
}

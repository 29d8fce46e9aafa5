package io.flinfer.operators.route;

import io.flinfer.operators.records.PreparedRequest;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Chooses each request's generate subtask by its prefix key with a {@link BoundedLoadRouter} over
 * this subtask's own recent decisions: no coordination with the other routing subtasks, each of
 * which sees a sample of the same stream. It runs with the generate operator's parallelism, so the
 * ring has one place per generate subtask.
 *
 * <p>The recent counts are not checkpointed: the ring alone decides the first choices, so after a
 * restore every key goes back to the same subtask (and its cache), and the counts refill within a
 * window.
 */
public final class RouteFunction extends ProcessFunction<PreparedRequest, PreparedRequest> {
    private static final long serialVersionUID = 1L;
    /** Recent decisions the loads are counted over. */
    static final int WINDOW = 1000;

    private final double balance;
    private transient BoundedLoadRouter router;
    private transient Counter[] routed;
    private transient Counter spills;

    /** @param balance ε of the bound: a subtask takes at most (1 + ε) times the average recent load */
    public RouteFunction(double balance) {
        this.balance = BoundedLoadRouter.checkedBalance(balance);
    }

    @Override
    public void open(OpenContext context) {
        int subtasks = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
        router = new BoundedLoadRouter(subtasks, balance, WINDOW);
        MetricGroup metrics = getRuntimeContext().getMetricGroup();
        spills = metrics.counter("routing_spills");
        routed = new Counter[subtasks];
        for (int s = 0; s < subtasks; s++) {
            int subtask = s;
            MetricGroup target = metrics.addGroup("target_subtask", String.valueOf(s));
            routed[s] = target.counter("routed_requests");
            target.gauge("routed_share", (Gauge<Double>) () -> router.recentShare(subtask));
        }
    }

    @Override
    public void processElement(PreparedRequest request, Context ctx, Collector<PreparedRequest> out) {
        BoundedLoadRouter.Route route = router.route(request.prefixKey());
        routed[route.subtask()].inc();
        if (route.spilled()) {
            spills.inc();
        }
        out.collect(request.routedTo(route.subtask()));
    }
}

package io.flinfer.operators.route;

import org.apache.flink.api.common.functions.Partitioner;

/**
 * Chooses each request's generate subtask from its prefix key with a {@link BoundedLoadRouter} over
 * the decisions of this upstream subtask alone: no coordination with the others, each of which sees
 * a sample of the same stream.
 *
 * <p>It is a {@code Partitioner} because only the partitioner learns how many generate subtasks
 * there are ({@code numPartitions}), and that number is what the ring must be built on: the
 * autoscaler scales the generate vertex independently of the vertex that routes. Flink gives every
 * upstream subtask its own copy, so each keeps its own window. The window is not checkpointed: the
 * ring alone decides first choices, so after a restore every key returns to the same subtask and the
 * counts refill within a window. A partitioner has no metrics; the generate operator counts what it
 * receives ({@link RoutingMetrics}).
 */
public final class PrefixPartitioner implements Partitioner<String> {
    private static final long serialVersionUID = 1L;
    /** Recent decisions the loads are counted over. */
    static final int WINDOW = 1000;

    private final double balance;
    private transient BoundedLoadRouter router;

    /** @param balance ε of the bound: a subtask takes at most (1 + ε) times the average recent load */
    public PrefixPartitioner(double balance) {
        this.balance = BoundedLoadRouter.checkedBalance(balance);
    }

    @Override
    public int partition(String prefixKey, int numPartitions) {
        if (router == null || router.subtasks() != numPartitions) {
            router = new BoundedLoadRouter(numPartitions, balance, WINDOW);
        }
        return router.route(prefixKey);
    }
}

package io.flinfer.operators.route;

/**
 * Consistent hashing with bounded loads (Mirrokni, Thorup, Zadimoghaddam 2018), over one upstream
 * subtask's recent decisions. A key goes to its first subtask on the {@link HashRing}, so requests
 * that share a prompt prefix meet the engine that caches it, unless that would lift the subtask's
 * recent count above {@code (1 + balance)} times the average (plus {@link #SLACK}); then it goes to
 * the next subtask on the key's ring order that has room, a spill.
 *
 * <p>A hot key, one whose recent share is more than {@code (1 + balance)} subtasks' fair share, is
 * given as many ring successors as its share needs and goes to the least loaded of them: each of
 * those pays one prefill of the prefix and then hits its cache, instead of the first few filling up
 * and the last getting the scraps. With {@code balance} infinite this is plain consistent hashing.
 *
 * <p>Not thread-safe: one per upstream subtask (its own partitioner copy), used by its task thread.
 */
public final class BoundedLoadRouter {
    /**
     * Requests above the bound a subtask may take: while the window is nearly empty the bound is a
     * request or two, and without slack the first keys would spill just for arriving early.
     */
    public static final int SLACK = 2;
    /**
     * Until the window holds this many decisions per subtask, shares are taken over this many: a
     * key's third request in a young window is not a hot key.
     */
    static final int MIN_SAMPLE_PER_SUBTASK = 8;

    private final HashRing ring;
    private final double balance;
    private final RecentRoutes recent;

    /**
     * @param subtasks how many generate subtasks there are
     * @param balance ε: a subtask takes at most (1 + ε) times the average recent load; infinite for no bound
     * @param window how many recent decisions the loads are counted over
     */
    public BoundedLoadRouter(int subtasks, double balance, int window) {
        this.ring = new HashRing(subtasks);
        this.balance = checkedBalance(balance);
        this.recent = new RecentRoutes(window, subtasks);
    }

    /** {@code balance}, when it is a valid ε: 0 or more, infinity included. */
    public static double checkedBalance(double balance) {
        if (!(balance >= 0)) {
            throw new IllegalArgumentException("the routing balance must be 0 or more (Infinity for no bound), got " + balance);
        }
        return balance;
    }

    /** The subtask for a request with this key, counted in the window. */
    public int route(String key) {
        int[] order = ring.preference(key);
        int n = order.length;
        double bound = (1 + balance) * (recent.size() + 1) / n + SLACK;
        int replicas = replicas(key, n);
        int target = leastLoaded(order, replicas);
        if (recent.toTarget(target) + 1 > bound) {
            // Every one of the key's own subtasks is full; the bound guarantees that another has room.
            target = firstWithRoom(order, replicas, bound);
        }
        recent.add(key, target);
        return target;
    }

    public int subtasks() {
        return ring.subtasks();
    }

    /** How many ring successors a key needs so that none takes more than (1 + ε) fair shares of traffic. */
    private int replicas(String key, int n) {
        double share = (recent.ofKey(key) + 1.0) / Math.max(recent.size() + 1, MIN_SAMPLE_PER_SUBTASK * n);
        return (int) Math.max(1, Math.min(n, Math.ceil(share * n / (1 + balance))));
    }

    /** The least loaded of the key's first {@code replicas} subtasks; the earlier on the ring among equals. */
    private int leastLoaded(int[] order, int replicas) {
        int best = order[0];
        for (int i = 1; i < replicas; i++) {
            if (recent.toTarget(order[i]) < recent.toTarget(best)) {
                best = order[i];
            }
        }
        return best;
    }

    private int firstWithRoom(int[] order, int from, double bound) {
        for (int i = from; i < order.length; i++) {
            if (recent.toTarget(order[i]) + 1 <= bound) {
                return order[i];
            }
        }
        throw new IllegalStateException("no subtask under the bound " + bound + ": the loads do not add up");
    }
}

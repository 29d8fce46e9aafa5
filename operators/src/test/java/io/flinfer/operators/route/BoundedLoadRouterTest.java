package io.flinfer.operators.route;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The routing rule alone, without Flink: where keys go under even, skewed and single-key traffic. */
class BoundedLoadRouterTest {
    private static final int SUBTASKS = 4;
    private static final double BALANCE = 0.25;
    private static final int WINDOW = 1000;

    @Test
    void oneSharedPrefixSpreadsEvenlyOverEverySubtask() {
        BoundedLoadRouter router = new BoundedLoadRouter(SUBTASKS, BALANCE, WINDOW);
        int[] load = new int[SUBTASKS];
        for (int i = 0; i < 100; i++) {
            load[router.route("p:system-prompt")]++;
        }
        assertThat(Arrays.stream(load).boxed()).allSatisfy(l -> assertThat(l).isBetween(20, 30));
    }

    @Test
    void manyKeysAtEvenLoadEachStayOnTheirFirstChoiceWithoutSpills() {
        HashRing ring = new HashRing(SUBTASKS);
        List<String> keys = keysWithFirstChoicesInTurn(ring, 64);
        BoundedLoadRouter router = new BoundedLoadRouter(SUBTASKS, BALANCE, WINDOW);
        for (int round = 0; round < 5; round++) {
            for (String key : keys) {
                assertThat(router.route(key)).as("%s stays on its first choice", key).isEqualTo(ring.preference(key)[0]);
            }
        }
    }

    @Test
    void zipfTrafficStaysWithinTheBoundAndMostlyOnFirstChoices() {
        List<String> keys = new ArrayList<>();
        for (int k = 0; k < 16; k++) {
            keys.add("p:prefix-" + k);
        }
        HashRing ring = new HashRing(SUBTASKS);
        BoundedLoadRouter router = new BoundedLoadRouter(SUBTASKS, BALANCE, WINDOW);
        Random random = new Random(7);
        double[] cumulative = zipf(keys.size(), 1.2);
        int[] load = new int[SUBTASKS];
        int requests = 800;
        int firstChoice = 0;
        Map<String, Set<Integer>> placements = new HashMap<>();
        for (int i = 0; i < requests; i++) {
            String key = keys.get(sample(cumulative, random));
            int target = router.route(key);
            load[target]++;
            firstChoice += target == ring.preference(key)[0] ? 1 : 0;
            placements.computeIfAbsent(key, k -> new HashSet<>()).add(target);
            double mean = (i + 1.0) / SUBTASKS;
            assertThat(Arrays.stream(load).boxed()).allSatisfy(l -> assertThat(l).isLessThanOrEqualTo((int) ((1 + BALANCE) * mean) + BoundedLoadRouter.SLACK + 1));
        }
        assertThat(firstChoice).as("requests on their key's first choice").isGreaterThan(requests / 2);
        // Each subtask a key reaches pays one prefill of its prefix; every other request finds it cached.
        int prefills = placements.values().stream().mapToInt(Set::size).sum();
        int pureAffinityPrefills = placements.size();
        assertThat(requests - prefills).as("requests that find their prefix cached, %d prefills", prefills)
                .isGreaterThanOrEqualTo((int) (0.95 * (requests - pureAffinityPrefills)));
    }

    @Test
    void withoutABoundEveryKeyStaysOnItsFirstChoice() {
        HashRing ring = new HashRing(SUBTASKS);
        BoundedLoadRouter router = new BoundedLoadRouter(SUBTASKS, Double.POSITIVE_INFINITY, WINDOW);
        for (int i = 0; i < 200; i++) {
            String key = i % 3 == 0 ? "p:hot" : "p:key-" + i % 7;
            assertThat(router.route(key)).isEqualTo(ring.preference(key)[0]);
        }
    }

    @Test
    void theBoundMovesColdKeysOffAFullSubtask() {
        HashRing ring = new HashRing(SUBTASKS);
        BoundedLoadRouter router = new BoundedLoadRouter(SUBTASKS, 0, WINDOW);
        // Distinct keys that all prefer subtask 0: each is cold, so only the bound moves them.
        List<String> preferZero = new ArrayList<>();
        for (int i = 0; preferZero.size() < 12; i++) {
            if (ring.preference("p:k" + i)[0] == 0) {
                preferZero.add("p:k" + i);
            }
        }
        long moved = preferZero.stream().filter(key -> router.route(key) != 0).count();
        assertThat(moved).as("keys routed off their full first choice").isPositive();
    }

    /** Distinct keys whose first choices go 0, 1, ..., n-1, 0, 1, ...: traffic that loads every subtask evenly. */
    static List<String> keysWithFirstChoicesInTurn(HashRing ring, int count) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; keys.size() < count; i++) {
            String key = "p:" + Integer.toHexString(i * 7919);
            if (ring.preference(key)[0] == keys.size() % ring.subtasks()) {
                keys.add(key);
            }
        }
        return keys;
    }

    private static double[] zipf(int n, double s) {
        double[] cumulative = new double[n];
        double sum = 0;
        for (int k = 0; k < n; k++) {
            sum += 1 / Math.pow(k + 1, s);
            cumulative[k] = sum;
        }
        for (int k = 0; k < n; k++) {
            cumulative[k] /= sum;
        }
        return cumulative;
    }

    private static int sample(double[] cumulative, Random random) {
        double u = random.nextDouble();
        for (int k = 0; k < cumulative.length; k++) {
            if (u < cumulative[k]) {
                return k;
            }
        }
        return cumulative.length - 1;
    }
}

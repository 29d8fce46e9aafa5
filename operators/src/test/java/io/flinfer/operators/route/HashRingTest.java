package io.flinfer.operators.route;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class HashRingTest {
    private static final int KEYS = 20_000;

    @Test
    void everyKeyPrefersEverySubtaskOnceAndRingsAgreeAcrossInstances() {
        HashRing one = new HashRing(5);
        HashRing other = new HashRing(5);
        for (int i = 0; i < 100; i++) {
            int[] order = one.preference("p:" + i);
            assertThat(order).containsExactlyInAnyOrder(0, 1, 2, 3, 4);
            assertThat(other.preference("p:" + i)).containsExactly(order);
        }
    }

    @Test
    void firstChoicesAreSpreadEvenly() {
        int subtasks = 4;
        HashRing ring = new HashRing(subtasks);
        int[] firsts = new int[subtasks];
        for (int i = 0; i < KEYS; i++) {
            firsts[ring.preference("id:request-" + i)[0]]++;
        }
        assertThat(Arrays.stream(firsts).boxed()).allSatisfy(f -> assertThat(f).isBetween(KEYS / subtasks * 8 / 10, KEYS / subtasks * 12 / 10));
    }

    @Test
    void aSubtaskMoreMovesOnlyTheKeysItTakes() {
        HashRing four = new HashRing(4);
        HashRing five = new HashRing(5);
        int moved = 0;
        for (int i = 0; i < KEYS; i++) {
            int before = four.preference("p:" + i)[0];
            int after = five.preference("p:" + i)[0];
            if (after != before) {
                assertThat(after).as("a moved key moves to the new subtask").isEqualTo(4);
                moved++;
            }
        }
        assertThat((double) moved / KEYS).isBetween(0.15, 0.25);
    }
}

package io.flinfer.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Several engines in one JVM warn when their OpenMP threads together outnumber the processors. */
class TensorThreadOversubscriptionTest {
    @Test
    void oneEngineOrThreadsWithinTheProcessorsSayNothing() {
        assertThat(TensorThread.oversubscription(1, 2, 2)).isEmpty();
        assertThat(TensorThread.oversubscription(1, 16, 2)).as("one engine's own count is the user's choice").isEmpty();
        assertThat(TensorThread.oversubscription(2, 1, 2)).isEmpty();
        assertThat(TensorThread.oversubscription(4, 4, 16)).isEmpty();
    }

    @Test
    void moreThreadsThanProcessorsNameEachEnginesShare() {
        assertThat(TensorThread.oversubscription(2, 2, 2)).hasValueSatisfying(warning -> assertThat(warning)
                .startsWith("2 engines in this JVM with 2 intra-op threads each, on 2 processors")
                .endsWith("give each at most 1 (-Dai.djl.pytorch.num_threads=1)"));
        assertThat(TensorThread.oversubscription(3, 8, 16)).hasValueSatisfying(warning -> assertThat(warning)
                .endsWith("(-Dai.djl.pytorch.num_threads=5)"));
        assertThat(TensorThread.oversubscription(3, 2, 2)).hasValueSatisfying(warning -> assertThat(warning)
                .as("never below one thread").endsWith("(-Dai.djl.pytorch.num_threads=1)"));
    }
}

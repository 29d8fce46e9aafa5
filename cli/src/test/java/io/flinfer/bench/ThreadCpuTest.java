package io.flinfer.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinfer.local.Await;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The CPU profile sees a busy thread by its name, and groups a pool's threads as one. */
class ThreadCpuTest {
    @Test
    void aBusyThreadShowsUnderItsGroupWithTheCpuItSpent() throws Exception {
        ThreadCpu cpu = ThreadCpu.start();
        Thread spinning = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                Thread.onSpinWait();
            }
        }, "spinner-3");
        spinning.start();
        try {
            Await.until("the spinner's CPU time in the profile", Duration.ofSeconds(30),
                    () -> cpu.secondsByGroup().getOrDefault("spinner", 0.0) >= 0.05);
            assertThat(cpu.secondsByGroup()).doesNotContainKey("spinner-3");
            assertThat(cpu.secondsByGroup().getOrDefault("spinner", 0.0)).isGreaterThanOrEqualTo(0.05);
        } finally {
            spinning.interrupt();
            spinning.join();
        }
    }

    @Test
    void groupsDropDigitsAndTrailingSeparators() {
        assertThat(ThreadCpu.group("41 GC Thread#0")).isEqualTo("GC Thread");
        assertThat(ThreadCpu.group("42 kafka-producer-")).isEqualTo("kafka-producer");
        assertThat(ThreadCpu.group("43 flinfer-tensors")).isEqualTo("flinfer-tensors");
    }
}

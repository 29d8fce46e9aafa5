package io.flinfer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * {@code flinfer doctor} on this machine: every section, the golden prompts replayed, and an exit
 * status that agrees with what it printed (3 exactly when a check printed FAILED).
 */
class DoctorCommandTest {

    @Test
    void reportsTheMachineThePathsAndTheGoldenPrompts() {
        CliRun run = CliRun.of("doctor");
        String out = run.out();
        assertThat(out).contains("Machine", "CPU flags", "libtorch", "threads",
                "Compute paths (stories260K, float32 on cpu)", "linear", "attention", "self-check",
                "forward step at rows 13, 5", "Golden prompts");
        assertThat(out.lines().filter(l -> l.strip().startsWith("pass "))).hasSize(3);
        assertThat(out).doesNotContain("FAIL ");
        boolean failedCheck = out.lines().anyMatch(l -> l.strip().startsWith("FAILED "));
        assertThat(run.exitCode()).as(out + run.err()).isEqualTo(failedCheck ? DoctorCommand.FELL_BACK : 0);
        assertThat(out).contains(failedCheck ? "Result: correct, but slower" : "Result: all passed.");
    }
}

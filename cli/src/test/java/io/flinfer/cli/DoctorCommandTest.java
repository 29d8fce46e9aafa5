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
                "Compute paths (stories260K, float32 on cpu)", "linear", "attention", "norm", "self-check",
                "layer-norm-fused norm 64 at rows 1, 3, 65",
                "forward step at rows 13, 5", "Golden prompts");
        assertThat(out.lines().filter(l -> l.strip().startsWith("pass "))).hasSize(3);
        assertThat(out).doesNotContain("FAIL ");
        boolean failedCheck = out.lines().anyMatch(l -> l.strip().startsWith("FAILED "));
        assertThat(run.exitCode()).as(out + run.err()).isEqualTo(failedCheck ? DoctorCommand.FELL_BACK : 0);
        assertThat(out).contains(failedCheck ? "Result: correct, but slower" : "Result: all passed.");
    }

    @Test
    void anotherDtypeIsCheckedAndItsGoldenPromptsReportedWhileFloat32StaysTheCheck() {
        CliRun run = CliRun.of("doctor", "--dtype", "bfloat16");
        String out = run.out();
        assertThat(out).as(run.err()).contains("Compute paths (stories260K, bfloat16 on cpu)",
                "Golden prompts in bfloat16 (reported, not checked");
        // The float32 replay is still the pass/fail check; the bfloat16 one says how far it follows llama2.c.
        assertThat(out.lines().filter(l -> l.strip().startsWith("pass "))).hasSize(3);
        assertThat(out.lines().filter(l -> l.strip().startsWith("same ") || l.strip().startsWith("apart "))).hasSize(3);
        assertThat(run.exitCode()).as(out).isIn(0, DoctorCommand.FELL_BACK);
    }
}

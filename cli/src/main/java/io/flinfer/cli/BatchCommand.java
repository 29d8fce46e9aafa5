package io.flinfer.cli;

import io.flinfer.jobs.EngineOptions;
import io.flinfer.jobs.batch.BatchCommandOptions;
import io.flinfer.jobs.batch.BatchCounters;
import io.flinfer.jobs.batch.BatchInput;
import io.flinfer.jobs.batch.BatchJob;
import io.flinfer.jobs.batch.BatchOptions;
import io.flinfer.jobs.batch.BatchPlan;
import io.flinfer.jobs.batch.OutputRows;
import io.flinfer.local.LocalCluster;
import io.flinfer.local.ResumableJob;
import io.flinfer.local.StateDirectory;
import io.flinfer.operators.generate.EngineHost;
import io.flinfer.operators.generate.SharedEngines;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.ExceptionUtils;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Runs the batch job on a local MiniCluster, with a progress bar, checkpoints in the work folder (so a
 * run interrupted in any way resumes when started again with the same arguments), the output
 * committed at the end and a summary. On a cluster the same job runs through
 * {@link io.flinfer.jobs.batch.BatchJobMain}.
 */
@Command(name = "batch", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Generate for every line of an OpenAI Batch API request file, or every row of a dataset (JSONL,"
                + " Parquet, a Hugging Face Hub dataset), into one output file.",
                "Exit status 0 when the run completed, whatever errors single rows got (they are in the output);"
                        + " 1 when the run itself failed; 130 when Ctrl-C stopped it (after a checkpoint)."
                        + " Run the same command again to resume an interrupted run."})
public final class BatchCommand implements Callable<Integer> {
    /** The exit status of a run stopped by Ctrl-C (SIGINT) before its end, as shells report such a stop. */
    private static final int STOPPED = 130;
    /** Options that do not change what a run produces, so a resumed run may change them. */
    private static final Set<String> FREE_TO_CHANGE = Set.of("--work-dir", "--parallelism", "--checkpoint-interval",
            "--log-file", "--verbose", "--help", "--version");

    @Mixin EngineOptions engine;
    @Mixin BatchCommandOptions batch;

    @Option(names = "--parallelism", defaultValue = "1", description = "Parallel subtasks of every operator. Default: ${DEFAULT-VALUE}.")
    int parallelism;

    @Mixin LogOptions logging;
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        long startMillis = System.currentTimeMillis();
        String runId = UUID.randomUUID().toString();
        BatchPlan plan = batch.plan(engine, engine.toConfig(), runId);
        if (plan.output().getFileSystem().exists(plan.output())) {
            throw new IllegalArgumentException("--output " + plan.output() + " already exists; a finished output is never overwritten");
        }
        try (CommandLog log = logging.open(spec)) {
            return run(plan, runId, startMillis);
        }
    }

    private int run(BatchPlan plan, String runId, long startMillis) throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        BatchOptions o = plan.options();
        // The model loads while the cluster starts and the job deploys; the generate operator adopts it.
        CompletableFuture<EngineHost> engineHost = SharedEngines.preload(o.generation().engine());
        long sampledBefore = sampledTokens(engineHost);
        BatchCounters counters = BatchCounters.of(runId);
        long runningSince;
        try (StateDirectory work = openWorkDir(plan)) {
            long rowsBefore = OutputRows.inParts(new org.apache.flink.core.fs.Path(o.parts()), o.outputFormat());
            AtomicLong total = countInBackground(new BatchInput(o.inputFiles(), o.inputFormat()));
            try (LocalCluster cluster = LocalCluster.startForRun(
                    new LocalCluster.Settings(parallelism, batch.checkpointInterval(), 0, o.generation().slots(parallelism)), work)) {
                StreamExecutionEnvironment env = cluster.environment();
                BatchJob.build(env, o);
                try (ResumableJob job = ResumableJob.start(cluster, env, BatchJob.NAME, work, out)) {
                    job.stopWithCheckpointOnSignals(err);
                    BatchProgressBar bar = new BatchProgressBar(err, counters, rowsBefore, total, System.console() != null);
                    awaitWithProgress(job, bar, plan);
                    bar.finish();
                    if (job.stoppedBySignal()) {
                        out.println("Stopped before the end; run the same command again to resume from " + plan.workDir() + ".");
                        return STOPPED;
                    }
                    runningSince = job.runningSinceMillis();
                }
            }
            plan.commit();
            work.delete();
        }
        long rows = OutputRows.count(plan.output(), o.outputFormat());
        long endMillis = System.currentTimeMillis();
        double seconds = (endMillis - startMillis) / 1e3;
        out.printf("Wrote %s: %d rows in %s.%n", plan.output(), rows, formatSeconds(Math.round(seconds)));
        long prompt = counters.promptTokens.get();
        out.printf("This run: %d rows (%d errors), %d prompt tokens, %d generated tokens (%.1f tokens/s),"
                        + " prefix-cache hit rate %.1f%%%n",
                counters.rows.get(), counters.errors.get(), prompt, counters.completionTokens.get(),
                counters.completionTokens.get() / seconds, prompt == 0 ? 0.0 : 100.0 * counters.cachedTokens.get() / prompt);
        long lastRow = Math.max(counters.lastRowMillis.get(), runningSince);
        out.printf(Locale.ROOT, "Time: %.1f s to start (cluster, job, model), %.1f s generating, %.1f s to commit;"
                        + " the engine sampled %d tokens.%n",
                (runningSince - startMillis) / 1e3, (lastRow - runningSince) / 1e3, (endMillis - lastRow) / 1e3,
                sampledTokens(engineHost) - sampledBefore);
        return 0;
    }

    /**
     * Tokens the engine has sampled: new ones, not those resumed requests kept from a checkpoint. Zero for
     * an engine still loading; one that failed to load was replaced by the operator's own (rare: a
     * transient failure) and then counts nothing.
     */
    private static long sampledTokens(CompletableFuture<EngineHost> engine) {
        return engine.isDone() && !engine.isCompletedExceptionally() ? engine.join().stats().generationTokens() : 0;
    }

    /**
     * The run's work folder, holding its checkpoints and part files; refused when it holds a run started
     * with other arguments, whose checkpoint describes other work.
     */
    private StateDirectory openWorkDir(BatchPlan plan) throws IOException {
        Path root = Path.of(plan.workDir().toUri());
        try {
            return StateDirectory.open(root, arguments(), false);
        } catch (StateDirectory.IncompatibleStateException e) {
            throw new IllegalArgumentException("the work folder " + root + " holds an unfinished run started with other"
                    + " arguments (" + e.differences() + "), so it cannot resume this one. Run again with the same"
                    + " arguments to resume it, or remove the folder (or name another --work-dir) to start over.", e);
        }
    }

    /** Redraws the progress bar until the job ends; a job that failed for good is the run's failure. */
    private static void awaitWithProgress(ResumableJob job, BatchProgressBar bar, BatchPlan plan) throws InterruptedException {
        CompletableFuture<Void> end = CompletableFuture.runAsync(() -> {
            try {
                job.awaitEnd();
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        });
        while (true) {
            bar.update();
            try {
                end.get(1, TimeUnit.SECONDS);
                return;
            } catch (TimeoutException stillRunning) {
                // redraw and wait on
            } catch (ExecutionException e) {
                if (job.stoppedBySignal()) {
                    return; // cancelled after its checkpoint
                }
                bar.finish();
                Throwable cause = ExceptionUtils.stripCompletionException(ExceptionUtils.stripExecutionException(e));
                Throwable root = ExceptionUtils.findThrowable(cause, t -> t.getCause() == null).orElse(cause);
                throw new IllegalStateException("the batch job failed: " + root
                        + ". Its checkpoints are kept in " + plan.workDir() + ": run the same command again to resume.", e);
            }
        }
    }

    /** The options that define what the run produces, by name, as the work folder records them. */
    private Map<String, String> arguments() {
        Map<String, String> values = new HashMap<>();
        for (OptionSpec option : spec.options()) {
            if (!FREE_TO_CHANGE.contains(option.longestName())) {
                // As typed (or the default as --help shows it), so a refusal names values the way the user wrote them.
                List<String> typed = option.originalStringValues();
                values.put(option.longestName(), typed.isEmpty() ? String.valueOf(option.defaultValue()) : String.join(" ", typed));
            }
        }
        return values;
    }

    private static AtomicLong countInBackground(BatchInput input) {
        AtomicLong total = new AtomicLong(-1);
        Thread counter = new Thread(() -> {
            try {
                total.set(input.countRows());
            } catch (Exception e) {
                // Only the progress bar wants the total; it shows rows done without it.
            }
        }, "flinfer-batch-count-rows");
        counter.setDaemon(true);
        counter.start();
        return total;
    }

    static String formatSeconds(long seconds) {
        return seconds >= 3600 ? String.format("%dh%02dm", seconds / 3600, seconds % 3600 / 60)
                : seconds >= 60 ? String.format("%dm%02ds", seconds / 60, seconds % 60)
                : seconds + "s";
    }
}

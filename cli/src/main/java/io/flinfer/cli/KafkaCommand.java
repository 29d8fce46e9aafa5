package io.flinfer.cli;

import io.flinfer.kafka.EmbeddedKafka;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code flinfer kafka}: a throwaway single-node broker for trying the pipeline out. */
@Command(
        name = "kafka",
        mixinStandardHelpOptions = true,
        description = {
            "Runs a single-node Kafka broker (KRaft, in this process) until Ctrl-C, and prints the address"
                    + " clients connect to.",
            "Its data lives in a temporary directory that is deleted on exit. Transactions and"
                    + " read_committed consumers work, as the pipeline needs."
        })
final class KafkaCommand implements Runnable {
    private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(30);

    @Spec CommandSpec spec;

    @Option(names = "--port", paramLabel = "P", defaultValue = "9092",
            description = "Port for Kafka clients on localhost; 0 picks a free one. Default: ${DEFAULT-VALUE}.")
    int port;

    @Mixin LogOptions logging;

    @Override
    public void run() {
        PrintWriter out = spec.commandLine().getOut();
        Thread command = Thread.currentThread();
        CountDownLatch stopped = new CountDownLatch(1);
        // Ctrl-C runs shutdown hooks while this thread still waits: wake it and let it close the
        // broker (which deletes the data directory) before the JVM goes. Wait for the close, not
        // for this thread to end: main() then calls System.exit, which blocks during shutdown.
        Thread hook = new Thread(() -> {
            command.interrupt();
            try {
                stopped.await(SHUTDOWN_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "flinfer-kafka-shutdown");
        try (CommandLog log = logging.open(spec);
                EmbeddedKafka kafka = EmbeddedKafka.start(port)) {
            out.println("Kafka is running at " + kafka.bootstrapServers()
                    + " (data in " + kafka.logDirectory() + ", deleted on exit). Press Ctrl-C to stop.");
            out.flush();
            Runtime.getRuntime().addShutdownHook(hook);
            new CountDownLatch(1).await();
        } catch (InterruptedException e) {
            out.println("Kafka stopped.");
            out.flush();
        } finally {
            stopped.countDown();
            removeHook(hook);
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // The hook is running (Ctrl-C): it stays, and it is waiting for us.
        }
    }
}

package io.flinfer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code flinfer kafka} runs a broker until interrupted (what Ctrl-C does through its shutdown hook). */
class KafkaCommandTest {
    private static final Pattern RUNNING = Pattern.compile("Kafka is running at (\\S+) \\(data in (\\S+),");

    @Test
    void runsABrokerUntilInterruptedThenDeletesItsData() throws Exception {
        LineQueue out = new LineQueue();
        CommandLine cli = FlinferCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(new StringWriter(), true));
        AtomicInteger exitCode = new AtomicInteger(-1);
        Thread command = new Thread(() -> exitCode.set(cli.execute("kafka", "--port", "0")), "kafka-command");
        command.start();

        String banner = out.lines.poll(60, TimeUnit.SECONDS);
        assertThat(banner).as("the command's first line").isNotNull();
        Matcher running = RUNNING.matcher(banner);
        assertThat(running.find()).as(banner).isTrue();
        String bootstrap = running.group(1);
        Path dataDir = Path.of(running.group(2));
        assertThat(dataDir).isDirectory();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).hasSize(1);
        }

        command.interrupt();
        command.join(TimeUnit.SECONDS.toMillis(60));

        assertThat(command.isAlive()).isFalse();
        assertThat(exitCode.get()).isZero();
        assertThat(out.lines.poll(1, TimeUnit.SECONDS)).isEqualTo("Kafka stopped.");
        assertThat(dataDir).doesNotExist();
    }

    /** A Writer that hands each finished line to the test as soon as it is printed. */
    private static final class LineQueue extends Writer {
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final StringBuilder current = new StringBuilder();

        @Override
        public synchronized void write(char[] buf, int off, int len) {
            for (int i = off; i < off + len; i++) {
                if (buf[i] == '\n') {
                    lines.add(current.toString());
                    current.setLength(0);
                } else if (buf[i] != '\r') {
                    current.append(buf[i]);
                }
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    }
}

package io.flinfer.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Where this process spent its CPU over a window, by thread name: the profile of a pipeline run,
 * where the engine, Flink's tasks, the embedded Kafka broker and the clients share the machine's
 * cores. Read from Linux's per-thread accounting ({@code /proc/self/task}), so it counts native
 * threads too: libtorch's intra-op workers inherit the name of the engine thread that starts them.
 * Names are the kernel's (15 characters) with digits dropped, so a pool counts as one line.
 */
final class ThreadCpu {
    /** Clock ticks per second of /proc's times; 100 on every Linux this runs on (USER_HZ). */
    private static final double TICKS_PER_SECOND = 100;
    private static final Path TASKS = Path.of("/proc/self/task");

    private final Map<String, Long> ticksAtStart;

    private ThreadCpu(Map<String, Long> ticksAtStart) {
        this.ticksAtStart = ticksAtStart;
    }

    /** Starts a window now; empty where there is no /proc (the profile is then empty too). */
    static ThreadCpu start() {
        return new ThreadCpu(ticksByThread());
    }

    /** CPU seconds per thread group since the window started, largest first. */
    Map<String, Double> secondsByGroup() {
        Map<String, Double> groups = new HashMap<>();
        ticksByThread().forEach((thread, ticks) -> {
            long spent = ticks - ticksAtStart.getOrDefault(thread, 0L);
            if (spent > 0) {
                groups.merge(group(thread), spent / TICKS_PER_SECOND, Double::sum);
            }
        });
        Map<String, Double> sorted = new LinkedHashMap<>();
        groups.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(e -> sorted.put(e.getKey(), e.getValue()));
        return sorted;
    }

    /** The group of "tid name": the name without digits and trailing separators. */
    static String group(String thread) {
        String name = thread.substring(thread.indexOf(' ') + 1).replaceAll("[0-9]", "");
        return name.replaceAll("[-#_ ./():]+$", "");
    }

    /** utime + stime of each live thread, keyed by "tid name" (a tid may be reused under another name). */
    private static Map<String, Long> ticksByThread() {
        Map<String, Long> ticks = new HashMap<>();
        if (!Files.isDirectory(TASKS)) {
            return ticks;
        }
        try (Stream<Path> tasks = Files.list(TASKS)) {
            tasks.forEach(task -> {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    // "tid (name) state ...": the name may hold spaces and parentheses, so split after the last ')'.
                    int close = stat.lastIndexOf(')');
                    String name = stat.substring(stat.indexOf('(') + 1, close);
                    String[] fields = stat.substring(close + 2).split(" ");
                    // After the name: state is field 3 of the man page, utime 14 and stime 15.
                    ticks.put(task.getFileName() + " " + name, Long.parseLong(fields[11]) + Long.parseLong(fields[12]));
                } catch (IOException | RuntimeException gone) {
                    // The thread ended while it was read: its time is lost to the profile, not to the run.
                }
            });
        } catch (IOException e) {
            return ticks;
        }
        return ticks;
    }
}

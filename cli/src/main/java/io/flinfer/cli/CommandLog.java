package io.flinfer.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.logging.log4j.core.LoggerContext;

/**
 * This process's logging while a command runs Flink, Kafka and the engine here ({@value #CONFIG}): their
 * logs go to a file, the console keeps what the user needs. Closing puts the logging back as it was,
 * since tests and {@code bench batch} run commands inside a longer-lived JVM.
 */
final class CommandLog implements AutoCloseable {
    static final String CONFIG = "/log4j2-command.properties";
    /** The properties the configuration reads, as {@code ${sys:...}}. */
    static final String FILE = "flinfer.log.file";
    static final String ALL_TO_CONSOLE = "flinfer.log.console";
    static final String OWN_TO_CONSOLE = "flinfer.log.user";

    private final LoggerContext context;
    private final URI previousConfig;
    private final Map<String, String> previousProperties;

    private CommandLog(LoggerContext context, URI previousConfig, Map<String, String> previousProperties) {
        this.context = context;
        this.previousConfig = previousConfig;
        this.previousProperties = previousProperties;
    }

    /** From now on, logs go to {@code file}; with {@code verbose} the console shows them too. */
    static CommandLog toFile(Path file, boolean verbose) {
        Path absolute = file.toAbsolutePath();
        try {
            Files.createDirectories(absolute.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the folder of the log file " + absolute + ": " + e.getMessage(), e);
        }
        LoggerContext context = LoggerContext.getContext(false);
        URI previousConfig = context.getConfiguration().getConfigurationSource().getURI();
        Map<String, String> previous = new HashMap<>();
        set(FILE, absolute.toString(), previous);
        set(ALL_TO_CONSOLE, verbose ? "ALL" : "OFF", previous);
        set(OWN_TO_CONSOLE, verbose ? "OFF" : "INFO", previous);
        context.setConfigLocation(configUri());
        return new CommandLog(context, previousConfig, previous);
    }

    private static void set(String key, String value, Map<String, String> previous) {
        previous.put(key, System.setProperty(key, value));
    }

    private static URI configUri() {
        try {
            return CommandLog.class.getResource(CONFIG).toURI();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("the command line's jar holds no readable " + CONFIG, e);
        }
    }

    @Override
    public void close() {
        previousProperties.forEach((key, value) -> {
            if (value == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, value);
            }
        });
        // Null (a configuration found by log4j's defaults) finds it again.
        context.setConfigLocation(previousConfig);
    }
}

package io.flinfer.jobs.kafka;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import picocli.CommandLine.Option;

/**
 * {@code --kafka-properties FILE}, the same option on every command that talks to Kafka (and on the
 * cluster entry point): client settings such as security.protocol, sasl.* and ssl.* for all of the
 * command's Kafka clients. The values are secrets; nothing here prints them.
 */
public final class KafkaPropertiesOption {
    @Option(names = "--kafka-properties", paramLabel = "FILE",
            description = "Kafka client settings (security.protocol, sasl.*, ssl.*, ...) for every Kafka client of"
                    + " this command (a job's consumer and producers included), as a Java properties file, read"
                    + " where the command runs. Default: none (PLAINTEXT).")
    Path file;

    /** The settings in the file, none without one; a job carries them in its graph, so TaskManagers need no file. */
    public Map<String, String> settings() {
        if (file == null) {
            return Map.of();
        }
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(file)) {
            properties.load(in);
        } catch (IOException e) {
            // The exception names the file and what went wrong with it, never its content.
            throw new IllegalArgumentException("cannot read --kafka-properties " + file + ": " + e.getMessage(), e);
        }
        Map<String, String> settings = new TreeMap<>();
        properties.stringPropertyNames().forEach(key -> settings.put(key, properties.getProperty(key)));
        return settings;
    }
}

package io.flinfer.jobs;

import io.flinfer.engine.EngineConfig;
import io.flinfer.operators.records.ServedModel;
import java.io.Serializable;
import java.time.Duration;
import java.util.Map;

/**
 * Everything the streaming job needs to know. {@link #builder} starts from the defaults that every way
 * of starting the job shares (the cluster entry point, {@code flinfer run}, the demo, benchmarks, tests).
 *
 * @param routing how requests reach generate subtasks: by prefix key (cache affinity, bounded load) or round robin
 * @param routingBalance ε of prefix routing: a generate subtask takes at most (1 + ε) times the average
 *        recent load; {@code Double.POSITIVE_INFINITY} for pure affinity
 * @param maxInFlight most requests in flight per generate subtask
 * @param prefixKeyBlocks how many leading KV blocks of a prompt make its routing key
 * @param servedModel the names requests may give in "model"; others are answered 404
 * @param kafkaClient more Kafka client settings for the source and the sinks alike (SASL, TLS, ...)
 */
public record PipelineOptions(
        String bootstrapServers,
        String inputTopic,
        String outputTopic,
        String deadLetterTopic,
        String groupId,
        String transactionalIdPrefix,
        EngineConfig engine,
        int maxInFlight,
        Duration requestTimeout,
        int prefixKeyBlocks,
        Routing routing,
        double routingBalance,
        ServedModel servedModel,
        Map<String, String> kafkaClient) implements Serializable {

    public PipelineOptions {
        kafkaClient = Map.copyOf(kafkaClient);
    }

    /** As a record prints itself, but with the Kafka settings' names only: their values include passwords. */
    @Override
    public String toString() {
        return "PipelineOptions[bootstrapServers=" + bootstrapServers + ", inputTopic=" + inputTopic + ", outputTopic=" + outputTopic
                + ", deadLetterTopic=" + deadLetterTopic + ", groupId=" + groupId + ", transactionalIdPrefix=" + transactionalIdPrefix
                + ", engine=" + engine + ", maxInFlight=" + maxInFlight + ", requestTimeout=" + requestTimeout
                + ", prefixKeyBlocks=" + prefixKeyBlocks + ", routing=" + routing + ", routingBalance=" + routingBalance
                + ", servedModel=" + servedModel + ", kafkaClient=" + new java.util.TreeSet<>(kafkaClient.keySet()) + " (values hidden)]";
    }

    public enum Routing { PREFIX, ROUND_ROBIN }

    /** The options of the inference steps, which the batch job shares. */
    public GenerationOptions generation() {
        return new GenerationOptions(engine, maxInFlight, requestTimeout, prefixKeyBlocks, routing, routingBalance, servedModel);
    }

    /** A fair share and a quarter: affinity keeps most keys, no subtask runs far ahead of the rest. */
    public static final double ROUTING_BALANCE = 0.25;

    /** The defaults, as constants so that command-line options can name them in their annotations. */
    public static final String INPUT_TOPIC = "prompts";
    public static final String OUTPUT_TOPIC = "completions";
    public static final String DEAD_LETTER_TOPIC = "prompts.dlq";
    public static final String GROUP_ID = "flinfer";
    public static final int MAX_IN_FLIGHT = 128;
    public static final String REQUEST_TIMEOUT = "10m";
    public static final int PREFIX_KEY_BLOCKS = 4;
    public static final String CHECKPOINT_INTERVAL = "10s";

    /** The job's options for {@code engine}, all defaults; {@code bootstrapServers} null asks a local run for an embedded broker. */
    public static Builder builder(String bootstrapServers, EngineConfig engine) {
        return new Builder(bootstrapServers, engine);
    }

    /** The same options against another Kafka (a local run learns its embedded broker's address late). */
    public PipelineOptions withBootstrapServers(String servers) {
        return new PipelineOptions(servers, inputTopic, outputTopic, deadLetterTopic, groupId, transactionalIdPrefix,
                engine, maxInFlight, requestTimeout, prefixKeyBlocks, routing, routingBalance, servedModel, kafkaClient);
    }

    /** Options from the defaults, changed where asked. */
    public static final class Builder {
        private final String bootstrapServers;
        private final EngineConfig engine;
        private String inputTopic = INPUT_TOPIC;
        private String outputTopic = OUTPUT_TOPIC;
        private String deadLetterTopic = DEAD_LETTER_TOPIC;
        private String groupId = GROUP_ID;
        private int maxInFlight = MAX_IN_FLIGHT;
        private Duration requestTimeout = Durations.parse(REQUEST_TIMEOUT);
        private int prefixKeyBlocks = PREFIX_KEY_BLOCKS;
        private Routing routing = Routing.PREFIX;
        private double routingBalance = ROUTING_BALANCE;
        private ServedModel servedModel;
        private Map<String, String> kafkaClient = Map.of();

        private Builder(String bootstrapServers, EngineConfig engine) {
            this.bootstrapServers = bootstrapServers;
            this.engine = engine;
        }

        public Builder topics(String input, String output, String deadLetters) {
            inputTopic = input;
            outputTopic = output;
            deadLetterTopic = deadLetters;
            return this;
        }

        /** The consumer group; the sinks' transactional ids derive from it, so two jobs never share either. */
        public Builder groupId(String id) {
            groupId = id;
            return this;
        }

        public Builder maxInFlight(int requests) {
            maxInFlight = requests;
            return this;
        }

        public Builder requestTimeout(Duration timeout) {
            requestTimeout = timeout;
            return this;
        }

        public Builder prefixKeyBlocks(int blocks) {
            prefixKeyBlocks = blocks;
            return this;
        }

        public Builder routing(Routing r) {
            routing = r;
            return this;
        }

        /** ε of prefix routing; {@code Double.POSITIVE_INFINITY} for pure affinity. */
        public Builder routingBalance(double epsilon) {
            routingBalance = epsilon;
            return this;
        }

        /** The names requests may give in "model"; by default the engine's model folder and its base name. */
        public Builder servedModel(ServedModel names) {
            servedModel = names;
            return this;
        }

        /** Client settings beyond the address, e.g. security.protocol, sasl.jaas.config, ssl.truststore.location. */
        public Builder kafkaClient(Map<String, String> settings) {
            kafkaClient = settings;
            return this;
        }

        public PipelineOptions build() {
            return new PipelineOptions(bootstrapServers, inputTopic, outputTopic, deadLetterTopic, groupId,
                    "flinfer-" + groupId, engine, maxInFlight, requestTimeout, prefixKeyBlocks, routing, routingBalance,
                    servedModel != null ? servedModel : ServedModel.ofModelArgument(engine.model()), kafkaClient);
        }
    }
}

package io.flinfer.jobs;

import org.apache.flink.connector.base.DeliveryGuarantee;
import io.flinfer.engine.EngineConfig;
import io.flinfer.operators.records.ServedModel;
import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.flink.connector.base.DeliveryGuarantee;

/**
 * Everything the streaming job needs to know. {@link #builder} starts from the defaults that every way
 * of starting the job shares (the cluster entry point, {@code flinfer run}, the demo, benchmarks, tests).
 *
 * @param generation the inference steps' options, which the batch job shares
 * @param kafkaClient more Kafka client settings for the source and the sinks alike (SASL, TLS, ...)
 * @param deliveryGuarantee the sinks': {@code EXACTLY_ONCE} (results visible to {@code read_committed}
 *     consumers when the checkpoint after them completes) or {@code AT_LEAST_ONCE} (visible as soon as
 *     they are written; after a failure, some appear twice)
 */
public record PipelineOptions(
        String bootstrapServers,
        String inputTopic,
        String outputTopic,
        String deadLetterTopic,
        String groupId,
        String transactionalIdPrefix,
        GenerationOptions generation,
        Map<String, String> kafkaClient,
        DeliveryGuarantee deliveryGuarantee) implements Serializable {

    public PipelineOptions {
        kafkaClient = Map.copyOf(kafkaClient);
        if (deliveryGuarantee != DeliveryGuarantee.EXACTLY_ONCE && deliveryGuarantee != DeliveryGuarantee.AT_LEAST_ONCE) {
            throw new IllegalArgumentException("delivery guarantee " + deliveryGuarantee + "; the job's are exactly-once and at-least-once");
        }
    }

    /** As a record prints itself, but with the Kafka settings' names only: their values include passwords. */
    @Override
    public String toString() {
        return "PipelineOptions[bootstrapServers=" + bootstrapServers + ", inputTopic=" + inputTopic + ", outputTopic=" + outputTopic
                + ", deadLetterTopic=" + deadLetterTopic + ", groupId=" + groupId + ", transactionalIdPrefix=" + transactionalIdPrefix
                + ", generation=" + generation + ", kafkaClient=" + new java.util.TreeSet<>(kafkaClient.keySet()) + " (values hidden)"
                + ", deliveryGuarantee=" + deliveryGuarantee + "]";
    }

    public enum Routing { PREFIX, ROUND_ROBIN }

    /** The defaults, as constants so that command-line options can name them in their annotations; the inference steps' are {@link GenerationOptions}'s. */
    public static final String INPUT_TOPIC = "prompts";
    public static final String OUTPUT_TOPIC = "completions";
    public static final String DEAD_LETTER_TOPIC = "prompts.dlq";
    public static final String GROUP_ID = "flinfer";
    public static final String CHECKPOINT_INTERVAL = "10s";

    /** The job's options for {@code engine}, all defaults; {@code bootstrapServers} null asks a local run for an embedded broker. */
    public static Builder builder(String bootstrapServers, EngineConfig engine) {
        return new Builder(bootstrapServers, engine);
    }

    /** The same options against another Kafka (a local run learns its embedded broker's address late). */
    public PipelineOptions withBootstrapServers(String servers) {
        return new PipelineOptions(servers, inputTopic, outputTopic, deadLetterTopic, groupId, transactionalIdPrefix,
                generation, kafkaClient, deliveryGuarantee);
    }

    /** Options from the defaults, changed where asked. */
    public static final class Builder {
        private final String bootstrapServers;
        private EngineConfig engine;
        private String inputTopic = INPUT_TOPIC;
        private String outputTopic = OUTPUT_TOPIC;
        private String deadLetterTopic = DEAD_LETTER_TOPIC;
        private String groupId = GROUP_ID;
        private int maxInFlight = GenerationOptions.MAX_IN_FLIGHT;
        private Duration requestTimeout = Durations.parse(GenerationOptions.REQUEST_TIMEOUT);
        private int prefixKeyBlocks = GenerationOptions.PREFIX_KEY_BLOCKS;
        private Routing routing = Routing.PREFIX;
        private double routingBalance = GenerationOptions.ROUTING_BALANCE;
        private ServedModel servedModel;
        private List<ModelRoute> moreModels = List.of();
        private List<String> removedModels = List.of();
        private Map<String, String> kafkaClient = Map.of();
        private DeliveryGuarantee deliveryGuarantee = DeliveryGuarantee.EXACTLY_ONCE;

        private Builder(String bootstrapServers, EngineConfig engine) {
            this.bootstrapServers = bootstrapServers;
            this.engine = engine;
        }

        /** All the inference steps' options at once, as the command line parsed them. */
        public Builder generation(GenerationOptions g) {
            engine = g.engine();
            maxInFlight = g.maxInFlight();
            requestTimeout = g.requestTimeout();
            prefixKeyBlocks = g.prefixKeyBlocks();
            routing = g.routing();
            routingBalance = g.routingBalance();
            servedModel = g.servedModel();
            moreModels = g.moreModels();
            removedModels = g.removedModels();
            return this;
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

        /** Further models, each with operators of its own, reached by the names requests give. */
        public Builder moreModels(List<ModelRoute> models) {
            moreModels = models;
            return this;
        }

        /** Models an earlier run served and this one does not: their restored in-flight requests are answered with an error. */
        public Builder removedModels(List<String> names) {
            removedModels = names;
            return this;
        }

        /** Client settings beyond the address, e.g. security.protocol, sasl.jaas.config, ssl.truststore.location. */
        public Builder kafkaClient(Map<String, String> settings) {
            kafkaClient = settings;
            return this;
        }

        /** {@code AT_LEAST_ONCE} trades duplicates after a failure for results visible before the next checkpoint. */
        public Builder deliveryGuarantee(DeliveryGuarantee guarantee) {
            deliveryGuarantee = guarantee;
            return this;
        }

        public PipelineOptions build() {
            return new PipelineOptions(bootstrapServers, inputTopic, outputTopic, deadLetterTopic, groupId,
                    "flinfer-" + groupId, new GenerationOptions(engine, maxInFlight, requestTimeout, prefixKeyBlocks, routing,
                    routingBalance, servedModel != null ? servedModel
                            : ServedModel.ofModelArgument(engine.model()).withAdapters(engine.lora().modules().keySet()),
                    moreModels, removedModels), kafkaClient, deliveryGuarantee);
        }
    }
}

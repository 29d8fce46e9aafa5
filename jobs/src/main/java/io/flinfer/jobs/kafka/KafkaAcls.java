package io.flinfer.jobs.kafka;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The ACLs a command's Kafka clients need, as {@code kafka-acls.sh} commands: what a denial is answered
 * with, and what docs/operations.md lists.
 */
public final class KafkaAcls implements Serializable {
    private static final long serialVersionUID = 1L;

    /** One ACL: operations allowed on one resource, e.g. Read and Describe on topic prompts. */
    public record Acl(Resource resource, String name, boolean prefixed, List<String> operations) implements Serializable {
        /** The {@code kafka-acls.sh} arguments that name the resource. */
        String resourceArguments() {
            return switch (resource) {
                case CLUSTER -> "--cluster";
                case TOPIC -> "--topic " + name;
                case GROUP -> "--group " + name;
                case TRANSACTIONAL_ID -> "--transactional-id " + name;
            } + (prefixed ? " --resource-pattern-type prefixed" : "");
        }
    }

    /** Kafka's resource types, as kafka-acls.sh names them. */
    public enum Resource { CLUSTER, TOPIC, GROUP, TRANSACTIONAL_ID }

    private final List<Acl> acls = new ArrayList<>();

    /** Reads a topic (Read, Describe). */
    public KafkaAcls read(String topic) {
        return add(Resource.TOPIC, topic, false, "Read", "Describe");
    }

    /** Writes to a topic (Write, Describe). */
    public KafkaAcls write(String topic) {
        return add(Resource.TOPIC, topic, false, "Write", "Describe");
    }

    /** Creates a topic that is missing. */
    public KafkaAcls create(String topic) {
        return add(Resource.TOPIC, topic, false, "Create");
    }

    /** Consumes in a group and commits its offsets (Read, which implies Describe). */
    public KafkaAcls group(String id) {
        return add(Resource.GROUP, id, false, "Read");
    }

    /** Runs transactions under ids that start with {@code prefix} (Write, Describe). */
    public KafkaAcls transactionalIds(String prefix) {
        return add(Resource.TRANSACTIONAL_ID, prefix, true, "Write", "Describe");
    }

    private KafkaAcls add(Resource resource, String name, boolean prefixed, String... operations) {
        acls.add(new Acl(resource, name, prefixed, List.of(operations)));
        return this;
    }

    public List<Acl> all() {
        return List.copyOf(acls);
    }

    /**
     * The {@code kafka-acls.sh} commands that grant the ACLs on the resources {@code which} accepts (on one
     * topic: one command with all its operations), joined by newlines.
     *
     * @param principal e.g. {@code User:alice}
     */
    public String commands(String bootstrapServers, String principal, Predicate<Acl> which) {
        return acls.stream().filter(which)
                .collect(Collectors.groupingBy(Acl::resourceArguments, java.util.LinkedHashMap::new,
                        Collectors.flatMapping(a -> a.operations().stream(), Collectors.toCollection(java.util.LinkedHashSet::new))))
                .entrySet().stream()
                .map(e -> "kafka-acls.sh --bootstrap-server " + bootstrapServers + " --add --allow-principal " + principal
                        + e.getValue().stream().map(op -> " --operation " + op).collect(Collectors.joining())
                        + " " + e.getKey())
                .collect(Collectors.joining("\n"));
    }
}

package io.flinfer.kafka;

import io.flinfer.jobs.kafka.KafkaAcls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;

/**
 * A real broker secured as companies run Kafka: a SASL/PLAIN listener (brokers talk to each other on it
 * too, as the super user {@code admin}) and KRaft's {@code StandardAuthorizer}, so that every other
 * principal may do only what an ACL allows. Users and passwords are fixed when it starts.
 */
public final class SecuredKafka implements AutoCloseable {
    public static final String ADMIN = "admin";
    private static final String ADMIN_PASSWORD = "admin-secret";
    private static final Duration ACLS_VISIBLE = Duration.ofSeconds(30);

    private final EmbeddedKafka broker;

    private SecuredKafka(EmbeddedKafka broker) {
        this.broker = broker;
    }

    /** @param users passwords by user name, besides {@link #ADMIN}'s */
    public static SecuredKafka start(Map<String, String> users) {
        String accounts = users.entrySet().stream().map(u -> " user_" + u.getKey() + "=\"" + u.getValue() + "\"")
                .collect(Collectors.joining());
        Map<String, String> settings = Map.of(
                "sasl.enabled.mechanisms", "PLAIN",
                "sasl.mechanism.inter.broker.protocol", "PLAIN",
                "listener.name.sasl_plaintext.plain.sasl.jaas.config", jaas(ADMIN, ADMIN_PASSWORD).replace(";",
                        " user_" + ADMIN + "=\"" + ADMIN_PASSWORD + "\"" + accounts + ";"),
                "authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                // ANONYMOUS: the broker's own requests to the controller, on the controller's plaintext listener.
                "super.users", "User:" + ADMIN + ";User:ANONYMOUS");
        return new SecuredKafka(EmbeddedKafka.start("SASL_PLAINTEXT", settings, client(ADMIN, ADMIN_PASSWORD)));
    }

    public String bootstrapServers() {
        return broker.bootstrapServers();
    }

    public EmbeddedKafka broker() {
        return broker;
    }

    /** The super user's client settings: for a test's own producers, readers and topics. */
    public Map<String, String> adminClient() {
        return client(ADMIN, ADMIN_PASSWORD);
    }

    /** What a user puts in --kafka-properties to log in as {@code user}. */
    public static Map<String, String> client(String user, String password) {
        return Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN", "sasl.jaas.config", jaas(user, password));
    }

    /** Writes {@link #client}'s settings to {@code file}, as a user writes client.properties; returns the file. */
    public static Path writeClientProperties(Path file, String user, String password) {
        return writeProperties(file, client(user, password));
    }

    /** Writes {@code settings} as a Java properties file; returns the file. */
    public static Path writeProperties(Path file, Map<String, String> settings) {
        Properties properties = new Properties();
        properties.putAll(settings);
        try (Writer out = Files.newBufferedWriter(file)) {
            properties.store(out, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /** Grants {@code principal} exactly {@code acls}, and waits until the broker enforces them. */
    public void grant(String principal, KafkaAcls acls) {
        List<AclBinding> bindings = new ArrayList<>();
        for (KafkaAcls.Acl acl : acls.all()) {
            ResourcePattern resource = new ResourcePattern(ResourceType.valueOf(acl.resource().name()),
                    acl.resource() == KafkaAcls.Resource.CLUSTER ? "kafka-cluster" : acl.name(),
                    acl.prefixed() ? PatternType.PREFIXED : PatternType.LITERAL);
            for (String operation : acl.operations()) {
                bindings.add(new AclBinding(resource, new AccessControlEntry(principal, "*",
                        AclOperation.fromString(operation.toUpperCase(Locale.ROOT)), AclPermissionType.ALLOW)));
            }
        }
        try (Admin admin = admin()) {
            admin.createAcls(bindings).all().get(ACLS_VISIBLE.toMillis(), TimeUnit.MILLISECONDS);
            AclBindingFilter mine = new AclBindingFilter(ResourcePatternFilter.ANY,
                    new AccessControlEntryFilter(principal, null, AclOperation.ANY, AclPermissionType.ANY));
            long deadline = System.nanoTime() + ACLS_VISIBLE.toNanos();
            Collection<AclBinding> visible = admin.describeAcls(mine).values().get();
            while (!visible.containsAll(bindings)) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("the broker shows " + visible + ", not all of " + bindings);
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
                visible = admin.describeAcls(mine).values().get();
            }
        } catch (Exception e) {
            throw new IllegalStateException("could not grant " + principal + " " + bindings + ": " + e, e);
        }
    }

    private Admin admin() {
        Map<String, Object> config = new java.util.HashMap<>(adminClient());
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return Admin.create(config);
    }

    private static String jaas(String user, String password) {
        return "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + user
                + "\" password=\"" + password + "\";";
    }

    @Override
    public void close() {
        broker.close();
    }
}

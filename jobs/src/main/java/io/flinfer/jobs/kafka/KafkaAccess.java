package io.flinfer.jobs.kafka;

import java.io.Serializable;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;

/**
 * How one command (or job) reaches Kafka: where, as whom, and with which ACLs. It tells the failures no
 * retry can fix (authentication, TLS handshake, authorization) from those a retry can (a broker that is
 * down), and words the first kind as what to fix. Knows the principal's name, never its secrets.
 */
public final class KafkaAccess implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final String UNKNOWN_PRINCIPAL = "User:NAME";

    private final String bootstrapServers;
    /** Null when the settings do not tell (mTLS, Kerberos, OAuth). */
    private final String principal;
    private final String mechanism;
    private final KafkaAcls acls;

    private KafkaAccess(String bootstrapServers, String principal, String mechanism, KafkaAcls acls) {
        this.bootstrapServers = bootstrapServers;
        this.principal = principal;
        this.mechanism = mechanism;
        this.acls = acls;
    }

    /** @param client the --kafka-properties settings; only the principal's name and the SASL mechanism are kept */
    public static KafkaAccess of(String bootstrapServers, Map<String, String> client, KafkaAcls acls) {
        return new KafkaAccess(bootstrapServers, KafkaPrincipal.of(client).orElse(null), client.get("sasl.mechanism"), acls);
    }

    /** Throws the denial in {@code failure}'s cause chain, worded, if there is one; returns otherwise. */
    public void throwIfDenied(Throwable failure) {
        Optional<KafkaAccessDenied> denied = denial(failure);
        if (denied.isPresent()) {
            throw denied.get();
        }
    }

    /** The denial in {@code failure}'s cause chain, worded as what to fix; empty when a retry may help. */
    public Optional<KafkaAccessDenied> denial(Throwable failure) {
        Optional<KafkaAccessDenied> worded = KafkaAccessDenied.in(failure);
        if (worded.isPresent()) {
            return worded;
        }
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof AuthenticationException e) {
                return Optional.of(new KafkaAccessDenied(authentication(e), e));
            }
            if (t instanceof AuthorizationException e) {
                return Optional.of(new KafkaAccessDenied(authorization(e), e));
            }
        }
        return Optional.empty();
    }

    private String authentication(AuthenticationException e) {
        if (e instanceof SslAuthenticationException) {
            return "the TLS handshake with Kafka at " + bootstrapServers + " failed (" + describe(e) + "); retrying cannot"
                    + " fix this. Check in --kafka-properties: ssl.truststore.location and ssl.truststore.password (the"
                    + " trust store must hold the CA of the broker's certificate), ssl.keystore.* if the broker asks for a"
                    + " client certificate, and security.protocol.";
        }
        String who = principal != null ? principal : "this client";
        String fix = e instanceof SaslAuthenticationException
                ? "the user name and password in sasl.jaas.config" + (mechanism != null ? " (sasl.mechanism " + mechanism + ")" : "")
                : "security.protocol, sasl.mechanism and sasl.jaas.config";
        return "Kafka at " + bootstrapServers + " refused to authenticate " + who + " (" + describe(e)
                + "); retrying cannot fix this. Check " + fix + " in --kafka-properties.";
    }

    private String authorization(AuthorizationException e) {
        String who = principal != null ? principal : "the client's principal";
        String resource;
        KafkaAcls.Resource type;
        Set<String> names = Set.of();
        if (e instanceof TopicAuthorizationException t) {
            names = t.unauthorizedTopics();
            resource = "topic" + (names.size() == 1 ? " " + names.iterator().next() : "s " + names);
            type = KafkaAcls.Resource.TOPIC;
        } else if (e instanceof GroupAuthorizationException g) {
            resource = "consumer group" + (g.groupId() != null ? " " + g.groupId() : "");
            type = KafkaAcls.Resource.GROUP;
        } else if (e instanceof TransactionalIdAuthorizationException) {
            resource = "its transactional ids";
            type = KafkaAcls.Resource.TRANSACTIONAL_ID;
        } else if (e instanceof ClusterAuthorizationException) {
            resource = "the cluster";
            type = KafkaAcls.Resource.CLUSTER;
        } else {
            resource = "a resource";
            type = null;
        }
        Set<String> denied = names;
        String grant = acls.commands(bootstrapServers, principal != null ? principal : UNKNOWN_PRINCIPAL,
                a -> type == null || a.resource() == type && (denied.isEmpty() || denied.contains(a.name())));
        return "Kafka at " + bootstrapServers + " denied " + who + " access to " + resource + " (" + describe(e)
                + "); retrying cannot fix this. "
                + (grant.isEmpty() ? "Grant the missing ACL (docs/operations.md lists them)."
                        : "Grant it with: " + grant.replace("\n", " ; "));
    }

    /** The exception's class and message, and its cause's (an SSL handshake says what was wrong there). */
    private static String describe(Throwable e) {
        String text = e.getClass().getSimpleName() + ": " + e.getMessage();
        Throwable cause = e.getCause();
        return cause != null && cause.getMessage() != null && !cause.getMessage().equals(e.getMessage())
                ? text + ": " + cause.getMessage() : text;
    }
}

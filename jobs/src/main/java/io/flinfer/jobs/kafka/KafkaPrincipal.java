package io.flinfer.jobs.kafka;

import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The principal a broker sees for our client settings, as far as the client can tell: the user name of
 * SASL/PLAIN and SCRAM logins ({@code User:alice}, Kafka's default principal builder). Read from
 * sasl.jaas.config without keeping anything else of it (the password is beside the name there).
 */
final class KafkaPrincipal {
    private static final Pattern USERNAME = Pattern.compile("\\busername\\s*=\\s*\"([^\"]*)\"");

    private KafkaPrincipal() {}

    static Optional<String> of(Map<String, String> client) {
        String mechanism = client.getOrDefault("sasl.mechanism", "GSSAPI");
        String jaas = client.get("sasl.jaas.config");
        if (jaas == null || !(mechanism.equals("PLAIN") || mechanism.startsWith("SCRAM-"))) {
            return Optional.empty();
        }
        Matcher m = USERNAME.matcher(jaas);
        return m.find() ? Optional.of("User:" + m.group(1)) : Optional.empty();
    }
}

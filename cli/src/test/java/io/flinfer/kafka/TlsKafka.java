package io.flinfer.kafka;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A broker whose only listener is TLS, with a self-signed certificate for localhost that the JDK's
 * {@code keytool} makes when it starts: the key store the broker serves, and the trust store a client
 * needs to trust it.
 */
public final class TlsKafka implements AutoCloseable {
    private static final String PASSWORD = "store-secret";

    private final EmbeddedKafka broker;
    private final Path trustStore;

    private TlsKafka(EmbeddedKafka broker, Path trustStore) {
        this.broker = broker;
        this.trustStore = trustStore;
    }

    /** @param dir where the key store and the trust store are written */
    public static TlsKafka start(Path dir) throws IOException, InterruptedException {
        Path keyStore = dir.resolve("broker.p12");
        Path certificate = dir.resolve("broker.crt");
        Path trustStore = dir.resolve("truststore.p12");
        keytool("-genkeypair", "-alias", "broker", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1",
                "-keystore", keyStore.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD);
        keytool("-exportcert", "-alias", "broker", "-keystore", keyStore.toString(), "-storepass", PASSWORD,
                "-rfc", "-file", certificate.toString());
        keytool("-importcert", "-noprompt", "-alias", "broker", "-file", certificate.toString(),
                "-keystore", trustStore.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD);
        Map<String, String> broker = Map.of(
                "ssl.keystore.location", keyStore.toString(), "ssl.keystore.password", PASSWORD,
                "ssl.keystore.type", "PKCS12", "ssl.key.password", PASSWORD,
                // The broker is a client of itself (inter-broker listener): it trusts its own certificate.
                "ssl.truststore.location", trustStore.toString(), "ssl.truststore.password", PASSWORD,
                "ssl.truststore.type", "PKCS12");
        return new TlsKafka(EmbeddedKafka.start("SSL", broker, clientTrusting(trustStore)), trustStore);
    }

    public String bootstrapServers() {
        return broker.bootstrapServers();
    }

    public EmbeddedKafka broker() {
        return broker;
    }

    /** What a user puts in --kafka-properties to talk TLS to this broker. */
    public Map<String, String> client() {
        return clientTrusting(trustStore);
    }

    private static Map<String, String> clientTrusting(Path trustStore) {
        return Map.of("security.protocol", "SSL", "ssl.truststore.location", trustStore.toString(),
                "ssl.truststore.password", PASSWORD, "ssl.truststore.type", "PKCS12");
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        command.addAll(List.of(args));
        Process keytool = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(keytool.getInputStream().readAllBytes());
        if (!keytool.waitFor(1, TimeUnit.MINUTES) || keytool.exitValue() != 0) {
            throw new IOException("keytool " + String.join(" ", args) + " failed: " + output);
        }
    }

    @Override
    public void close() {
        broker.close();
    }
}

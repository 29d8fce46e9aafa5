package io.flinfer.deployments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.kubernetes.operator.api.FlinkDeployment;
import org.junit.jupiter.api.Test;

/** The validator itself: a misspelled field must fail, wherever in the manifest it is. */
class StrictYamlTest {
    private static final Path MANIFEST = Path.of("flinfer-streaming.yaml");

    @Test
    void readsTheManifestAsItIs() throws Exception {
        assertThat(StrictYaml.read(MANIFEST, FlinkDeployment.class).getSpec().getJob()).isNotNull();
    }

    @Test
    void refusesAMisspelledSpecField() throws Exception {
        String yaml = Files.readString(MANIFEST).replace("    upgradeMode: savepoint", "    upgradMode: savepoint");
        assertThatThrownBy(() -> StrictYaml.read(yaml, FlinkDeployment.class))
                .isInstanceOf(UnrecognizedPropertyException.class).hasMessageContaining("upgradMode");
    }

    @Test
    void refusesAMisspelledFieldInsideAPodTemplate() throws Exception {
        String yaml = Files.readString(MANIFEST).replace("        tolerations:", "        toleration:");
        assertThatThrownBy(() -> StrictYaml.read(yaml, FlinkDeployment.class))
                .isInstanceOf(UnrecognizedPropertyException.class).hasMessageContaining("toleration");
    }
}

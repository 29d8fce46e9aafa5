package io.flinfer.operators.generate;

import io.flinfer.engine.ComputeDevice;
import io.flinfer.engine.EngineConfig;
import java.util.Set;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.apache.flink.api.common.functions.RuntimeContext;

/**
 * Picks the device from Flink's external resource {@code gpu} when the cluster configures one (its
 * GPU discovery gives each TaskManager the indices it owns), else keeps the configured device.
 */
final class GpuAssignment {
    private GpuAssignment() {}

    static EngineConfig apply(EngineConfig config, RuntimeContext context) {
        Set<ExternalResourceInfo> gpus = context.getExternalResourceInfos("gpu");
        if (gpus.isEmpty()) {
            return config;
        }
        // Subtasks of one TaskManager share its first GPU and thus one engine.
        String index = gpus.iterator().next().getProperty("index")
                .orElseThrow(() -> new IllegalStateException("Flink's gpu resource gave no 'index' property"));
        return config.withDevice(ComputeDevice.cuda(Integer.parseInt(index)));
    }
}

package io.flinfer.deployments;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;

/**
 * The GPU a TaskManager runs on, one per TaskManager. The node label is the one NVIDIA's GPU feature
 * discovery (part of the GPU operator) puts on each node; {@code --node-selector} overrides it for pools
 * labelled otherwise. Host memory and cores per TaskManager follow the instance types these GPUs come in.
 */
public enum GpuType {
    NONE(null, 4, "8g"),
    L4("NVIDIA-L4", 4, "16g"),
    A10G("NVIDIA-A10G", 4, "16g"),
    A100("NVIDIA-A100-SXM4-80GB", 8, "64g"),
    H100("NVIDIA-H100-80GB-HBM3", 8, "64g");

    /** The extended resource of NVIDIA's device plugin. */
    public static final String RESOURCE = "nvidia.com/gpu";
    static final String PRODUCT_LABEL = "nvidia.com/gpu.product";

    private final String product;
    private final double taskManagerCpu;
    private final String taskManagerMemory;

    GpuType(String product, double taskManagerCpu, String taskManagerMemory) {
        this.product = product;
        this.taskManagerCpu = taskManagerCpu;
        this.taskManagerMemory = taskManagerMemory;
    }

    public boolean isGpu() {
        return product != null;
    }

    /** The engine's device: the one GPU Kubernetes gave the container is always cuda:0 inside it. */
    public String device() {
        return isGpu() ? "cuda:0" : "cpu";
    }

    Map<String, String> nodeSelector() {
        return isGpu() ? Map.of(PRODUCT_LABEL, product) : Map.of();
    }

    double taskManagerCpu() {
        return taskManagerCpu;
    }

    String taskManagerMemory() {
        return taskManagerMemory;
    }

    /** For --gpu-type: the names as written in the help, in any case. */
    public static final class Converter implements CommandLine.ITypeConverter<GpuType> {
        @Override
        public GpuType convert(String value) {
            try {
                return valueOf(value.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not one of " + Arrays.toString(values()));
            }
        }
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}

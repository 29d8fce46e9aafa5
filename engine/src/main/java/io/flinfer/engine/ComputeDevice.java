package io.flinfer.engine;

import ai.djl.Device;
import java.io.Serializable;

/**
 * Where the engine computes ({@code --device}): the CPU, or the GPU with CUDA index {@code gpuIndex}.
 *
 * @param gpuIndex the CUDA device index, or -1 for the CPU
 */
public record ComputeDevice(int gpuIndex) implements Serializable {
    public static final ComputeDevice CPU = new ComputeDevice(-1);

    public ComputeDevice {
        if (gpuIndex < -1) {
            throw new IllegalArgumentException("a CUDA device index is 0 or more, got " + gpuIndex);
        }
    }

    public static ComputeDevice cuda(int index) {
        if (index < 0) {
            throw new IllegalArgumentException("a CUDA device index is 0 or more, got " + index);
        }
        return new ComputeDevice(index);
    }

    /** The device a {@code --device} name means: cpu, cuda (the first GPU) or cuda:N. */
    public static ComputeDevice parse(String name) {
        if (name.equals("cpu")) {
            return CPU;
        }
        if (name.matches("cuda(:\\d{1,4})?")) {
            return cuda(name.contains(":") ? Integer.parseInt(name.substring(5)) : 0);
        }
        throw new IllegalArgumentException("unknown device '" + name + "'; use cpu or cuda:N");
    }

    public boolean isGpu() {
        return gpuIndex >= 0;
    }

    /** DJL's device. */
    public Device djl() {
        return isGpu() ? Device.gpu(gpuIndex) : Device.cpu();
    }

    /** The name {@link #parse} reads: cpu or cuda:N. */
    @Override
    public String toString() {
        return isGpu() ? "cuda:" + gpuIndex : "cpu";
    }
}

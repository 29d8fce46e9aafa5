package io.flinfer.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The typed --dtype and --device: the names they read, what they mean on a device, and the config that carries them. */
class DtypeAndDeviceTest {

    @Test
    void readsTheDtypeNamesAndTheirAliases() {
        assertThat(Dtype.parse("auto")).isEqualTo(Dtype.AUTO);
        assertThat(Dtype.parse("float32")).isEqualTo(Dtype.FLOAT32);
        assertThat(Dtype.parse("fp32")).isEqualTo(Dtype.FLOAT32);
        assertThat(Dtype.parse("FP16")).isEqualTo(Dtype.FLOAT16);
        assertThat(Dtype.parse("half")).isEqualTo(Dtype.FLOAT16);
        assertThat(Dtype.FLOAT16).hasToString("float16");
        assertThat(Dtype.parse("bf16")).isEqualTo(Dtype.BFLOAT16);
        assertThat(Dtype.BFLOAT16).hasToString("bfloat16");
        assertThatThrownBy(() -> Dtype.parse("int8")).hasMessage("unknown dtype 'int8'; use auto, float32, bfloat16 or float16");
    }

    @Test
    void autoKeepsTheCheckpointsDtypeWhereTheDeviceComputesItWell() {
        // A CPU: bfloat16 only with BF16 instructions, float16 never (widened to float32).
        assertThat(Dtype.AUTO.resolve(ComputeDevice.CPU, DataType.BFLOAT16, true)).isEqualTo(DataType.BFLOAT16);
        assertThat(Dtype.AUTO.resolve(ComputeDevice.CPU, DataType.BFLOAT16, false)).isEqualTo(DataType.FLOAT32);
        assertThat(Dtype.AUTO.resolve(ComputeDevice.CPU, DataType.FLOAT16, true)).isEqualTo(DataType.FLOAT32);
        assertThat(Dtype.AUTO.resolve(ComputeDevice.CPU, DataType.FLOAT32, true)).isEqualTo(DataType.FLOAT32);
        // A GPU: bfloat16 kept, everything else float16.
        assertThat(Dtype.AUTO.resolve(ComputeDevice.cuda(1), DataType.BFLOAT16, false)).isEqualTo(DataType.BFLOAT16);
        assertThat(Dtype.AUTO.resolve(ComputeDevice.cuda(1), DataType.FLOAT32, false)).isEqualTo(DataType.FLOAT16);
        // Asked for: what was asked.
        assertThat(Dtype.FLOAT32.resolve(ComputeDevice.cuda(0), DataType.BFLOAT16, true)).isEqualTo(DataType.FLOAT32);
        assertThat(Dtype.BFLOAT16.resolve(ComputeDevice.CPU, DataType.FLOAT32, false)).isEqualTo(DataType.BFLOAT16);
    }

    @Test
    void theKvCacheFollowsTheComputeDtypeUnlessAskedAndSlowChoicesAreNamed() {
        EngineConfig auto = EngineConfig.defaults(Path.of("/m"));
        Precision bf16 = Precision.resolve(auto, DataType.BFLOAT16, true);
        assertThat(bf16.compute()).isEqualTo(DataType.BFLOAT16);
        assertThat(bf16.kvCache()).isEqualTo(DataType.BFLOAT16);
        assertThat(bf16.note()).isNull();
        Precision mixed = Precision.resolve(auto.withPrecision(Dtype.AUTO, Dtype.FLOAT32, Quantization.INT8),
                DataType.BFLOAT16, true);
        assertThat(mixed.kvCache()).isEqualTo(DataType.FLOAT32);
        assertThat(mixed.quantization()).isEqualTo(Quantization.INT8);
        assertThat(Precision.resolve(auto, DataType.BFLOAT16, false).note())
                .isEqualTo("the checkpoint is bfloat16; this CPU computes float32 (it lacks avx512_bf16 and AMX), "
                        + "so the weights are widened to it");
        assertThat(Precision.resolve(auto.withPrecision(Dtype.BFLOAT16, Dtype.AUTO, Quantization.NONE),
                DataType.FLOAT32, false).note()).startsWith("dtype bfloat16 on a CPU without BF16 instructions");
    }

    @Test
    void unknownQuantizationListsTheKnownOnes() {
        assertThat(Quantization.parse("INT8")).isEqualTo(Quantization.INT8);
        assertThatThrownBy(() -> Quantization.parse("awq")).hasMessage("unknown quantization 'awq'; known: none, int8");
    }

    @Test
    void readsCpuAndCudaDevices() {
        assertThat(ComputeDevice.parse("cpu")).isEqualTo(ComputeDevice.CPU);
        assertThat(ComputeDevice.parse("cuda")).isEqualTo(ComputeDevice.cuda(0));
        assertThat(ComputeDevice.parse("cuda:3")).isEqualTo(ComputeDevice.cuda(3)).hasToString("cuda:3");
        assertThat(ComputeDevice.CPU).hasToString("cpu");
        assertThat(ComputeDevice.cuda(2).djl()).isEqualTo(Device.gpu(2));
        assertThat(ComputeDevice.CPU.djl()).isEqualTo(Device.cpu());
        assertThatThrownBy(() -> ComputeDevice.parse("gpu0")).hasMessage("unknown device 'gpu0'; use cpu or cuda:N");
        assertThatThrownBy(() -> ComputeDevice.parse("cuda:")).hasMessageContaining("unknown device");
        assertThatThrownBy(() -> ComputeDevice.cuda(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theConfigCarriesThemThroughJavaSerialization() throws Exception {
        EngineConfig config = EngineConfig.defaults(Path.of("/models/m")).withDevice(ComputeDevice.cuda(1));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(config);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            EngineConfig back = (EngineConfig) in.readObject();
            assertThat(back).isEqualTo(config);
            assertThat(back.dtype()).isEqualTo(Dtype.AUTO);
            assertThat(back.kvCacheDtype()).isEqualTo(Dtype.AUTO);
            assertThat(back.quantization()).isEqualTo(Quantization.NONE);
        }
    }
}

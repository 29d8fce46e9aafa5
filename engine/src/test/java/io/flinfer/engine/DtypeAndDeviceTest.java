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
        assertThatThrownBy(() -> Dtype.parse("bf16")).hasMessageContaining("bfloat16 is not supported by DJL's PyTorch engine");
        assertThatThrownBy(() -> Dtype.parse("int8")).hasMessage("unknown dtype 'int8'; use auto, float32 or float16");
    }

    @Test
    void autoIsFloat32OnTheCpuAndFloat16OnAGpu() {
        assertThat(Dtype.AUTO.on(ComputeDevice.CPU)).isEqualTo(DataType.FLOAT32);
        assertThat(Dtype.AUTO.on(ComputeDevice.cuda(1))).isEqualTo(DataType.FLOAT16);
        assertThat(Dtype.FLOAT32.on(ComputeDevice.cuda(0))).isEqualTo(DataType.FLOAT32);
        assertThat(Dtype.FLOAT16.on(ComputeDevice.CPU)).isEqualTo(DataType.FLOAT16);
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
            assertThat(back.dataType()).isEqualTo(DataType.FLOAT16);
        }
        assertThat(EngineConfig.defaults(Path.of("m")).dataType()).isEqualTo(DataType.FLOAT32);
    }
}

package io.flinfer.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.IValue;
import java.util.Arrays;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** The tensor the program gets holds each step's data, and Java reads the ids written at its back. */
class StepBufferTest {

    @Test
    void eachStepsDataReachesTheTensorAndTheIdsAtTheBackComeBack() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch"); StepBuffer buffer = new StepBuffer(manager)) {
            // The second step is longer than the first buffer: it grows.
            for (int n : new int[] {3, 40, 5}) {
                long[] data = LongStream.range(0, n).map(i -> 100L * n + i).toArray();
                IValue value = buffer.write(data, 2);
                try (NDManager step = manager.newSubManager()) {
                    NDArray tensor = value.toTensor((PtNDManager) step);
                    long length = tensor.getShape().get(0);
                    assertThat(length).isGreaterThanOrEqualTo(n + 2);
                    assertThat(Arrays.copyOf(tensor.toLongArray(), n)).containsExactly(data);
                    // What the program writes into its last elements (forward_argmax), Java reads.
                    tensor.set(new NDIndex((length - 2) + ":"), n);
                    assertThat(buffer.results(2)).containsExactly(n, n);
                }
            }
        }
    }
}

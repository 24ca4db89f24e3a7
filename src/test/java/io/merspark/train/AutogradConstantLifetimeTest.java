package io.merspark.train;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A constant that a block's forward pass combines with a tensor autograd tracks must live until the backward pass.
 * DJL's {@code NDArray.div(Number)} (and {@code add/sub/mul(Number)}) wraps the number in a tensor over a Java
 * direct buffer and closes it as soon as the op returns, while autograd keeps that tensor to compute the gradient;
 * a garbage collection in between frees the buffer and the backward pass reads whatever the memory then holds.
 * That made trainings differ from run to run (and, now and then, go NaN) depending on when the JVM collected.
 * Here a collection and fresh direct buffers full of another value are forced between forward and backward; the
 * attention block's gradients must equal those of an undisturbed pass.
 */
class AutogradConstantLifetimeTest {

    private static final int WIDTH = 8;
    private static final int HEADS = 2;

    @Test
    void attentionGradientsDoNotDependOnAGarbageCollectionBeforeBackward() throws Exception {
        float[] undisturbed = queryWeightGradient(false);
        float[] disturbed = queryWeightGradient(true);
        assertTrue(norm(undisturbed) > 1e-6, "the gradient is not trivially zero");
        assertArrayEquals(undisturbed, disturbed, 0f);
    }

    /** Gradient of sum(attention output²) by the query projection's weight, from a model seeded the same way. */
    private static float[] queryWeightGradient(boolean collectBeforeBackward) throws Exception {
        FusionDevices.engine().setRandomSeed(7);
        MaskedMultiHeadAttention block = new MaskedMultiHeadAttention(WIDTH, HEADS, 0f);
        try (Model model = Model.newInstance("attention-gradient", Device.cpu(), FusionDevices.ENGINE)) {
            model.setBlock(block);
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.l2Loss()))) {
                Shape tokens = new Shape(3, 5, WIDTH);
                trainer.initialize(tokens, tokens, new Shape(3, 5));
                NDManager manager = trainer.getManager();
                NDArray q = manager.randomNormal(tokens);
                NDArray kv = manager.randomNormal(tokens);
                NDArray mask = manager.ones(new Shape(3, 5));
                try (GradientCollector collector = trainer.newGradientCollector()) {
                    NDArray out = trainer.forward(new NDList(q, kv, mask)).singletonOrThrow();
                    NDArray loss = out.mul(out).sum();
                    List<ByteBuffer> held = collectBeforeBackward ? overwriteFreedDirectMemory() : List.of();
                    collector.backward(loss);
                    java.lang.ref.Reference.reachabilityFence(held); // the overwriting buffers stay taken until then
                }
                NDArray weight = model.getBlock().getChildren().get("01query").getParameters().get("weight").getArray();
                return weight.getGradient().toFloatArray();
            }
        }
    }

    /**
     * Lets the JVM free unreachable direct buffers, then takes small direct buffers (the size of a scalar's) and
     * fills them with another value, so memory freed under a tensor autograd still holds no longer reads the same.
     */
    private static List<ByteBuffer> overwriteFreedDirectMemory() throws InterruptedException {
        List<ByteBuffer> held = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
            System.gc();
            Thread.sleep(50);
            for (int i = 0; i < 2_000; i++) {
                ByteBuffer b = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder());
                b.putFloat(0, 1e6f);
                held.add(b);
            }
        }
        return held;
    }

    private static double norm(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        return Math.sqrt(s);
    }
}

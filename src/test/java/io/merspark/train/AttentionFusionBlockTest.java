package io.merspark.train;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AttentionFusionBlockTest {

    private final TrainSpec spec = SyntheticFusionData.quickSpec().build();

    @Test
    void maskedModalityHasNoInfluenceAndPresentOnesDo() {
        Engine.getEngine(FusionDevices.ENGINE).setRandomSeed(7);
        try (Model model = Model.newInstance("block-test", FusionDevices.ENGINE)) {
            AttentionFusionBlock block = new AttentionFusionBlock(spec);
            model.setBlock(block);
            NDManager manager = model.getNDManager();
            block.initialize(manager, ai.djl.ndarray.types.DataType.FLOAT32, AttentionFusionBlock.inputShapes(spec));
            try (NDManager m = manager.newSubManager()) {
                ParameterStore store = new ParameterStore(m, false);
                NDArray video = m.randomNormal(new Shape(4, 16));
                NDArray audio = m.randomNormal(new Shape(4, 8));
                NDArray text = m.randomNormal(new Shape(4, 12));
                NDArray audioMissing = m.create(new float[] {1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1}, new Shape(4, 3));
                NDArray allPresent = m.ones(new Shape(4, 3));

                NDArray a = block.forward(store, new NDList(video, audio, text, audioMissing), false).singletonOrThrow();
                NDArray b = block.forward(store, new NDList(video, audio.mul(100).add(3), text, audioMissing), false)
                        .singletonOrThrow();
                NDArray full = block.forward(store, new NDList(video, audio, text, allPresent), false).singletonOrThrow();

                assertEquals(new Shape(4, 6), a.getShape());
                assertArrayEquals(a.toFloatArray(), b.toFloatArray(), 0f, "a masked modality must not matter");
                float[] fa = full.toFloatArray();
                float[] aa = a.toFloatArray();
                boolean differs = false;
                for (int i = 0; i < fa.length; i++) {
                    assertTrue(Float.isFinite(fa[i]) && Float.isFinite(aa[i]));
                    differs |= fa[i] != aa[i];
                }
                assertTrue(differs, "unmasking a modality must change the output");
            }
        }
    }

    @Test
    void trainingModeAppliesDropout() {
        Engine.getEngine(FusionDevices.ENGINE).setRandomSeed(11);
        try (Model model = Model.newInstance("block-test", FusionDevices.ENGINE)) {
            AttentionFusionBlock block = new AttentionFusionBlock(spec);
            model.setBlock(block);
            block.initialize(model.getNDManager(), ai.djl.ndarray.types.DataType.FLOAT32,
                    AttentionFusionBlock.inputShapes(spec));
            try (NDManager m = model.getNDManager().newSubManager()) {
                ParameterStore store = new ParameterStore(m, false);
                NDList in = new NDList(m.randomNormal(new Shape(8, 16)), m.randomNormal(new Shape(8, 8)),
                        m.randomNormal(new Shape(8, 12)), m.ones(new Shape(8, 3)));
                float[] eval1 = block.forward(store, in, false).singletonOrThrow().toFloatArray();
                float[] eval2 = block.forward(store, in, false).singletonOrThrow().toFloatArray();
                float[] train = block.forward(store, in, true).singletonOrThrow().toFloatArray();
                assertArrayEquals(eval1, eval2, 0f);
                assertFalse(java.util.Arrays.equals(eval1, train));
            }
        }
    }
}

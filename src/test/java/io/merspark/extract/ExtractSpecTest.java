package io.merspark.extract;

import io.merspark.testing.SparkTestSession;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.EnumSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExtractSpecTest {

    private static final ExtractSpec DEFAULTS =
            ExtractSpec.defaults(SparkTestSession.projectDir().resolve("models"));

    @Test
    void defaultsMatchTheDesign() {
        assertEquals(EnumSet.allOf(Modality.class), DEFAULTS.modalities());
        assertEquals(8, DEFAULTS.framesPerClip());
        assertEquals(112, DEFAULTS.frameSize());
        assertEquals(32, DEFAULTS.batchSize(Modality.AUDIO));
        assertEquals(48, DEFAULTS.maxTokens(Modality.AUDIO));
        assertEquals(128, DEFAULTS.textMaxLength());
        assertEquals(64, DEFAULTS.rowsPerPartition());
        assertEquals("cpu", DEFAULTS.device());
    }

    @Test
    void travelsToExecutorsBySerialisation() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(DEFAULTS.withModalities(Set.of(Modality.TEXT)));
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            assertEquals(DEFAULTS.withModalities(Set.of(Modality.TEXT)), in.readObject());
        }
    }

    @Test
    void rejectsWrongValuesNamingTheSetting() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DEFAULTS.withRowsPerPartition(0))
                .getMessage().startsWith("rowsPerPartition"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DEFAULTS.withModalities(Set.of()))
                .getMessage().startsWith("extract.modalities"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Modality.of("smell"))
                .getMessage().contains("smell"));
    }

    @Test
    void capKeepsEvenlySpreadTokensInOrder() {
        float[][] tokens = new float[10][];
        for (int i = 0; i < 10; i++) {
            tokens[i] = new float[] {i};
        }
        float[][] kept = io.merspark.features.TokenThinning.evenly(tokens, 4);
        assertArrayEquals(new float[][] {{1}, {3}, {6}, {8}}, kept);
        assertEquals(10, io.merspark.features.TokenThinning.evenly(tokens, 32).length);
    }

    @Test
    void pooledIsTheMeanAndNonFiniteValuesAreDetected() {
        Embedding e = Embedding.meanOf(new float[][] {{1, 2}, {3, 6}});
        assertArrayEquals(new float[] {2, 4}, e.pooled());
        assertTrue(e.isFinite());
        assertFalse(Embedding.meanOf(new float[][] {{1, Float.NaN}}).isFinite());
        assertFalse(new Embedding(new float[] {0}, new float[][] {{Float.POSITIVE_INFINITY}}).isFinite());
    }
}

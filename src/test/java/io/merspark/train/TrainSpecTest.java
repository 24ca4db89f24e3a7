package io.merspark.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainSpecTest {

    private static TrainSpec.Builder valid() {
        return TrainSpec.builder(List.of("video", "audio", "text"), new int[] {256, 96, 384}, TrainSpec.MER_CLASSES);
    }

    @Test
    void defaultsFollowTheBaseline() {
        TrainSpec spec = valid().build();
        assertEquals(5, spec.folds());
        assertEquals(60, spec.maxEpochs());
        assertEquals(32, spec.batchSize());
        assertEquals(1e-3, spec.learningRate());
        assertEquals(1e-4, spec.weightDecay());
        assertEquals(128, spec.hidden());
        assertEquals(0.3, spec.dropout());
        assertEquals(10, spec.patience());
        assertEquals(6, spec.numClasses());
        assertEquals("auto", spec.device());
        assertEquals(TrainSpec.STOP_ON_WAF, spec.stopOn());
        assertEquals(1, spec.repeats());
        assertEquals(5, spec.members());
        assertEquals(0.0, spec.labelSmoothing());
        assertEquals(0.0, spec.inputNoise());
        assertEquals(15, valid().repeats(3).build().members());
    }

    @Test
    void equalsComparesArraysByContent() {
        assertEquals(valid().build(), valid().build());
        assertEquals(valid().build().hashCode(), valid().build().hashCode());
    }

    @ParameterizedTest
    @CsvSource({
            "folds, folds=1",
            "maxEpochs, maxEpochs=0",
            "batchSize, batchSize=0",
            "learningRate, learningRate=0",
            "weightDecay, weightDecay=-1",
            "hidden, hidden=0",
            "dropout, dropout=1",
            "patience, patience=0",
            "device, device=tpu",
            "stopOn, stopOn=accuracy",
            "repeats, repeats=-1",
            "labelSmoothing, labelSmoothing=1",
            "inputNoise, inputNoise=-1",
            "classes, numClasses=5",
    })
    void namesTheBadField(String field, String change) {
        UnaryOperator<TrainSpec.Builder> edit = switch (change) {
            case "folds=1" -> b -> b.folds(1);
            case "maxEpochs=0" -> b -> b.maxEpochs(0);
            case "stopOn=accuracy" -> b -> b.stopOn("accuracy");
            case "repeats=-1" -> b -> b.repeats(-1);
            case "labelSmoothing=1" -> b -> b.labelSmoothing(1);
            case "inputNoise=-1" -> b -> b.inputNoise(-1);
            case "batchSize=0" -> b -> b.batchSize(0);
            case "learningRate=0" -> b -> b.learningRate(0);
            case "weightDecay=-1" -> b -> b.weightDecay(-1);
            case "hidden=0" -> b -> b.hidden(0);
            case "dropout=1" -> b -> b.dropout(1);
            case "patience=0" -> b -> b.patience(0);
            case "device=tpu" -> b -> b.device("tpu");
            case "numClasses=5" -> b -> b.numClasses(5);
            default -> throw new IllegalStateException(change);
        };
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> edit.apply(valid()).build());
        assertTrue(e.getMessage().startsWith("TrainSpec." + field + " "), e.getMessage());
    }

    @Test
    void inputDimsMustMatchModalities() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainSpec.builder(List.of("video", "audio"), new int[] {256}, TrainSpec.MER_CLASSES).build());
        assertTrue(e.getMessage().startsWith("TrainSpec.inputDims"), e.getMessage());
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                () -> TrainSpec.builder(List.of("video"), new int[] {0}, TrainSpec.MER_CLASSES).build());
        assertTrue(zero.getMessage().contains("inputDims") && zero.getMessage().contains("video"), zero.getMessage());
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> TrainSpec.builder(List.of(), new int[] {}, TrainSpec.MER_CLASSES).build());
        assertTrue(none.getMessage().startsWith("TrainSpec.modalities"), none.getMessage());
    }
}

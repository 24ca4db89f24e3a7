package io.merspark.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FusionEnsembleTest {

    private static final SyntheticFusionData DATA = SyntheticFusionData.small(8);
    private static final List<float[][]> PROBE = SyntheticFusionData.features(DATA.samples(700, 0.3, 99));

    private static FusionEnsemble ensemble;

    @BeforeAll
    static void train() {
        TrainSpec spec = SyntheticFusionData.quickSpec().maxEpochs(15).seed(3).build();
        ensemble = new FusionTrainer().train(DATA.samples(150, 0.3, 1), spec);
    }

    @AfterAll
    static void close() {
        ensemble.close();
    }

    @Test
    void saveThenLoadPredictsTheSameLogits(@TempDir Path dir) throws Exception {
        Path target = dir.resolve("round=1/model");
        ensemble.save(target);

        assertTrue(Files.isRegularFile(target.resolve("member-0.params")));
        assertTrue(Files.isRegularFile(target.resolve("member-2.params")));
        JsonNode json = new ObjectMapper().readTree(target.resolve("ensemble.json").toFile());
        assertEquals(TrainSpec.MER_CLASSES.toString(), new ObjectMapper().convertValue(json.get("classes"), List.class).toString());
        assertEquals(3, json.get("members").size());
        assertEquals(16, json.get("members").get(0).get("scaler").get("mean").get(0).size());
        assertEquals(3, json.get("spec").get("seed").asLong());

        float[][] before = ensemble.predictLogits(PROBE);
        try (FusionEnsemble loaded = FusionEnsemble.load(target, "cpu")) {
            assertEquals(ensemble.spec(), loaded.spec());
            assertEquals(ensemble.foldMetrics(), loaded.foldMetrics());
            float[][] after = loaded.predictLogits(PROBE);
            for (int i = 0; i < before.length; i++) {
                assertArrayEquals(before[i], after[i], 1e-6f, "row " + i);
            }
        }
    }

    @Test
    void aMemberFileChangedAfterSavingIsRefused(@TempDir Path dir) throws Exception {
        Path target = dir.resolve("model");
        ensemble.save(target);
        String recorded = new ObjectMapper().readTree(target.resolve("ensemble.json").toFile())
                .get("members").get(1).get("sha256").asText();
        assertEquals(io.merspark.io.Sha256.of(target.resolve("member-1.params")), recorded);

        byte[] params = Files.readAllBytes(target.resolve("member-1.params"));
        params[params.length - 3] ^= 0x01; // one bit of one weight
        Files.write(target.resolve("member-1.params"), params);
        io.merspark.io.ModelIntegrityException e = assertThrows(io.merspark.io.ModelIntegrityException.class,
                () -> FusionEnsemble.load(target, "cpu"));
        assertTrue(e.getMessage().contains("member-1.params") && e.getMessage().contains(recorded), e.getMessage());
    }

    @Test
    void aManifestWithoutDigestsStillLoadsAndPredictsTheSame(@TempDir Path dir) throws Exception {
        Path target = dir.resolve("model");
        ensemble.save(target);
        ObjectMapper json = new ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode manifest =
                (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(target.resolve("ensemble.json").toFile());
        manifest.get("members").forEach(m -> ((com.fasterxml.jackson.databind.node.ObjectNode) m).remove("sha256"));
        // nor repeats, label smoothing and input noise
        ((com.fasterxml.jackson.databind.node.ObjectNode) manifest.get("spec")).remove(List.of("repeats", "labelSmoothing",
                "inputNoise"));
        json.writeValue(target.resolve("ensemble.json").toFile(), manifest); // as written before digests were recorded
        try (FusionEnsemble loaded = FusionEnsemble.load(target, "cpu")) {
            assertArrayEquals(ensemble.predictLogits(PROBE.subList(0, 5))[4], loaded.predictLogits(PROBE.subList(0, 5))[4]);
            assertEquals(1, loaded.spec().repeats());
            assertEquals(0.0, loaded.spec().labelSmoothing());
            assertEquals(0.0, loaded.spec().inputNoise());
            assertEquals(ensemble.spec(), loaded.spec());
        }
    }

    @Test
    void aManifestNamingAFileOutsideItsDirectoryIsRefused(@TempDir Path dir) throws Exception {
        Path target = dir.resolve("model");
        ensemble.save(target);
        Files.copy(target.resolve("member-0.params"), dir.resolve("elsewhere.params"));
        Path manifest = target.resolve("ensemble.json");
        Files.writeString(manifest, Files.readString(manifest).replace("\"member-0.params\"", "\"../elsewhere.params\""));
        io.merspark.io.ModelIntegrityException e = assertThrows(io.merspark.io.ModelIntegrityException.class,
                () -> FusionEnsemble.load(target, "cpu"));
        assertTrue(e.getMessage().contains("'../elsewhere.params'"), e.getMessage());
    }

    @Test
    void predictionsSpanSeveralChunksAndMatchRowByRow() {
        assertTrue(PROBE.size() > EnsembleMember.CHUNK);
        float[][] all = ensemble.predictLogits(PROBE);
        float[][] last = ensemble.predictLogits(PROBE.subList(PROBE.size() - 1, PROBE.size()));
        assertEquals(PROBE.size(), all.length);
        assertArrayEquals(all[PROBE.size() - 1], last[0], 1e-5f);
    }

    @Test
    void concurrentCallersGetTheSameAnswers() throws Exception {
        float[][] expected = ensemble.predictProba(PROBE.subList(0, 200));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<float[][]>> futures = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                futures.add(pool.submit(() -> ensemble.predictProba(PROBE.subList(0, 200))));
            }
            for (Future<float[][]> f : futures) {
                float[][] got = f.get();
                for (int r = 0; r < expected.length; r++) {
                    assertArrayEquals(expected[r], got[r], 1e-6f);
                }
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void loadingAMissingDirectoryFailsClearly(@TempDir Path dir) {
        Exception e = assertThrows(java.io.UncheckedIOException.class, () -> FusionEnsemble.load(dir, "cpu"));
        assertTrue(e.getMessage().contains("ensemble.json"), e.getMessage());
    }

    @Test
    void theTemperatureFittedOutOfFoldIsSavedAndAppliedToProbabilities(@TempDir Path dir) throws Exception {
        TemperatureScaling.Fit fit = ensemble.calibration().orElseThrow();
        assertEquals(fit.temperature(), ensemble.temperature(), 0);
        assertEquals(150, fit.rows()); // every gold row once, out of fold
        assertTrue(fit.nllAfter() <= fit.nllBefore(), fit.toString());
        Path target = dir.resolve("model");
        ensemble.save(target);
        JsonNode json = new ObjectMapper().readTree(target.resolve("ensemble.json").toFile());
        assertEquals(fit.temperature(), json.get("temperature").asDouble(), 0);
        try (FusionEnsemble loaded = FusionEnsemble.load(target, "cpu")) {
            assertEquals(fit.temperature(), loaded.temperature(), 0);
            float[][] logits = loaded.predictLogits(PROBE.subList(0, 3));
            float[][] probs = loaded.predictProba(PROBE.subList(0, 3));
            for (int r = 0; r < 3; r++) {
                assertArrayEquals(TemperatureScaling.apply(logits, fit.temperature())[r], probs[r], 1e-6f);
            }
        }
    }

    @Test
    void anEnsembleSavedBeforeCalibrationLoadsWithTemperatureOne(@TempDir Path dir) throws Exception {
        Path target = dir.resolve("model");
        ensemble.save(target);
        ObjectMapper json = new ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode manifest =
                (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(target.resolve("ensemble.json").toFile());
        manifest.remove("temperature");
        json.writeValue(target.resolve("ensemble.json").toFile(), manifest);
        try (FusionEnsemble loaded = FusionEnsemble.load(target, "cpu")) {
            assertEquals(1.0, loaded.temperature(), 0);
            assertArrayEquals(FusionEnsemble.softmax(loaded.predictLogits(PROBE.subList(0, 1)))[0],
                    loaded.predictProba(PROBE.subList(0, 1))[0], 0f);
        }
    }
}

package io.merspark.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A copy of a spilled cache's file, read with that cache's index, is the same rows; only the spiller deletes. */
class TokenCacheTest {

    /** Spills the rows (the spiller's file is deleted on close), copying the file less its last {@code cut} bytes. */
    private static TokenCache.Index spillAndCopy(List<FusionSample> rows, Path dir, Path copy, int cut) throws Exception {
        try (TokenCache cache = TokenCache.spill(SampleSource.of(rows), 3, dir.resolve("spilled.rows"))) {
            byte[] bytes = Files.readAllBytes(cache.file());
            Files.write(copy, Arrays.copyOf(bytes, bytes.length - cut));
            return cache.index();
        }
    }

    @Test
    void aCopyAttachedWithTheIndexReadsTheSameRowsAndIsLeftInPlace(@TempDir Path dir) throws Exception {
        List<FusionSample> rows = new SyntheticTokenData(3).samples(20, 0.3, 9);
        Path copy = dir.resolve("copy.rows");
        TokenCache.Index index = spillAndCopy(rows, dir, copy, 0);
        assertFalse(Files.exists(dir.resolve("spilled.rows")), "the spiller deletes its file");
        try (TokenCache attached = TokenCache.attach(copy, index)) {
            assertEquals(20, attached.size());
            int[] all = java.util.stream.IntStream.range(0, 20).toArray();
            List<FusionSample> back = attached.read(all);
            for (int i = 0; i < rows.size(); i++) {
                FusionSample a = rows.get(i);
                FusionSample b = back.get(i);
                assertEquals(a.sampleId(), b.sampleId());
                assertEquals(a.label(), attached.label(i));
                assertEquals(a.weight(), attached.weight(i));
                for (int m = 0; m < 3; m++) {
                    assertArrayEquals(a.features()[m], b.features()[m], a.sampleId() + " pooled " + m);
                    assertTrue(Arrays.deepEquals(a.tokens()[m], b.tokens()[m]), a.sampleId() + " tokens " + m);
                }
            }
        }
        assertTrue(Files.exists(copy), "an attached cache leaves the copy to its owner");
    }

    @Test
    void aCopyOfAnotherLengthIsRefused(@TempDir Path dir) throws Exception {
        List<FusionSample> rows = new SyntheticTokenData(3).samples(6, 0.0, 1);
        Path copy = dir.resolve("truncated.rows");
        TokenCache.Index index = spillAndCopy(rows, dir, copy, 4);
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> TokenCache.attach(copy, index));
        assertTrue(e.getCause().getMessage().contains("truncated.rows"), e.getCause().getMessage());
    }
}

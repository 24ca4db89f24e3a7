package io.merspark.train;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModalityDropoutTest {

    private static final List<FusionSample> ROWS = new SyntheticTokenData(2).samples(600, 0.3, 3);

    @Test
    void neverDropsEveryModalityEvenAtAHighRate() {
        ModalityDropout dropout = new ModalityDropout(0.95, 1);
        for (int round = 0; round < 5; round++) {
            for (FusionSample s : ROWS) {
                FusionSample out = dropout.apply(s, 3);
                int kept = 0;
                for (int m = 0; m < 3; m++) {
                    kept += out.has(m) ? 1 : 0;
                    assertTrue(!out.has(m) || s.has(m), "nothing appears that was not there");
                    assertEquals(out.tokens()[m] == null, out.features()[m] == null, "both views drop together");
                }
                assertTrue(kept >= 1, "sample " + s.sampleId() + " lost every modality");
            }
        }
    }

    @Test
    void dropsAboutTheConfiguredShareAndLeavesTheInputUntouched() {
        ModalityDropout dropout = new ModalityDropout(0.1, 7);
        long present = 0;
        long dropped = 0;
        for (FusionSample s : ROWS) {
            FusionSample out = dropout.apply(s, 3);
            for (int m = 0; m < 3; m++) {
                present += s.has(m) ? 1 : 0;
                dropped += s.has(m) && !out.has(m) ? 1 : 0;
            }
        }
        double rate = (double) dropped / present;
        assertTrue(rate > 0.07 && rate < 0.13, "drop rate " + rate);
        assertTrue(ROWS.stream().allMatch(s -> s.has(0) || s.has(1) || s.has(2)));
    }

    @Test
    void zeroRateIsTheIdentityAndBadRatesAreRejected() {
        ModalityDropout off = new ModalityDropout(0, 1);
        assertSame(ROWS.get(0), off.apply(ROWS.get(0), 3));
        assertThrows(IllegalArgumentException.class, () -> new ModalityDropout(1, 1));
        assertThrows(IllegalArgumentException.class, () -> new ModalityDropout(-0.1, 1));
    }

    @Test
    void sameSeedDropsTheSameModalities() {
        ModalityDropout a = new ModalityDropout(0.4, 11);
        ModalityDropout b = new ModalityDropout(0.4, 11);
        for (FusionSample s : ROWS) {
            FusionSample x = a.apply(s, 3);
            FusionSample y = b.apply(s, 3);
            for (int m = 0; m < 3; m++) {
                assertEquals(x.has(m), y.has(m));
            }
        }
    }
}

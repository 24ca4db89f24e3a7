package io.merspark.select;

import io.merspark.select.MemberDisagreement.Share;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemberDisagreementTest {

    @Test
    void aRiseWithinTheSamplingNoiseIsNotRising() {
        // a speaker-split seed's rounds 2 -> 3: 0.511 -> 0.564 of 264 pool clips is 1.2 standard errors
        assertFalse(MemberDisagreement.rising(new Share(0.5644, 264), new Share(0.5114, 264)));
        // the same rise over 2 640 clips is 3.9 standard errors
        assertTrue(MemberDisagreement.rising(new Share(0.5644, 2640), new Share(0.5114, 2640)));
    }

    @Test
    void fallingOrMissingSharesNeverEngageTheGuard() {
        assertFalse(MemberDisagreement.rising(new Share(0.30, 1000), new Share(0.60, 1000)));
        assertFalse(MemberDisagreement.rising(new Share(0.60, 1000), null));
        assertFalse(MemberDisagreement.rising(null, new Share(0.10, 1000)));
        // from 0 to 0.5 of 12 rows: pooled 0.25, standard error 0.177, z = 2.83
        assertTrue(MemberDisagreement.rising(new Share(0.5, 12), new Share(0.0, 12)));
        assertFalse(MemberDisagreement.rising(new Share(0.25, 12), new Share(0.0, 12)));
    }
}

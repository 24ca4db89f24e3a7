package io.merspark.cli;

import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Configuration and usage problems stop a job with exit code 2 before any Spark work. */
class MerCliTest {

    @Test
    void unknownConfigKeyExitsTwoNamingTheKey() {
        CliOutcome o = CliOutcome.run("train", "--round", "1", "train.foldz=3");
        assertEquals(2, o.code());
        assertTrue(o.err().contains("unknown config key: mer.train.foldz"), o.err());
    }

    @Test
    void wrongTypeExitsTwoNamingTheKey() {
        CliOutcome o = CliOutcome.run("round", "select.threshold=high");
        assertEquals(2, o.code());
        assertTrue(o.err().contains("mer.select.threshold"), o.err());
    }

    @Test
    void unknownFlagAndJobAreUsageErrors() {
        assertEquals(2, CliOutcome.run("train", "--rounds-typo", "3").code());
        CliOutcome job = CliOutcome.run("trian");
        assertEquals(2, job.code());
        assertTrue(job.err().contains("trian"), job.err());
    }

    @Test
    void missingConfFileExitsTwo() {
        CliOutcome o = CliOutcome.run("evaluate", "--conf", "/nowhere/x.conf");
        assertEquals(2, o.code());
        assertTrue(o.err().contains("/nowhere/x.conf"), o.err());
    }
}

package io.merspark.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Configuration and usage problems stop a job with exit code 2 before any Spark work. */
class MerCliTest {

    private record Outcome(int code, String err) {
    }

    private static Outcome run(String... args) {
        PrintStream saved = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            int code = MerCli.run(args);
            return new Outcome(code, buf.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(saved);
        }
    }

    @Test
    void unknownConfigKeyExitsTwoNamingTheKey() {
        Outcome o = run("train", "--round", "1", "train.foldz=3");
        assertEquals(2, o.code());
        assertTrue(o.err().contains("unknown config key: mer.train.foldz"), o.err());
    }

    @Test
    void wrongTypeExitsTwoNamingTheKey() {
        Outcome o = run("round", "select.threshold=high");
        assertEquals(2, o.code());
        assertTrue(o.err().contains("mer.select.threshold"), o.err());
    }

    @Test
    void unknownFlagAndJobAreUsageErrors() {
        assertEquals(2, run("train", "--rounds-typo", "3").code());
        Outcome job = run("trian");
        assertEquals(2, job.code());
        assertTrue(job.err().contains("trian"), job.err());
    }

    @Test
    void missingConfFileExitsTwo() {
        Outcome o = run("evaluate", "--conf", "/nowhere/x.conf");
        assertEquals(2, o.code());
        assertTrue(o.err().contains("/nowhere/x.conf"), o.err());
    }
}

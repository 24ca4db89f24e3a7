package io.merspark.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The round bench's table: every figure in its column, and each round's total and score + select share. */
class RoundBenchTest {

    @Test
    void theTableCarriesTheTaskAndDriverFiguresAndEachRoundsShare() {
        long mib = 1L << 20;
        List<RoundBench.Stage> stages = List.of(
                new RoundBench.Stage(1, "train", 30.0, 247, 800 * mib, 23 * mib, 195 * mib, 60.5, 40.24, 1.5, 12.0),
                new RoundBench.Stage(1, "score", 60.0, 1000, 400 * mib, 11 * mib, 4717 * mib, 118.0, 100.0, 3.0, 5.0),
                new RoundBench.Stage(1, "select", 9.0, 1000, 200 * mib, 11 * mib, 2 * mib, 8.0, 4.0, 0.0, 6.0),
                new RoundBench.Stage(1, "evaluate", 1.0, 143, 500 * mib, 11 * mib, 7 * mib, 1.0, 0.5, 0.0, 0.5),
                new RoundBench.Stage(2, "train", 50.0, 1247, 900 * mib, 72 * mib, 116 * mib, 90.0, 80.0, 1.0, 15.0),
                new RoundBench.Stage(2, "score", 40.0, 1000, 480 * mib, 11 * mib, 4717 * mib, 79.0, 70.0, 2.5, 4.0),
                new RoundBench.Stage(2, "select", 5.0, 1000, 240 * mib, 11 * mib, 23 * mib, 4.0, 2.0, 0.0, 3.0),
                new RoundBench.Stage(2, "evaluate", 5.0, 143, 650 * mib, 11 * mib, 7 * mib, 4.0, 2.0, 0.0, 4.0));
        List<String> lines = RoundBench.markdown(1000, stages).lines().toList();

        assertEquals("| round | stage | wall s | rows | rows/s | driver heap peak MiB | driver disk MiB | shuffle MiB"
                + " | task s (CPU s, GC s) | driver CPU s |", lines.get(2));
        assertEquals("| 1 | train | 30.0 | 247 | 8.2 | 800 | 23.0 | 195.0 | 60.5 (40.2, 1.5) | 12.0 |", lines.get(4));
        assertEquals("| 2 | score | 40.0 | 1000 | 25.0 | 480 | 11.0 | 4717.0 | 79.0 (70.0, 2.5) | 4.0 |", lines.get(9));
        // round 1: 100 s, score + select 69 of them; round 2: 100 s, 45 of them
        assertTrue(lines.contains("round 1: 100.0 s in all, score + select 69 %"), String.join("\n", lines));
        assertTrue(lines.contains("round 2: 100.0 s in all, score + select 45 %"), String.join("\n", lines));
    }
}

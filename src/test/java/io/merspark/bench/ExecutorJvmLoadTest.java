package io.merspark.bench;

import io.merspark.testing.SparkTestSession;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(SparkTestSession.class)
class ExecutorJvmLoadTest {

    @Test
    void sharesAreTheCountersGrowthOverTheExecutorsCoreTime() {
        Map<String, ExecutorJvmLoad.Sample> before = Map.of("0", new ExecutorJvmLoad.Sample(1_000, 500),
                "1", new ExecutorJvmLoad.Sample(2_000, 700));
        // over 10 s on 2 cores (20 000 core-ms): 600 + 200 ms compiling, 100 + 300 ms collecting
        Map<String, ExecutorJvmLoad.Sample> after = Map.of("0", new ExecutorJvmLoad.Sample(1_600, 600),
                "1", new ExecutorJvmLoad.Sample(2_200, 1_000));
        ExecutorJvmLoad.Share share = ExecutorJvmLoad.between(before, after, 10);
        assertEquals(0.04, share.jit(), 1e-12);
        assertEquals(0.02, share.gc(), 1e-12);
        assertFalse(ExecutorJvmLoad.quiet(share));
        assertEquals("JIT 4.0 %, GC 2.0 % of the executors' cores", share.describe());
    }

    @Test
    void anExecutorSeenOnlyOnceIsLeftOutWithItsCore() {
        Map<String, ExecutorJvmLoad.Sample> before = Map.of("0", new ExecutorJvmLoad.Sample(1_000, 0));
        Map<String, ExecutorJvmLoad.Sample> after = Map.of("0", new ExecutorJvmLoad.Sample(1_150, 0),
                "1", new ExecutorJvmLoad.Sample(9_000, 9_000));
        ExecutorJvmLoad.Share share = ExecutorJvmLoad.between(before, after, 10);
        assertEquals(0.015, share.jit(), 1e-12);
        assertTrue(ExecutorJvmLoad.quiet(share));
        // the compile time since: 150 ms by executor 0, and executor 1's 9 s since it started
        assertEquals(9.15, ExecutorJvmLoad.compileSeconds(before, after), 1e-12);
        // nothing comparable: unknown, and unknown is not quiet
        assertFalse(ExecutorJvmLoad.quiet(ExecutorJvmLoad.between(Map.of(), after, 10)));
    }

    @Test
    void theProbeReadsTheRunningJvmsCounters(SparkSession spark) {
        Map<String, ExecutorJvmLoad.Sample> first = ExecutorJvmLoad.sample(spark, 1);
        // local mode: the tasks run in the driver JVM, which has compiled plenty by now
        assertEquals(java.util.Set.of("driver"), first.keySet());
        assertTrue(first.get("driver").compileMs() > 0, first.toString());
        for (int i = 0; i < 200_000; i++) {
            new StringBuilder().append(i).append('x').toString().hashCode();
        }
        Map<String, ExecutorJvmLoad.Sample> second = ExecutorJvmLoad.sample(spark, 1);
        assertTrue(second.get("driver").compileMs() >= first.get("driver").compileMs());
        assertTrue(second.get("driver").gcMs() >= first.get("driver").gcMs());
    }
}

package io.merspark.probe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.merspark.testing.SparkTestSession;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.*;

/** The probe on the local[2] session: one executor (the driver), both DJL engines, no GPUs here. */
@ExtendWith(SparkTestSession.class)
class ClusterProbeTest {

    @Test
    void reportsOneExecutorWithBothEnginesAndNoGpus(SparkSession spark) throws Exception {
        ClusterProbe.Result result = ClusterProbe.run(spark);

        assertEquals(1, result.registeredExecutors());
        assertEquals(1, result.reports().size(), "local mode has one executor, the driver");
        ExecutorReport r = result.reports().get(0);
        assertEquals("driver", r.executorId());
        assertEquals(0, r.partition(), "the report kept is the lowest partition's");
        assertEquals(Runtime.getRuntime().availableProcessors(), r.cpus());
        assertTrue(r.javaVersion().startsWith(System.getProperty("java.version")), r.javaVersion());
        assertEquals(java.util.List.of(), r.sparkGpuAddresses(), "no GPU resources are configured here");
        assertFalse(r.host().isBlank());

        EngineInfo ort = r.engine("OnnxRuntime");
        EngineInfo torch = r.engine("PyTorch");
        assertNotNull(ort, "engines: " + r.engines());
        assertNotNull(torch, "engines: " + r.engines());
        assertTrue(ort.loaded(), ort.error());
        assertTrue(torch.loaded(), torch.error());
        assertEquals("2.7.1", torch.version());
        assertTrue(ort.version().matches("\\d+\\.\\d+\\.\\d+"), ort.version());
        assertEquals(0, ort.gpuCount());
        assertEquals(0, torch.gpuCount());
        assertEquals("cpu()", torch.defaultDevice());
        assertEquals("cpu()", ort.defaultDevice());

        String table = ClusterProbe.table(result);
        assertTrue(table.startsWith("probe: 1 executor(s) answered, 1 registered"), table);
        assertTrue(table.contains("PyTorch") && table.contains("2.7.1"), table);

        String[] lines = ClusterProbe.jsonLines(result).strip().split("\n");
        assertEquals(1, lines.length);
        JsonNode json = new ObjectMapper().readTree(lines[0]);
        assertEquals("driver", json.get("executor_id").asText());
        assertEquals(0, json.get("spark_gpu_addresses").size());
        assertEquals(r.engines().size(), json.get("engines").size());
        assertEquals(0, json.get("engines").get(0).get("gpu_count").asInt());
        assertTrue(json.get("engines").get(0).get("error").isNull());
        assertFalse(json.get("engines").get(0).has("loaded"));
    }
}

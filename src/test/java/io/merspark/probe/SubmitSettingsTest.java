package io.merspark.probe;

import io.merspark.config.ConfigLoader;
import io.merspark.config.SettingsException;
import io.merspark.testing.SparkTestSession;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The mer.submit section submit.sh reads: defaults, the cluster template, overrides and bad values. */
class SubmitSettingsTest {

    private static SubmitSettings load(Path conf, String... overrides) {
        return SubmitSettings.from(ConfigLoader.load(conf, List.of(overrides)));
    }

    @Test
    void referenceAsksForNoGpus() {
        SubmitSettings s = load(null);
        assertEquals(List.of(), s.gpuJobs());
        assertFalse(s.usesGpus("extract"));
        assertEquals("gpu_jobs=''\nexecutor_gpus='1'\ntask_gpus='0.25'\ndiscovery_script='scripts/gpu-discovery.sh'\n",
                s.shell());
    }

    @Test
    void clusterTemplateGivesExtractAndScoreAQuarterGpuPerTask() {
        SubmitSettings s = load(SparkTestSession.projectDir().resolve("conf/cluster.conf"));
        assertEquals(List.of("extract", "score", "probe"), s.gpuJobs());
        assertTrue(s.usesGpus("score"));
        assertFalse(s.usesGpus("train"));
        assertEquals(1, s.executorGpus());
        assertEquals(0.25, s.taskGpus());
        assertTrue(s.shell().contains("gpu_jobs='extract score probe'\n"), s.shell());
    }

    @Test
    void overridesWinAndWholeGpusPrintAsIntegers() {
        SubmitSettings s = load(SparkTestSession.projectDir().resolve("conf/cluster.conf"),
                "submit.gpu-jobs=[]", "submit.executor-gpus=2", "submit.task-gpus=2",
                "submit.discovery-script=\"/opt/it's/gpus.sh\"");
        assertEquals(List.of(), s.gpuJobs());
        assertEquals("gpu_jobs=''\nexecutor_gpus='2'\ntask_gpus='2'\ndiscovery_script='/opt/it'\\''s/gpus.sh'\n", s.shell());
    }

    @Test
    void badValuesNameTheKey() {
        assertTrue(assertThrows(SettingsException.class, () -> load(null, "submit.gpu-jobs=[extract, fly]"))
                .getMessage().contains("mer.submit.gpu-jobs: unknown job 'fly'"));
        assertTrue(assertThrows(SettingsException.class, () -> load(null, "submit.task-gpus=1.5", "submit.executor-gpus=2"))
                .getMessage().startsWith("mer.submit.task-gpus"));
        assertTrue(assertThrows(SettingsException.class, () -> load(null, "submit.task-gpus=3"))
                .getMessage().startsWith("mer.submit.task-gpus"));
        assertTrue(assertThrows(SettingsException.class, () -> load(null, "submit.executor-gpus=0"))
                .getMessage().startsWith("mer.submit.executor-gpus"));
        assertTrue(assertThrows(SettingsException.class, () -> load(null, "submit.gpus=1"))
                .getMessage().contains("unknown config key: mer.submit.gpus"));
        assertTrue(assertThrows(SettingsException.class,
                () -> load(null, "submit.gpu-jobs=[score]", "submit.discovery-script=\"\""))
                .getMessage().startsWith("mer.submit.discovery-script"));
    }
}

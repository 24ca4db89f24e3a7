package io.merspark.cluster;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * scripts/standalone_test.sh against the shaded jar this build just made: a Master and a Worker on 127.0.0.1,
 * the probe and one self-training round through spark-submit. Run by failsafe in the cluster profile
 * ({@code mvn -Pcluster verify}), after the package phase built target/mer-spark-*-cluster.jar; ~6 min here.
 */
@Tag("cluster")
class StandaloneClusterIT {

    @Test
    void probeAndOneRoundOnAStandaloneCluster() throws Exception {
        Path project = Path.of(System.getProperty("mer.test.data", "data/mer-mini")).toAbsolutePath().getParent().getParent();
        Path jar = Path.of(System.getProperty("mer.cluster.jar", ""));
        assertTrue(Files.isRegularFile(jar), "the shaded jar is built in the package phase: " + jar);
        Path log = Files.createTempFile("standalone-test", ".log");
        ProcessBuilder pb = new ProcessBuilder("bash", project.resolve("scripts/standalone_test.sh").toString())
                .directory(project.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put("MER_CLUSTER_JAR", jar.toString());
        pb.environment().remove("SPARK_HOME");
        Process p = pb.start();
        boolean done = p.waitFor(20, TimeUnit.MINUTES);
        if (!done) {
            p.destroy();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        System.out.println(out);
        assertTrue(done, "standalone_test.sh did not finish in 20 minutes");
        assertEquals(0, p.exitValue(), "standalone_test.sh failed; its log:\n" + out);
        assertTrue(out.contains("probe ok: executor 0 on"), out);
        assertTrue(out.contains("Spark GPU addresses ['0']"), out);
        assertTrue(out.contains("ingest: 36 rows in, 36 accepted"), out);
        assertTrue(out.matches("(?s).*round 1 ok: waf=\\d\\.\\d{4} accuracy=\\d\\.\\d{4} n_train=18 n_test=6.*"), out);
        assertTrue(out.contains("== standalone test passed"), out);
        new File(log.toString()).delete();
    }
}

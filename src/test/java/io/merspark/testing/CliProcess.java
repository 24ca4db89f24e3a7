package io.merspark.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a job the way {@code ./submit.sh} does, in a JVM of its own: exit code and output are the job's, and the
 * test JVM's shared SparkSession is not touched (a job stops its session when it ends).
 */
public final class CliProcess {

    /** What the job did: its exit code and its stdout + stderr. */
    public record Result(int exitCode, String output) {
    }

    private CliProcess() {
    }

    /** The command line of {@code MerCli args}, on this JVM's classpath with the test environment's settings. */
    public static ProcessBuilder builder(Path log, String... args) {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(
                Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx2g", "-Dai.djl.offline=true", "-cp", classpath, "io.merspark.cli.MerCli"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("OMP_NUM_THREADS", "1");
        String djlCache = System.getenv("DJL_CACHE_DIR");
        if (djlCache != null) {
            pb.environment().put("DJL_CACHE_DIR", djlCache);
        }
        return pb;
    }

    /** Runs the job to its end (at most {@code timeoutSeconds}) and returns what it did. */
    public static Result run(long timeoutSeconds, String... args) {
        try {
            Path log = Files.createTempFile("mer-cli-", ".log");
            Process p = builder(log, args).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("job " + List.of(args) + " still running after " + timeoutSeconds + " s:\n"
                        + Files.readString(log, StandardCharsets.UTF_8));
            }
            String out = Files.readString(log, StandardCharsets.UTF_8);
            Files.deleteIfExists(log);
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

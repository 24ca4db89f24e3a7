package io.merspark.bench;

import io.merspark.train.TrainingReproducibility;
import org.apache.spark.sql.SparkSession;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * A {@code local-cluster[N,1,MB]} session on this machine: a standalone master and N workers inside this JVM, each
 * worker starting one executor as a separate JVM — the closest thing to a real cluster without one.
 *
 * <p>What the executors need: this JVM's classpath ({@code spark.executor.extraClassPath}; they run on the same
 * machine), DJL offline with a cache directory, and a Spark home. A worker takes its Spark home from the
 * {@code SPARK_HOME} environment variable (else the working directory), and its launcher insists on a
 * {@code jars/} directory in it (it adds {@code jars/*} to the executor's classpath; an empty one is fine) and on
 * knowing the Scala version ({@code SPARK_SCALA_VERSION}, passed to executors through {@code spark.executorEnv}).
 * An environment variable cannot be set from Java, so the caller's environment must name a Spark home:
 * {@code ./submit.sh bench} sets {@code SPARK_HOME=target/spark-home}, the cluster tests' Surefire execution too.
 */
public final class LocalCluster {

    private LocalCluster() {
    }

    /** The Spark home executors will be launched from; fails with what to do when there is none. */
    public static Path sparkHome() {
        String env = System.getenv("SPARK_HOME");
        Path home = Paths.get(env == null || env.isBlank() ? "." : env).toAbsolutePath().normalize();
        if (!Files.isDirectory(home.resolve("jars"))) {
            if (env == null || env.isBlank()) {
                throw new IllegalStateException("local-cluster needs SPARK_HOME: set it to a directory with a "
                        + "jars/ subdirectory (an empty one will do), e.g. target/spark-home");
            }
            try {
                Files.createDirectories(home.resolve("jars"));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create " + home.resolve("jars"), e);
            }
        }
        return home;
    }

    /** More JVM options for the executors (a system property of the driver): for measuring JVM settings. */
    public static final String EXECUTOR_JAVA_OPTIONS = "merspark.bench.executor-java-options";

    /**
     * Starts the session and waits until all executors have registered, so that work is spread over all of them.
     *
     * @param executors  executors (one core each)
     * @param memoryMb   memory per executor
     */
    public static SparkSession start(String appName, int executors, int memoryMb) {
        sparkHome();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String djlCache = System.getenv("DJL_CACHE_DIR");
        SparkSession.Builder b = SparkSession.builder()
                .master("local-cluster[" + executors + ",1," + memoryMb + "]")
                .appName(appName)
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.shuffle.partitions", Integer.toString(Math.max(2, executors)))
                .config("spark.default.parallelism", Integer.toString(executors))
                .config("spark.executor.memory", memoryMb + "m")
                .config("spark.executor.extraClassPath", absolute(classpath))
                .config("spark.executor.extraJavaOptions", ("-Dai.djl.offline=true -XX:+IgnoreUnrecognizedVMOptions "
                        + System.getProperty(EXECUTOR_JAVA_OPTIONS, "")).trim())
                .config("spark.executorEnv.SPARK_SCALA_VERSION", "2.13")
                .config("spark.executorEnv.OMP_NUM_THREADS", "1")
                .config("spark.executorEnv.MKL_CBWR", TrainingReproducibility.MKL_CBWR_VALUE)
                .config("spark.scheduler.minRegisteredResourcesRatio", "1.0")
                .config("spark.scheduler.maxRegisteredResourcesWaitingTime", "120s")
                // one task per executor at a time, and no waiting for a "better" locality
                .config("spark.locality.wait", "0s");
        if (djlCache != null) {
            b = b.config("spark.executorEnv.DJL_CACHE_DIR", Paths.get(djlCache).toAbsolutePath().toString());
        }
        SparkSession spark = b.getOrCreate();
        awaitExecutors(spark, executors, 120_000);
        return spark;
    }

    /** Executors registered now (the driver is not counted). */
    public static int executors(SparkSession spark) {
        return spark.sparkContext().statusTracker().getExecutorInfos().length - 1;
    }

    /** Stops the session and forgets it, so that the next builder starts a new one. */
    public static void stop(SparkSession spark) {
        spark.stop();
        SparkSession.clearActiveSession();
        SparkSession.clearDefaultSession();
    }

    private static void awaitExecutors(SparkSession spark, int wanted, long timeoutMs) {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (executors(spark) < wanted) {
            if (System.currentTimeMillis() > deadline) {
                int got = executors(spark);
                stop(spark);
                throw new IllegalStateException("local-cluster: " + got + " of " + wanted
                        + " executors registered in " + timeoutMs / 1000 + " s (see the executor logs under "
                        + sparkHome().resolve("work") + ")");
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private static String absolute(String classpath) {
        StringBuilder out = new StringBuilder();
        for (String entry : classpath.split(File.pathSeparator)) {
            if (entry.isBlank()) {
                continue;
            }
            if (out.length() > 0) {
                out.append(File.pathSeparator);
            }
            out.append(Paths.get(entry).toAbsolutePath());
        }
        return out.toString();
    }
}

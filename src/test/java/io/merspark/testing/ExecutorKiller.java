package io.merspark.testing;

import org.apache.spark.Success$;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.sql.SparkSession;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Kills one executor JVM of a {@code local-cluster} session (SIGKILL, by pid) as a task of the next Parquet-writing
 * result stage starts on it — the kind of loss a node failure or an OOM kill causes. Counts what Spark saw.
 */
public final class ExecutorKiller extends SparkListener {

    private final String appId;
    private final AtomicBoolean armed = new AtomicBoolean();
    private final Set<Integer> writeStages = ConcurrentHashMap.newKeySet();
    private final AtomicInteger removed = new AtomicInteger();
    private final AtomicInteger failedTasks = new AtomicInteger();
    private volatile long killedPid = -1;
    private volatile String stagePrefix = "parquet at";

    private ExecutorKiller(String appId) {
        this.appId = appId;
    }

    public static ExecutorKiller register(SparkSession spark) {
        ExecutorKiller k = new ExecutorKiller(spark.sparkContext().applicationId());
        spark.sparkContext().addSparkListener(k);
        return k;
    }

    /** Kill the executor that starts the first task of the next Parquet-writing result stage. */
    public void arm() {
        arm("parquet at");
    }

    /** Kill the executor that starts the first task of the next result stage whose name starts so. */
    public void arm(String stageNamePrefix) {
        stagePrefix = stageNamePrefix;
        writeStages.clear();
        killedPid = -1;
        armed.set(true);
    }

    public long killedPid() {
        return killedPid;
    }

    public int executorsRemoved() {
        return removed.get();
    }

    public int failedTasks() {
        return failedTasks.get();
    }

    @Override
    public void onStageSubmitted(SparkListenerStageSubmitted e) {
        // the stage that runs the job's work and writes its result, not a shuffle stage before it
        if (armed.get() && e.stageInfo().name().startsWith(stagePrefix) && e.stageInfo().shuffleDepId().isEmpty()) {
            writeStages.add(e.stageInfo().stageId());
        }
    }

    @Override
    public void onTaskStart(SparkListenerTaskStart e) {
        if (writeStages.contains(e.stageId()) && armed.compareAndSet(true, false)) {
            killedPid = kill(e.taskInfo().executorId());
        }
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd e) {
        if (!(e.reason() instanceof Success$)) {
            failedTasks.incrementAndGet();
        }
    }

    @Override
    public void onExecutorRemoved(SparkListenerExecutorRemoved e) {
        removed.incrementAndGet();
    }

    /**
     * The whole command line from {@code /proc} (Linux): {@code ProcessHandle.Info} cuts long ones, and an
     * executor's starts with the full classpath.
     */
    private static String commandLine(long pid) {
        try {
            byte[] raw = java.nio.file.Files.readAllBytes(java.nio.file.Path.of("/proc", Long.toString(pid), "cmdline"));
            return new String(raw, java.nio.charset.StandardCharsets.UTF_8).replace('\0', ' ') + " ";
        } catch (java.io.IOException | SecurityException e) {
            return "";
        }
    }

    private long kill(String executorId) {
        List<ProcessHandle> executors = ProcessHandle.allProcesses()
                .filter(p -> {
                    String c = commandLine(p.pid());
                    return c.contains("CoarseGrainedExecutorBackend") && c.contains(" " + appId + " ")
                            && c.contains(" --executor-id " + executorId + " ");
                })
                .toList();
        if (executors.size() != 1) {
            throw new IllegalStateException("expected one JVM for executor " + executorId + " of " + appId + ", found "
                    + executors.size());
        }
        executors.get(0).destroyForcibly();
        return executors.get(0).pid();
    }
}

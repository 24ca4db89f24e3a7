package io.merspark.probe;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.merspark.config.ConfigLoader;
import io.merspark.config.SettingsException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The {@code mer.submit} section, which only submit.sh reads: which jobs get GPU executors and with which
 * spark-submit resource settings. {@code main} resolves the same layered config the jobs use and prints it as
 * shell assignments; it needs nothing but the jar (no Spark), so submit.sh can call it before spark-submit.
 */
public record SubmitSettings(List<String> gpuJobs, int executorGpus, double taskGpus, String discoveryScript) {

    /** Jobs that run executor-side encoders or scorers and may ask for GPUs. */
    public static final Set<String> JOBS = Set.of("ingest", "extract", "train", "score", "select", "evaluate",
            "round", "selftrain", "pipeline", "demo", "probe");

    public static SubmitSettings from(Config c) {
        try {
            List<String> jobs = c.getStringList("mer.submit.gpu-jobs");
            for (String j : jobs) {
                if (!JOBS.contains(j)) {
                    throw new SettingsException("mer.submit.gpu-jobs: unknown job '" + j + "', expected some of " + JOBS);
                }
            }
            int executorGpus = c.getInt("mer.submit.executor-gpus");
            if (executorGpus < 1) {
                throw new SettingsException("mer.submit.executor-gpus must be >= 1, got " + executorGpus);
            }
            double taskGpus = c.getDouble("mer.submit.task-gpus");
            // Spark takes a fraction (several tasks share a GPU) or a whole number, never more than the executor has.
            if (!(taskGpus > 0 && taskGpus <= executorGpus) || (taskGpus > 1 && taskGpus != Math.rint(taskGpus))) {
                throw new SettingsException("mer.submit.task-gpus must be a fraction in (0, 1] or a whole number <= "
                        + "mer.submit.executor-gpus (" + executorGpus + "), got " + taskGpus);
            }
            String script = c.getString("mer.submit.discovery-script");
            if (!jobs.isEmpty() && script.isBlank()) {
                throw new SettingsException("mer.submit.discovery-script must be set when mer.submit.gpu-jobs is not empty");
            }
            return new SubmitSettings(List.copyOf(jobs), executorGpus, taskGpus, script);
        } catch (ConfigException e) {
            throw new SettingsException(e.getMessage());
        }
    }

    public boolean usesGpus(String job) {
        return gpuJobs.contains(job);
    }

    /** Shell assignments, one a line, values single-quoted. */
    public String shell() {
        return "gpu_jobs=" + sq(String.join(" ", gpuJobs)) + "\n"
                + "executor_gpus=" + sq(Integer.toString(executorGpus)) + "\n"
                + "task_gpus=" + sq(taskGpus == Math.rint(taskGpus)
                        ? Long.toString((long) taskGpus) : String.format(Locale.ROOT, "%s", taskGpus)) + "\n"
                + "discovery_script=" + sq(discoveryScript) + "\n";
    }

    private static String sq(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /** {@code SubmitSettings [--conf FILE] [key=value ...]}: exit 0 with the assignments, 2 with a message. */
    public static void main(String[] args) {
        Path conf = null;
        List<String> overrides = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--conf") && i + 1 < args.length) {
                conf = Path.of(args[++i]);
            } else if (args[i].startsWith("--conf=")) {
                conf = Path.of(args[i].substring("--conf=".length()));
            } else {
                overrides.add(args[i]);
            }
        }
        try {
            System.out.print(from(ConfigLoader.load(conf, overrides)).shell());
        } catch (SettingsException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
        }
    }
}

package io.merspark.cli;

import io.merspark.config.Settings;
import io.merspark.config.SettingsException;
import io.merspark.ingest.ManifestException;
import io.merspark.io.AppendCommit;
import io.merspark.io.StorageException;
import io.merspark.pipeline.DemoReport;
import io.merspark.pipeline.ExtractStage;
import io.merspark.pipeline.IngestStage;
import io.merspark.pipeline.JobContext;
import io.merspark.pipeline.RoundRunner;
import io.merspark.pipeline.RoundStages;
import io.merspark.pipeline.SparkSessions;
import io.merspark.probe.ClusterProbe;
import io.merspark.report.RoundReport;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Entry point of every job ({@code ./submit.sh <job> …} or {@code spark-submit --class io.merspark.cli.MerCli}).
 * Exit codes: 0 done, 2 bad configuration or usage (before any work), 3 a round out of order, 4 an output root that
 * cannot take output (before any work), 1 a failure.
 */
@Command(name = "mer", mixinStandardHelpOptions = true, version = "mer-spark 0.1.0",
        description = "Multimodal emotion recognition with semi-supervised self-training on Spark.",
        subcommands = {
                MerCli.Ingest.class, MerCli.Extract.class, MerCli.Train.class, MerCli.Score.class,
                MerCli.Select.class, MerCli.Evaluate.class, MerCli.Round.class, MerCli.SelfTrain.class, MerCli.Report.class,
                MerCli.Pipeline.class, MerCli.Demo.class, MerCli.Probe.class, MerCli.ImportFeatures.class,
                MerCli.Bench.class})
public final class MerCli implements Callable<Integer> {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        CommandLine cli = new CommandLine(new MerCli());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            PrintWriter err = cmd.getErr();
            if (e instanceof SettingsException || e instanceof ManifestException) {
                err.println("error: " + e.getMessage());
                return 2;
            }
            if (e instanceof RoundRunner.RoundOrderException) {
                err.println("error: " + e.getMessage());
                return 3;
            }
            if (e instanceof StorageException) {
                err.println("error: " + e.getMessage());
                return 4;
            }
            err.println("error: " + e);
            e.printStackTrace(err);
            return 1;
        });
        return cli.execute(args);
    }

    @Override
    public Integer call() {
        new CommandLine(this).usage(System.out);
        return 2;
    }

    /** Validates the configuration before a session starts, so bad config costs no Spark start-up. */
    static int withContext(CommonOptions o, Function<JobContext, Integer> job) {
        return withContext(o, true, job);
    }

    /** @param writesRoot whether the job writes under {@code mer.root}, which is then checked before any work */
    static int withContext(CommonOptions o, boolean writesRoot, Function<JobContext, Integer> job) {
        return withContext(o, writesRoot, settings -> { }, job);
    }

    /**
     * @param preflight the job's own checks of its inputs, run before the session starts and before anything is
     *                  written under {@code mer.root}
     */
    static int withContext(CommonOptions o, boolean writesRoot, Consumer<Settings> preflight,
                           Function<JobContext, Integer> job) {
        Settings settings = o.settings();
        preflight.accept(settings);
        // A session that was already running (MerCli.run embedded in a JVM that has one) is not this job's to stop.
        boolean ownSession = SparkSession.getDefaultSession().isEmpty();
        SparkSession spark = SparkSessions.create(settings);
        try {
            JobContext ctx = JobContext.of(spark, settings);
            if (writesRoot) {
                ctx.storage().requireWritable(settings.root(), settings.minFreeBytes());
                // an extract --only-new killed after its commit marker is finished before anything reads the tables
                new AppendCommit(spark, settings.root()).recover();
            }
            return job.apply(ctx);
        } finally {
            if (ownSession) {
                spark.stop();
            }
        }
    }

    @Command(name = "ingest", description = "Validate a manifest CSV into manifest/ (bad rows to errors/stage=ingest).")
    static final class Ingest implements Callable<Integer> {
        @Mixin CommonOptions o;

        @Override
        public Integer call() {
            return withContext(o, ctx -> {
                System.out.println(IngestStage.run(ctx, ctx.settings().manifest()));
                return 0;
            });
        }
    }

    @Command(name = "extract", description = "Decode media and encode every modality into features/ (DJL, on the executors).")
    static final class Extract implements Callable<Integer> {
        @Mixin CommonOptions o;

        @Option(names = "--only-new", description = "extract only samples not yet in features/ or errors/ (nightly runs)")
        boolean onlyNew;

        @Override
        public Integer call() {
            return withContext(o, true, ExtractStage::preflight, ctx -> {
                System.out.println(ExtractStage.run(ctx, onlyNew));
                return 0;
            });
        }
    }

    @Command(name = "import-features",
            description = "Import a MER tool-chain feature folder (<sample_id>.npy) into features/modality=<m>/.")
    static final class ImportFeatures implements Callable<Integer> {
        @Mixin CommonOptions o;

        @Option(names = "--dir", paramLabel = "DIR", required = true,
                description = "folder of <sample_id>.npy files, (D,) or (T, D), float16/32/64")
        String dir;

        @Option(names = "--modality", paramLabel = "M", required = true, description = "video, audio or text")
        String modality;

        @Override
        public Integer call() {
            io.merspark.extract.Modality m;
            try {
                m = io.merspark.extract.Modality.of(modality);
            } catch (IllegalArgumentException e) {
                throw new SettingsException("--modality: " + e.getMessage());
            }
            // a local folder is checked before Spark starts; other filesystems when the job reads them
            if (!dir.contains("://") || dir.startsWith("file:")) {
                java.nio.file.Path local = dir.startsWith("file:") ? java.nio.file.Paths.get(java.net.URI.create(dir))
                        : java.nio.file.Paths.get(dir);
                if (!java.nio.file.Files.isDirectory(local)) {
                    throw new SettingsException("--dir: folder not found: " + dir);
                }
            }
            return withContext(o, ctx -> {
                System.out.println(io.merspark.pipeline.ImportStage.run(ctx, dir, m));
                return 0;
            });
        }
    }

    @Command(name = "bench", description = "Benchmarks (not tests): `bench extract` measures batched vs one-by-one "
            + "encoders and the extract job on local-cluster with 2 vs 1 executors.")
    static final class Bench implements Callable<Integer> {
        static final String PROTOCOL_CONFIGS = "agt:train.model=agt;attention:train.model=attention;"
                + "audio:train.model=audio,rounds=1;video:train.model=video,rounds=1;text:train.model=text,rounds=1";

        @Mixin CommonOptions o;

        @picocli.CommandLine.Parameters(index = "0", paramLabel = "WHAT", description = "extract | select | train | models | prior | protocol | round | append | group-stats")
        String what;

        @Option(names = "--configs", split = ";", defaultValue = PROTOCOL_CONFIGS,
                description = "protocol: name:key=value,...,rounds=N configurations, ';'-separated (default: " + PROTOCOL_CONFIGS + ")")
        List<String> configs;

        @Option(names = "--rounds", defaultValue = "3", description = "protocol: self-training rounds of a configuration that names none (default 3)")
        int rounds;

        @Option(names = "--pool", defaultValue = "10000", description = "round, append, group-stats: unlabeled rows of the scaled root (default 10000)")
        int pool;

        @Option(names = "--groups", defaultValue = "0",
                description = "round: give every clip of the scaled root one of N synthetic speaker groups, so the"
                        + " rounds pay for per-group standardisation (default 0: the source's groups, none on the pool);"
                        + " group-stats: the groups (default 0: 1000)")
        int groups;

        @Option(names = "--executors", defaultValue = "0",
                description = "round: run on local-cluster with N one-core executor JVMs, so the driver's heap is the"
                        + " driver's own (default 0: in this JVM)")
        int executors;

        @Option(names = "--new", defaultValue = "1000", description = "append, group-stats: new clips appended to the scaled root (default 1000)")
        int newClips;

        @Option(names = "--epochs", defaultValue = "5", description = "train: timed epochs (default 5)")
        int epochs;

        @Option(names = "--warmup", defaultValue = "1", description = "train: untimed epochs before them, for each"
                + " framework (default 1; the JVM's JIT compiler is still busy for about 10)")
        int warmup;

        @Option(names = "--pairs", defaultValue = "3", description = "train: DJL and PyTorch blocks of epochs,"
                + " alternated this many times; the ratio is the median of the pairs' (default 3)")
        int pairs;

        @Option(names = "--seeds", defaultValue = "5", description = "models, protocol: seeds per model or configuration (default 5)")
        int seeds;

        @Option(names = "--first-seed", defaultValue = "1", description = "protocol: the first mer.seed (default 1);"
                + " confirm a choice screened on seeds 1..N on seeds it was not chosen on")
        int firstSeed;

        @Option(names = "--models", split = ",", defaultValue = "agt,attention,audio,video,text",
                description = "models: models to compare (default agt,attention,audio,video,text)")
        List<String> models;

        @Option(names = "--sizes", paramLabel = "N,N,...", split = ",", defaultValue = "100000,1000000",
                description = "select: score-table sizes in rows (default 100000,1000000)")
        int[] sizes;

        @Option(names = "--clips", paramLabel = "N", defaultValue = "704",
                description = "extract: clips of the manifest for the job runs (the first N by sample_id; default 704)")
        int clips;

        @Option(names = "--encoder-clips", paramLabel = "N", defaultValue = "32",
                description = "extract: clips decoded for the encoder sweep (default 32; 0 = no sweep, only the"
                        + " executor scaling)")
        int encoderClips;

        @Option(names = "--reps", paramLabel = "R",
                description = "extract: repetitions of every encoder arm (default 7); group-stats: of the incremental"
                        + " and the full pass (default 3)")
        Integer reps;

        @Option(names = "--min-seconds", paramLabel = "S", defaultValue = "1.0",
                description = "extract: least seconds of one timed sample of an encoder arm; short passes repeat"
                        + " (default 1.0)")
        double minSeconds;

        @Option(names = "--max-warmups", paramLabel = "N", defaultValue = "4",
                description = "extract: full warm-up runs at most per cluster, until the executors' JIT compilers"
                        + " take < 2 % of their cores (default 4)")
        int maxWarmups;

        @Option(names = "--executor-memory", paramLabel = "MB", defaultValue = "0",
                description = "extract, round: MiB per local-cluster executor (default 1536 for extract, 3072 for round)")
        int executorMemory;

        private int executorMemory(int benchDefault) {
            return executorMemory > 0 ? executorMemory : benchDefault;
        }

        /** The round and append benches read the demo corpus into demo-out unless told otherwise. */
        private void demoInput() {
            if (o.root == null) {
                o.root = "demo-out";
            }
            if (o.manifest == null) {
                o.manifest = "data/mer-mini/manifest.csv";
            }
        }

        /** A bench over an extracted root ingests and extracts its manifest first when the root lacks either table. */
        private static void extractIfMissing(JobContext ctx) {
            var layout = ctx.layout();
            if (!ctx.storage().exists(layout.manifest()) || !ctx.storage().exists(layout.features())) {
                System.out.println(IngestStage.run(ctx, ctx.settings().manifest()));
                System.out.println(ExtractStage.run(ctx));
            }
        }

        @Override
        public Integer call() throws Exception {
            if ("select".equals(what)) {
                o.overrides.remove(what);
                return withContext(o, false, ctx -> {
                    System.out.print(io.merspark.bench.SelectBench.run(ctx.spark(), sizes));
                    return 0;
                });
            }
            if ("protocol".equals(what)) {
                o.overrides.remove(what);
                if (o.root == null) {
                    o.root = "speaker-out";
                }
                if (o.manifest == null) {
                    o.manifest = "data/mer-mini/speaker-split/manifest.csv";
                }
                if (o.truth == null) {
                    o.truth = "data/mer-mini/speaker-split/unlabeled_truth.csv";
                }
                List<io.merspark.bench.ProtocolBench.Config> parsed = configs.stream()
                        .map(c -> io.merspark.bench.ProtocolBench.Config.parse(c.trim(), rounds)).toList();
                return withContext(o, true, ExtractStage::preflight, ctx -> {
                    extractIfMissing(ctx);
                    new io.merspark.bench.ProtocolBench(ctx.spark(), o::settings).run(ctx.settings().root(), parsed,
                            firstSeed, seeds, System.out);
                    return 0;
                });
            }
            if ("round".equals(what)) {
                o.overrides.remove(what);
                demoInput();
                return withContext(o, true, ExtractStage::preflight, ctx -> {
                    extractIfMissing(ctx);
                    if (executors <= 0) {
                        new io.merspark.bench.RoundBench(ctx.spark(), o::settings).run(ctx.settings().root(), pool,
                                groups, System.out);
                        return 0;
                    }
                    // one SparkContext per JVM: the in-process one makes way for the cluster's driver
                    io.merspark.bench.LocalCluster.stop(ctx.spark());
                    SparkSession cluster = io.merspark.bench.LocalCluster.start("bench-round", executors,
                            executorMemory(3072));
                    cluster.conf().set("spark.sql.shuffle.partitions", ctx.settings().spark().shufflePartitions());
                    try {
                        new io.merspark.bench.RoundBench(cluster, o::settings).run(ctx.settings().root(), pool,
                                groups, System.out);
                    } finally {
                        io.merspark.bench.LocalCluster.stop(cluster);
                    }
                    return 0;
                });
            }
            if ("append".equals(what)) {
                o.overrides.remove(what);
                demoInput();
                return withContext(o, true, ExtractStage::preflight, ctx -> {
                    extractIfMissing(ctx);
                    new io.merspark.bench.AppendBench(ctx.spark(), o::settings).run(ctx.settings().root(), pool,
                            newClips, System.out);
                    return 0;
                });
            }
            if ("group-stats".equals(what)) {
                o.overrides.remove(what);
                demoInput();
                return withContext(o, true, ExtractStage::preflight, ctx -> {
                    extractIfMissing(ctx);
                    // the AGT (the default model) reads tokens, so its statistics take token sums too
                    new io.merspark.bench.GroupStatsBench(ctx.spark()).run(ctx.settings().root(), pool,
                            groups > 0 ? groups : 1000, newClips, reps == null ? 3 : reps,
                            ctx.settings().extract().modalities(), ctx.settings().train().isAgt(), System.out);
                    return 0;
                });
            }
            if ("prior".equals(what)) {
                o.overrides.remove(what);
                if (o.root == null) {
                    o.root = "demo-out";
                }
                return withContext(o, ctx -> {
                    int last = 1;
                    while (ctx.storage().exists(ctx.layout().success(last + 1))) {
                        last++;
                    }
                    new io.merspark.bench.PriorBench(ctx).run(last, io.merspark.bench.PriorBench.MER2024_TEST,
                            1000, seeds, System.out);
                    return 0;
                });
            }
            if ("train".equals(what) || "models".equals(what)) {
                // both read an extracted root: the demo's by default
                o.overrides.remove(what);
                if (o.root == null) {
                    o.root = "demo-out";
                }
                return withContext(o, ctx -> {
                    if (what.equals("train")) {
                        new io.merspark.bench.TrainBench(ctx.spark(), ctx.settings()).run(ctx.settings().root(), warmup, epochs,
                                pairs, java.nio.file.Paths.get("target", "bench-train"),
                                java.nio.file.Paths.get("scripts", "bench_train_pytorch.py"), System.out);
                    } else {
                        new io.merspark.bench.ModelBench(ctx.spark(), ctx.settings()).run(ctx.settings().root(), models,
                                seeds, System.out);
                    }
                    return 0;
                });
            }
            if (!"extract".equals(what)) {
                throw new SettingsException("bench: unknown benchmark '" + what + "' (one of: extract, select, train, models, prior, protocol, round, append, group-stats)");
            }
            if (o.manifest == null) {
                o.manifest = "data/mer-mini/manifest.csv";
            }
            // the overrides are the positional key=value list: the first positional is WHAT
            o.overrides.remove(what);
            Settings settings = o.settings();
            java.nio.file.Path work = java.nio.file.Files.createTempDirectory("mer-bench-");
            try {
                new io.merspark.bench.ExtractBench(settings, java.nio.file.Paths.get(settings.manifest()), clips,
                        encoderClips, reps == null ? 7 : reps, minSeconds, maxWarmups, executorMemory(1536), work)
                        .run(System.out);
                return 0;
            } finally {
                org.apache.commons.io.FileUtils.deleteQuietly(work.toFile());
            }
        }
    }

    abstract static class RoundJob implements Callable<Integer> {
        @Mixin CommonOptions o;

        @Option(names = "--round", paramLabel = "R", defaultValue = "1", description = "round number (default 1)")
        int round;
    }

    @Command(name = "train", description = "Train the round's k-fold fusion ensemble on the driver (rounds/round=R/model).")
    static final class Train extends RoundJob {
        @Override
        public Integer call() {
            return withContext(o, ctx -> {
                System.out.println(new RoundStages(ctx).train(round));
                return 0;
            });
        }
    }

    @Command(name = "score", description = "Score the unlabeled pool with the round's ensemble (rounds/round=R/scores).")
    static final class Score extends RoundJob {
        @Override
        public Integer call() {
            return withContext(o, ctx -> {
                System.out.println("scored " + new RoundStages(ctx).score(round));
                return 0;
            });
        }
    }

    @Command(name = "select", description = "Select confident pseudo-labels from the round's scores (rounds/round=R/pseudo).")
    static final class Select extends RoundJob {
        @Override
        public Integer call() {
            return withContext(o, ctx -> {
                System.out.println("accepted " + new RoundStages(ctx).select(round));
                return 0;
            });
        }
    }

    @Command(name = "evaluate", description = "Evaluate the round on the test split (rounds/round=R/metrics.json, _SUCCESS).")
    static final class Evaluate extends RoundJob {
        @Override
        public Integer call() {
            return withContext(o, ctx -> {
                RoundStages stages = new RoundStages(ctx);
                System.out.println(stages.evaluate(round, stages.trainInfo(round)).toJson());
                return 0;
            });
        }
    }

    @Command(name = "round", description = "One resumable self-training round: train, score, select, evaluate.")
    static final class Round extends RoundJob {
        @Option(names = "--force", description = "redo a complete round")
        boolean force;

        @Override
        public Integer call() {
            return withContext(o, ctx -> {
                Map<String, Object> m = new RoundRunner(ctx).run(round, force);
                System.out.print(DemoReport.table(List.of(m)));
                return 0;
            });
        }
    }

    @Command(name = "selftrain", description = "Rounds 1..N, each on labeled data + earlier pseudo-labels.")
    static final class SelfTrain implements Callable<Integer> {
        @Mixin CommonOptions o;

        @Option(names = "--rounds", paramLabel = "N", defaultValue = "2", description = "number of rounds (default 2)")
        int rounds;

        @Option(names = "--force", description = "redo complete rounds")
        boolean force;

        @Override
        public Integer call() {
            return withContext(o, ctx -> {
                System.out.print(DemoReport.table(new RoundRunner(ctx).selftrain(rounds, force)));
                System.out.println("report: " + RoundReport.write(ctx) + "/index.html");
                return 0;
            });
        }
    }

    @Command(name = "report", description = "HTML report with plots over the completed rounds, and predictions CSV (reports/).")
    static final class Report implements Callable<Integer> {
        @Mixin CommonOptions o;

        @Override
        public Integer call() {
            return withContext(o, ctx -> {
                System.out.println("report: " + RoundReport.write(ctx) + "/index.html");
                return 0;
            });
        }
    }

    @Command(name = "pipeline", description = "ingest → extract → selftrain, with the same flags.")
    static class Pipeline implements Callable<Integer> {
        @Mixin CommonOptions o;

        @Option(names = "--rounds", paramLabel = "N", defaultValue = "2", description = "number of rounds (default 2)")
        int rounds;

        @Option(names = "--force", description = "redo complete rounds")
        boolean force;

        @Override
        public Integer call() {
            return withContext(o, ctx -> {
                long t0 = System.nanoTime();
                var layout = ctx.layout();
                boolean prepared = ctx.storage().exists(layout.manifest()) && ctx.storage().exists(layout.features());
                System.out.println();
                if (prepared && !force) {
                    System.out.println("manifest/ and features/ already under " + layout.root()
                            + ": kept (use --force to ingest and extract again)");
                } else {
                    ExtractStage.preflight(ctx.settings()); // before ingest writes anything
                    var ingest = IngestStage.run(ctx, ctx.settings().manifest());
                    var extract = ExtractStage.run(ctx);
                    System.out.println(ingest);
                    System.out.println(extract);
                }
                var rows = new RoundRunner(ctx).selftrain(rounds, force);
                RoundReport.write(ctx);
                System.out.println();
                System.out.print(DemoReport.table(rows));
                System.out.println();
                System.out.print(DemoReport.outputs(ctx.layout(), rounds));
                System.out.printf("wall time: %.1f s%n", (System.nanoTime() - t0) / 1e9);
                return 0;
            });
        }
    }

    @Command(name = "demo", description = "pipeline on the bundled mer-mini corpus into demo-out/ (2 rounds).")
    static final class Demo extends Pipeline {
        @Override
        public Integer call() {
            if (o.manifest == null) {
                o.manifest = "data/mer-mini/manifest.csv";
            }
            if (o.root == null) {
                o.root = "demo-out";
            }
            if (o.truth == null) {
                o.truth = "data/mer-mini/unlabeled_truth.csv";
            }
            return super.call();
        }
    }

    @Command(name = "probe", description = "One task per executor: host, DJL engines and devices, Spark GPU addresses, Java, CPUs.")
    static final class Probe implements Callable<Integer> {
        @Mixin CommonOptions o;

        @Option(names = "--json", description = "print one JSON object per executor instead of the table")
        boolean json;

        @Override
        public Integer call() {
            return withContext(o, false, ctx -> {
                ClusterProbe.Result result = ClusterProbe.run(ctx.spark());
                System.out.print(json ? ClusterProbe.jsonLines(result) : ClusterProbe.table(result));
                boolean allLoaded = result.reports().stream()
                        .allMatch(r -> r.engines().stream().allMatch(io.merspark.probe.EngineInfo::loaded));
                return result.reports().isEmpty() || !allLoaded ? 1 : 0;
            });
        }
    }
}

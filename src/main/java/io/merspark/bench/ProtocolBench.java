package io.merspark.bench;

import io.merspark.config.Settings;
import io.merspark.ingest.ManifestColumns;
import io.merspark.pipeline.JobContext;
import io.merspark.pipeline.Json;
import io.merspark.pipeline.RoundRunner;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

import static org.apache.spark.sql.functions.col;

/**
 * The evaluation protocol: one extracted root (manifest + features, e.g. the speaker-disjoint split) × a list of
 * configurations × N seeds. Each (configuration, seed) runs the real self-training rounds ({@link RoundRunner})
 * in a root of its own under {@code <root>/protocol/runs/}, with copies of the manifest and features, and the
 * table gives per configuration and round the test WAF (mean ± sd over seeds), the gold out-of-fold WAF, the
 * pseudo-labels accepted (count, share of the pool) and their precision against {@code mer.evaluate.truth}.
 * Written as {@code protocol/protocol.json} and {@code protocol/protocol.md}; runs already complete are kept.
 */
public final class ProtocolBench {

    /** A named configuration: config overrides and how many rounds it runs. */
    public record Config(String name, List<String> overrides, int rounds) {

        /** {@code name:key=value,key=value,rounds=N}; rounds defaults to {@code defaultRounds}. */
        public static Config parse(String spec, int defaultRounds) {
            int colon = spec.indexOf(':');
            String name = colon < 0 ? spec : spec.substring(0, colon);
            List<String> overrides = new ArrayList<>();
            int rounds = defaultRounds;
            if (colon >= 0 && colon + 1 < spec.length()) {
                for (String kv : spec.substring(colon + 1).split(",")) {
                    if (kv.startsWith("rounds=")) {
                        rounds = Integer.parseInt(kv.substring("rounds=".length()));
                    } else if (!kv.isBlank()) {
                        overrides.add(kv);
                    }
                }
            }
            if (name.isBlank() || !name.matches("[A-Za-z0-9_.+-]+") || rounds < 1) {
                throw new IllegalArgumentException("bench protocol: bad configuration '" + spec
                        + "' (name:key=value,...,rounds=N; name of letters, digits, _.+-)");
            }
            return new Config(name, List.copyOf(overrides), rounds);
        }
    }

    /**
     * What one round of one seed measured; ECE is on the out-of-fold gold predictions before and after temperature
     * scaling, prior errors are the L1 distance of the EM / BBSE estimates from the test labels' prior (NaN if absent).
     */
    public record RoundFigures(double testWaf, double cvWaf, double poolWaf, long accepted, double precision,
                               boolean regressed, double eceBefore, double eceAfter, double priorL1Em,
                               double priorL1Bbse) {
    }

    private final SparkSession spark;
    private final Function<List<String>, Settings> settingsWith;

    /** @param settingsWith the job's settings with extra overrides applied last */
    public ProtocolBench(SparkSession spark, Function<List<String>, Settings> settingsWith) {
        this.spark = spark;
        this.settingsWith = settingsWith;
    }

    public Map<String, List<List<RoundFigures>>> run(String root, List<Config> configs, int seeds, PrintStream out) {
        return run(root, configs, 1, seeds, out);
    }

    /**
     * @param firstSeed the first {@code mer.seed} of the run: a choice screened on seeds 1..N is confirmed on
     *                  seeds it was not chosen on
     */
    public Map<String, List<List<RoundFigures>>> run(String root, List<Config> configs, int firstSeed, int seeds,
                                                     PrintStream out) {
        String base = root.replaceAll("/+$", "");
        long pool = spark.read().parquet(base + "/manifest")
                .where(col(ManifestColumns.SPLIT).equalTo(ManifestColumns.UNLABELED)).count();
        Map<String, List<List<RoundFigures>>> results = new LinkedHashMap<>();
        List<String> failed = new ArrayList<>();
        for (Config config : configs) {
            List<List<RoundFigures>> perSeed = new ArrayList<>();
            for (int seed = firstSeed; seed < firstSeed + seeds; seed++) {
                String runRoot = base + "/protocol/runs/" + config.name() + "/seed-" + seed;
                List<String> extra = new ArrayList<>(config.overrides());
                extra.add("mer.seed=" + seed);
                extra.add("mer.root=\"" + runRoot + "\"");
                Settings s = settingsWith.apply(extra);
                JobContext ctx = JobContext.of(spark, s);
                prepare(ctx, base, runRoot);
                long t0 = System.nanoTime();
                List<Map<String, Object>> metrics;
                try {
                    metrics = new RoundRunner(ctx).selftrain(config.rounds(), false);
                } catch (RuntimeException e) {
                    // one seed's failure (e.g. a fold that stayed non-finite) must not cost the other seeds' hours;
                    // its complete rounds are kept and a rerun resumes it
                    out.printf(Locale.ROOT, "  %-14s seed %d: FAILED: %s%n", config.name(), seed, e.getMessage());
                    failed.add(config.name() + " seed " + seed + ": " + e.getMessage());
                    perSeed.add(List.of());
                    continue;
                }
                List<RoundFigures> rounds = new ArrayList<>();
                for (Map<String, Object> m : metrics) {
                    rounds.add(new RoundFigures(num(m, "waf"), num(m, "cv_waf"), nested(m, "pool_truth", "waf"),
                            (long) num(m, "n_pseudo"),
                            num(m, "pseudo_accuracy"), Boolean.TRUE.equals(m.get("regressed")),
                            nested(m, "calibration", "ece_before"), nested(m, "calibration", "ece_after"),
                            nested(m, "prior", "l1_em"), nested(m, "prior", "l1_bbse")));
                }
                perSeed.add(rounds);
                RoundFigures last = rounds.get(rounds.size() - 1);
                out.printf(Locale.ROOT, "  %-14s seed %d: round %d test WAF %.4f, gold OOF WAF %.4f, %d accepted (%.1f s)%n",
                        config.name(), seed, rounds.size(), last.testWaf(), last.cvWaf(), last.accepted(),
                        (System.nanoTime() - t0) / 1e9);
            }
            results.put(config.name(), perSeed);
        }
        String table = table(results, pool, firstSeed, seeds) + "\n" + calibrationTable(results) + "\n"
                + perSeedTable(results, firstSeed);
        out.println();
        out.print(table);
        JobContext any = JobContext.of(spark, settingsWith.apply(List.of()));
        any.storage().writeText(base + "/protocol/protocol.md", table);
        any.storage().writeText(base + "/protocol/protocol.json", Json.write(json(results, pool, firstSeed, seeds)));
        if (!failed.isEmpty()) {
            throw new IllegalStateException("bench protocol: " + failed.size() + " seed run(s) failed (the tables"
                    + " leave them out; a rerun resumes them): " + String.join("; ", failed));
        }
        return results;
    }

    /** The run's root starts with the shared manifest and features (copied once; reruns keep what they have). */
    private void prepare(JobContext ctx, String base, String runRoot) {
        try {
            FileSystem fs = new Path(base).getFileSystem(spark.sparkContext().hadoopConfiguration());
            for (String table : List.of("manifest", "features", "errors")) {
                Path src = new Path(base + "/" + table);
                Path dst = new Path(runRoot + "/" + table);
                if (fs.exists(src) && !fs.exists(dst)) {
                    FileUtil.copy(fs, src, fs, dst, false, spark.sparkContext().hadoopConfiguration());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String table(Map<String, List<List<RoundFigures>>> results, long pool, int firstSeed, int seeds) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%d seeds (mer.seed %d–%d); pool %d clips; mean ± sd over seeds%n%n", seeds,
                firstSeed, firstSeed + seeds - 1, pool));
        b.append("| configuration | round | test WAF | gold OOF WAF | pool WAF (truth) | accepted | share of pool | precision"
                + " | regressed |\n");
        b.append("|---|---|---|---|---|---|---|---|---|\n");
        for (var e : results.entrySet()) {
            List<List<RoundFigures>> done = completed(e.getValue());
            int rounds = done.stream().mapToInt(List::size).min().orElse(0);
            for (int r = 0; r < rounds; r++) {
                int round = r;
                double[] waf = done.stream().mapToDouble(x -> x.get(round).testWaf()).toArray();
                double[] cv = done.stream().mapToDouble(x -> x.get(round).cvWaf()).toArray();
                double[] poolWaf = done.stream().mapToDouble(x -> x.get(round).poolWaf())
                        .filter(v -> !Double.isNaN(v)).toArray();
                double[] acc = done.stream().mapToDouble(x -> x.get(round).accepted()).toArray();
                double[] prec = done.stream().mapToDouble(x -> x.get(round).precision())
                        .filter(v -> !Double.isNaN(v)).toArray();
                long regressed = done.stream().filter(x -> x.get(round).regressed()).count();
                b.append(String.format(Locale.ROOT, "| %s | %d | %.4f ± %.4f | %.4f ± %.4f | %s | %.1f ± %.1f | %.3f | %s | %d/%d |%n",
                        e.getKey(), r + 1, mean(waf), sd(waf), mean(cv), sd(cv),
                        poolWaf.length == 0 ? "–" : String.format(Locale.ROOT, "%.4f ± %.4f", mean(poolWaf), sd(poolWaf)),
                        mean(acc), sd(acc),
                        pool == 0 ? 0 : mean(acc) / pool,
                        prec.length == 0 ? "–" : String.format(Locale.ROOT, "%.3f ± %.3f", mean(prec), sd(prec)),
                        regressed, done.size()));
            }
        }
        return b.toString();
    }

    /** Calibration and prior estimation per configuration and round (mean ± sd over seeds). */
    static String calibrationTable(Map<String, List<List<RoundFigures>>> results) {
        StringBuilder b = new StringBuilder();
        b.append("| configuration | round | OOF ECE before | OOF ECE after | prior L1 (EM) | prior L1 (BBSE) |\n");
        b.append("|---|---|---|---|---|---|\n");
        for (var e : results.entrySet()) {
            List<List<RoundFigures>> done = completed(e.getValue());
            int rounds = done.stream().mapToInt(List::size).min().orElse(0);
            for (int r = 0; r < rounds; r++) {
                int round = r;
                b.append("| ").append(e.getKey()).append(" | ").append(r + 1);
                for (java.util.function.ToDoubleFunction<RoundFigures> f : List.<java.util.function.ToDoubleFunction<RoundFigures>>of(
                        RoundFigures::eceBefore, RoundFigures::eceAfter, RoundFigures::priorL1Em, RoundFigures::priorL1Bbse)) {
                    double[] v = done.stream().mapToDouble(x -> f.applyAsDouble(x.get(round)))
                            .filter(x -> !Double.isNaN(x)).toArray();
                    b.append(" | ").append(v.length == 0 ? "–" : String.format(Locale.ROOT, "%.4f ± %.4f", mean(v), sd(v)));
                }
                b.append(" |\n");
            }
        }
        return b.toString();
    }

    /**
     * Each configuration's last-round test WAF per seed: configurations of one run on the same seed share their
     * folds and initial draws, so their per-seed differences show how much of a gap is seed noise.
     */
    static String perSeedTable(Map<String, List<List<RoundFigures>>> results, int firstSeed) {
        int seeds = results.values().stream().mapToInt(List::size).max().orElse(0);
        StringBuilder b = new StringBuilder("| configuration | round |");
        StringBuilder rule = new StringBuilder("|---|---|");
        for (int i = 0; i < seeds; i++) {
            b.append(" seed ").append(firstSeed + i).append(" |");
            rule.append("---|");
        }
        b.append('\n').append(rule).append('\n');
        for (var e : results.entrySet()) {
            int rounds = completed(e.getValue()).stream().mapToInt(List::size).min().orElse(0);
            b.append("| ").append(e.getKey()).append(" | ").append(rounds).append(" |");
            for (List<RoundFigures> perSeed : e.getValue()) {
                b.append(perSeed.isEmpty() ? " – |" : String.format(Locale.ROOT, " %.4f |", perSeed.get(rounds - 1).testWaf()));
            }
            b.append('\n');
        }
        return b.toString();
    }

    /** The seeds that ran (a failed seed's entry is empty). */
    private static List<List<RoundFigures>> completed(List<List<RoundFigures>> perSeed) {
        return perSeed.stream().filter(r -> !r.isEmpty()).toList();
    }

    private static double nested(Map<String, Object> m, String outer, String key) {
        return m.get(outer) instanceof Map<?, ?> inner && inner.get(key) instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    private static Map<String, Object> json(Map<String, List<List<RoundFigures>>> results, long pool, int firstSeed,
                                            int seeds) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("seeds", seeds);
        out.put("first_seed", firstSeed);
        out.put("pool", pool);
        Map<String, Object> configs = new LinkedHashMap<>();
        results.forEach((name, perSeed) -> {
            List<Object> seedsOut = new ArrayList<>();
            for (List<RoundFigures> rounds : perSeed) {
                List<Object> rs = new ArrayList<>();
                for (RoundFigures f : rounds) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("test_waf", f.testWaf());
                    m.put("cv_waf", f.cvWaf());
                    m.put("pool_waf", Double.isNaN(f.poolWaf()) ? null : f.poolWaf());
                    m.put("accepted", f.accepted());
                    m.put("precision", Double.isNaN(f.precision()) ? null : f.precision());
                    m.put("regressed", f.regressed());
                    m.put("ece_before", Double.isNaN(f.eceBefore()) ? null : f.eceBefore());
                    m.put("ece_after", Double.isNaN(f.eceAfter()) ? null : f.eceAfter());
                    m.put("prior_l1_em", Double.isNaN(f.priorL1Em()) ? null : f.priorL1Em());
                    m.put("prior_l1_bbse", Double.isNaN(f.priorL1Bbse()) ? null : f.priorL1Bbse());
                    rs.add(m);
                }
                seedsOut.add(rs);
            }
            configs.put(name, seedsOut);
        });
        out.put("configurations", configs);
        return out;
    }

    private static double num(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    static double mean(double[] v) {
        return java.util.Arrays.stream(v).average().orElse(Double.NaN);
    }

    static double sd(double[] v) {
        double mu = mean(v);
        return v.length < 2 ? 0 : Math.sqrt(java.util.Arrays.stream(v).map(x -> (x - mu) * (x - mu)).sum() / (v.length - 1));
    }
}

package io.merspark.pipeline;

import io.merspark.config.Settings;
import io.merspark.config.SettingsException;
import io.merspark.evaluate.ClassificationMetrics;
import io.merspark.evaluate.ConfusionCounter;
import io.merspark.evaluate.MetricsReport;
import io.merspark.evaluate.PoolTruthMetrics;
import io.merspark.evaluate.PseudoLabelAccuracy;
import io.merspark.evaluate.PseudoLabelCounts;
import io.merspark.features.GroupNormalization;
import io.merspark.features.GroupSumsLedger;
import io.merspark.features.PooledFeatures;
import io.merspark.features.TokenFeatures;
import io.merspark.ingest.ManifestColumns;
import io.merspark.io.Sha256;
import io.merspark.score.EnsembleCache;
import io.merspark.score.EnsembleScorer;
import io.merspark.score.LogRegScorer;
import io.merspark.score.PoolScorer;
import io.merspark.select.FreeMatchState;
import io.merspark.select.PseudoLabelSelector;
import io.merspark.select.MemberDisagreement;
import io.merspark.select.SelectionHealth;
import io.merspark.select.SelectionSettings;
import io.merspark.train.ExecutorFolds;
import io.merspark.train.FoldFingerprint;
import io.merspark.train.FoldPlan;
import io.merspark.train.FoldRunner;
import io.merspark.train.FusionEnsemble;
import io.merspark.train.FusionSample;
import io.merspark.train.FusionTrainer;
import io.merspark.train.LogRegModel;
import io.merspark.train.LogRegTrainer;
import io.merspark.train.SampleSource;
import io.merspark.train.TokenCache;
import io.merspark.train.TrainSpec;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.array;

/**
 * The four stages of one self-training round. Each reads committed tables, writes its own output
 * through a commit, and can be run on its own ({@code ./submit.sh train|score|select|evaluate}).
 */
public final class RoundStages {

    private static final Logger LOG = LoggerFactory.getLogger(RoundStages.class);

    static final String CONFIG_FILE = "config.conf";
    static final String TRAIN_INFO_FILE = "train.json";
    static final String VALIDATION_CONFUSION_FILE = "validation_confusion.json";
    /** train.json key: SHA-256 of the round's ensemble.json, which records the SHA-256 of every member file. */
    static final String ENSEMBLE_SHA256 = "ensemble_sha256";

    private final JobContext ctx;
    private final Settings s;

    public RoundStages(JobContext ctx) {
        this.ctx = ctx;
        this.s = ctx.settings();
    }

    /** Trains the k-fold ensemble on labeled + earlier pseudo-labels; saves it with the exact config. */
    public Map<String, Object> train(int round) {
        if (round > 1) {
            requireModelClasses(round - 1); // its pseudo-labels are names from that model's class list
        }
        List<String> modalities = s.train().modalities(s.extract().modalities());
        boolean agt = s.train().isAgt();
        FusionTrainer.useThreads(s.train().threads());
        Optional<GroupNormalization> norm = groupNormalization(round, agt);
        Dataset<Row> rows = TrainingSet.rows(ctx, round, agt, norm).cache();
        Path cacheFile = null;
        try {
            long pseudo = rows.where(col("from_round").gt(0)).count();
            TrainingSet.PseudoHygiene hygiene = TrainingSet.hygiene(ctx, round);
            if (s.train().isLogReg()) {
                return trainLogReg(round, rows, modalities, pseudo, hygiene, norm);
            }
            SampleSource source;
            FoldPlan plan;
            List<String> ids;
            if (agt) {
                // Token rows stream from Parquet into a local file; epochs read mini-batches from it.
                cacheFile = Files.createTempFile("mer-train-r" + round + "-", ".tokens");
                source = TrainingSet.spill(rows, s.classes(), modalities, cacheFile);
                TrainingSet.Folding folding = TrainingSet.folding(rows, null);
                plan = folding.plan();
                ids = folding.ids();
            } else {
                List<FusionSample> kept = TrainingSet.collect(rows, s.classes(), modalities).stream()
                        .filter(x -> anyPresent(x, modalities.size())).toList();
                source = SampleSource.of(kept);
                ids = kept.stream().map(FusionSample::sampleId).toList();
                plan = TrainingSet.foldPlan(rows, ids);
            }
            try {
                if (source.size() == 0) {
                    throw new IllegalStateException("round " + round + ": no training rows with features under " + ctx.layout().root());
                }
                // a warm start keeps round 1's seed, so every round deals the gold rows into the same folds
                TrainSpec spec = TrainingSet.spec(s, modalities, inputDims(source, modalities, agt),
                        s.roundSeed(s.train().warmStart() ? 1 : round));
                String modelDir = ctx.layout().model(round);
                Map<String, Object> info = trainInfo(round, spec.model().equals(TrainSpec.AGT) ? "agt" : s.train().model(),
                        source.size(), pseudo, plan, hygiene, rows, norm);
                String folds = FoldFingerprint.of(ids, source, plan, spec);
                info.put(WarmStart.FOLDS_SHA256, folds);
                WarmStart warm = null;
                if (s.train().warmStart()) {
                    String previousDir = ctx.layout().model(round - 1);
                    boolean previous = round > 1 && ctx.storage().exists(previousDir + "/" + TRAIN_INFO_FILE);
                    warm = WarmStart.decide(round, spec, folds,
                            previous ? Optional.of(trainInfo(round - 1)) : Optional.empty(), previousDir, s.train().device());
                    info.put("warm_start", warm.toJson());
                    if (!warm.used() && round > 1) {
                        LOG.warn("round {}: training fresh members, not warm-started: {}", round, warm.reason());
                    }
                }
                boolean onExecutors = s.train().foldsOnExecutors(ctx.spark().sparkContext().isLocal());
                FoldRunner runner = onExecutors
                        ? new ExecutorFolds(ctx.spark(), ctx.layout().round(round), s.train().threads())
                        : FoldRunner.local();
                info.put("fold_placement", onExecutors ? "executors" : "driver");
                try (FusionEnsemble ensemble = new FusionTrainer().train(source, spec, plan, runner,
                        warm != null ? warm.inits() : null)) {
                    // out-of-fold WAF on gold rows only: pseudo-labels never validate
                    info.put("cv_waf", ensemble.meanValidationWaf());
                    ensemble.calibration().ifPresent(c -> info.put("calibration", c.toJson()));
                    putRegressed(info, round, ensemble.meanValidationWaf());
                    ctx.storage().commitLocalDir(modelDir, dir -> {
                        ensemble.save(dir);
                        // ensemble.json holds each member's digest, so its own digest identifies the whole model
                        info.put(ENSEMBLE_SHA256, Sha256.of(dir.resolve(FusionEnsemble.MANIFEST_FILE)));
                        writeFile(dir.resolve(CONFIG_FILE), s.rendered() + "\n");
                        writeFile(dir.resolve(TRAIN_INFO_FILE), Json.write(info));
                        ensemble.validationConfusion().ifPresent(c -> writeFile(dir.resolve(VALIDATION_CONFUSION_FILE),
                                Json.write(Json.object("classes", s.classes(), "matrix", c))));
                    });
                }
                EnsembleCache.evict(modelDir);
                LOG.info("round {}: trained {} {} members on {} rows ({} pseudo-labels), mean validation WAF {}, "
                                + "{} SHA-256 {}", round, spec.members(), info.get("model"), source.size(), pseudo,
                        String.format("%.4f", (double) info.get("cv_waf")), FusionEnsemble.MANIFEST_FILE,
                        info.get(ENSEMBLE_SHA256));
                return info;
            } finally {
                if (source instanceof TokenCache cache) {
                    cache.close();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            rows.unpersist();
            if (cacheFile != null) {
                try {
                    Files.deleteIfExists(cacheFile);
                } catch (IOException ignored) {
                    // a temp file; the OS cleans it eventually
                }
            }
        }
    }

    /** What train.json records of any model's training set, before the model's own figures. */
    private Map<String, Object> trainInfo(int round, String model, long nTrain, long pseudo, FoldPlan plan,
                                          TrainingSet.PseudoHygiene hygiene, Dataset<Row> rows,
                                          Optional<GroupNormalization> norm) {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("model", model);
        info.put("n_train", nTrain);
        info.put("n_pseudo_used", pseudo);
        info.put("n_gold", (long) plan.goldCount());
        info.put("pseudo_hygiene", Json.object("accepted_by_previous_round", hygiene.accepted(),
                "dropped_not_in_unlabeled_split", hygiene.dropped()));
        info.put("folds", plan.grouped() ? "group-stratified" : "stratified");
        info.put("pseudo_budget", pseudoBudgetJson(round));
        info.put(TRAIN_PRIOR, trainPriorJson(rows));
        norm.ifPresent(n -> info.put(GROUP_NORM, Json.object("by", "group", "min_clips", (long) s.train().groupNormMinClips(),
                "groups", n.statistics().where(col("all_clips").equalTo(false)).select("group").distinct().count(),
                "statistics_from_round", (long) statisticsRound(round), "sums", statisticsSumsJson(round))));
        return info;
    }

    /** train.json key: present when the round's features were standardised per group (min_clips, groups). */
    static final String GROUP_NORM = "group_norm";

    /**
     * Round r's per-group statistics, computed over every clip of the features table and saved beside the round
     * ({@code mer.train.group-norm = group} and a manifest with at least one group); empty otherwise.
     */
    private Optional<GroupNormalization> groupNormalization(int round, boolean tokens) {
        if (!s.train().byGroup()) {
            return Optional.empty();
        }
        Dataset<Row> manifest = ctx.spark().read().parquet(ctx.layout().manifest());
        if (!ManifestColumns.hasGroup(manifest)
                || manifest.where(col(ManifestColumns.GROUP).isNotNull()).limit(1).count() == 0) {
            return Optional.empty();
        }
        long t0 = System.nanoTime();
        String inputs = statisticsInputs(tokens);
        Optional<String> previous = reusableStatistics(round, inputs);
        Dataset<Row> stats;
        String how;
        if (previous.isPresent()) {
            stats = ctx.spark().read().parquet(previous.get());
            how = "kept from round " + (round - 1) + " (features and groups unchanged)";
        } else {
            // the sums kept since the last pass, plus the clips that came and minus those that went
            GroupSumsLedger.Update update = new GroupSumsLedger(ctx.spark(), ctx.storage(), ctx.layout().features(),
                    ctx.layout().groupSums()).update(manifest.select(col("sample_id"), col(ManifestColumns.SPLIT),
                    col(ManifestColumns.GROUP)), s.extract().modalities(), tokens);
            stats = GroupNormalization.statisticsOf(update.sums());
            how = "from the group sums (" + update.toJson() + ")";
            ctx.storage().writeText(statisticsSumsFile(round), Json.write(update.toJson()));
        }
        // one row per group and modality: a small table, one file; the digest goes first and comes back last, so a
        // job stopped in between leaves statistics that no later round takes for another table's
        ctx.storage().delete(statisticsInputsFile(round));
        ctx.storage().commitParquet(stats.coalesce(1), ctx.layout().groupStats(round));
        ctx.storage().writeText(statisticsInputsFile(round), inputs);
        GroupNormalization norm = GroupNormalization.load(ctx.spark(), ctx.layout().groupStats(round),
                s.train().groupNormMinClips());
        LOG.info("round {}: per-group feature statistics ({} rows) {} in {} s", round, norm.statistics().count(), how,
                String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - t0) / 1e9));
        return Optional.of(norm);
    }

    /**
     * What a round's statistics are a function of: the features table's and the manifest's files, the modalities
     * and whether token statistics are taken.
     */
    private String statisticsInputs(boolean tokens) {
        return ctx.storage().fingerprint(ctx.layout().features(), ctx.layout().manifest()) + " modalities="
                + s.extract().modalities() + " tokens=" + tokens;
    }

    /** Round r−1's statistics when they were taken from the same inputs (the rounds of one night): no re-read. */
    private Optional<String> reusableStatistics(int round, String inputs) {
        if (round <= 1 || !ctx.storage().exists(statisticsInputsFile(round - 1))
                || !ctx.storage().exists(ctx.layout().groupStats(round - 1))) {
            return Optional.empty();
        }
        return inputs.equals(ctx.storage().readText(statisticsInputsFile(round - 1)))
                ? Optional.of(ctx.layout().groupStats(round - 1)) : Optional.empty();
    }

    /** The round whose pass over the features table made round r's statistics (r unless they were kept). */
    private int statisticsRound(int round) {
        String file = statisticsInputsFile(round);
        return reusableStatistics(round, ctx.storage().readText(file)).isPresent() ? statisticsRound(round - 1) : round;
    }

    private String statisticsInputsFile(int round) {
        return ctx.layout().round(round) + "/group-stats.inputs";
    }

    /** How the pass of round r brought the group sums up to date (mode, rows added and removed, files read). */
    private String statisticsSumsFile(int round) {
        return ctx.layout().round(round) + "/group-stats.sums.json";
    }

    private Object statisticsSumsJson(int round) {
        String file = statisticsSumsFile(statisticsRound(round));
        return ctx.storage().exists(file) ? Json.readMap(ctx.storage().readText(file)) : null;
    }

    /** The normalisation round r was trained with (train.json), applied to what it scores. */
    Optional<GroupNormalization> savedGroupNormalization(int round) {
        Object saved = trainInfo(round).get(GROUP_NORM);
        if (!(saved instanceof Map<?, ?> m)) {
            return Optional.empty();
        }
        return Optional.of(GroupNormalization.load(ctx.spark(), ctx.layout().groupStats(round),
                ((Number) m.get("min_clips")).intValue()));
    }

    /** Whether the gold out-of-fold WAF fell below the previous round's ({@code regressed}), when there is one. */
    private void putRegressed(Map<String, Object> info, int round, double cvWaf) {
        Double previous = previousCvWaf(round);
        if (previous != null) {
            info.put("previous_cv_waf", previous);
            info.put("regressed", cvWaf < previous);
        }
    }

    /** The pseudo-label budget of the round's training rows: how many were available, used and left out. */
    private Object pseudoBudgetJson(int round) {
        return TrainingSet.budgeted(ctx, round)
                .map(PseudoLabelBudget.Selection::toJson)
                .orElseGet(() -> Json.object("budget", s.train().pseudoBudget(), "available", 0L, "used", 0L));
    }

    /** The logistic-regression baseline on the pooled training rows, cross-validated on the same gold folds. */
    private Map<String, Object> trainLogReg(int round, Dataset<Row> rows, List<String> modalities, long pseudo,
                                            TrainingSet.PseudoHygiene hygiene, Optional<GroupNormalization> norm) {
        Column any = modalities.stream().map(m -> col(m).isNotNull()).reduce(Column::or).orElseThrow();
        Dataset<Row> kept = rows.where(any);
        FoldPlan plan = TrainingSet.foldPlan(kept, null);
        if (plan.gold().length == 0) {
            throw new IllegalStateException("round " + round + ": no training rows with features under " + ctx.layout().root());
        }
        int[] dims = pooledDims(kept, modalities);
        var lr = s.train().logreg();
        LogRegTrainer.Spec spec = new LogRegTrainer.Spec(modalities, dims, s.classes(), s.train().folds(),
                s.roundSeed(round), lr.regParams(), lr.elasticNetParams(), lr.maxIter());
        LogRegTrainer.Result result = new LogRegTrainer().train(kept, spec, plan);
        Map<String, Object> info = trainInfo(round, "logreg", plan.gold().length, pseudo, plan, hygiene, kept, norm);
        info.put("cv_waf", result.cvWaf());
        putRegressed(info, round, result.cvWaf());
        info.put("calibration", result.calibration().toJson());
        info.put("logreg", result.gridJson());
        ctx.storage().commitLocalDir(ctx.layout().model(round), dir -> {
            result.model().save(dir);
            // logreg.json names the classes and the temperature; its digest identifies the model like ensemble.json's
            info.put(ENSEMBLE_SHA256, Sha256.of(dir.resolve(LogRegModel.MANIFEST_FILE)));
            writeFile(dir.resolve(CONFIG_FILE), s.rendered() + "\n");
            writeFile(dir.resolve(TRAIN_INFO_FILE), Json.write(info));
            writeFile(dir.resolve(VALIDATION_CONFUSION_FILE),
                    Json.write(Json.object("classes", s.classes(), "matrix", result.oofConfusion())));
        });
        LOG.info("round {}: trained logreg on {} rows ({} pseudo-labels), out-of-fold gold WAF {}", round,
                plan.gold().length, pseudo, String.format("%.4f", result.cvWaf()));
        return info;
    }

    /** Width of each modality's pooled vector, from the first row that has it. */
    private static int[] pooledDims(Dataset<Row> rows, List<String> modalities) {
        int[] dims = new int[modalities.size()];
        for (int m = 0; m < dims.length; m++) {
            Row first = rows.where(col(modalities.get(m)).isNotNull())
                    .select(functions.size(col(modalities.get(m)))).limit(1).collectAsList().stream().findFirst()
                    .orElseThrow(() -> new IllegalStateException("no training row has features of a modality;"
                            + " remove it from mer.extract.modalities or check errors/stage=extract"));
            dims[m] = first.getInt(0);
        }
        return dims;
    }

    private static boolean anyPresent(FusionSample x, int modalities) {
        for (int m = 0; m < modalities; m++) {
            if (x.has(m)) {
                return true;
            }
        }
        return false;
    }

    /** Scores the unlabeled pool with the round's ensemble on the executors. */
    public long score(int round) {
        requireModelClasses(round);
        Optional<GroupNormalization> norm = savedGroupNormalization(round);
        // timed from the plan on: with adaptive execution, handing the pool's rows to the scorer runs the read and the
        // per-sample gather before the scores are written
        long t0 = System.nanoTime();
        Dataset<Row> pool = split(ManifestColumns.UNLABELED, norm.isPresent());
        Dataset<Row> scores = scorer(round, norm).score(pool);
        ctx.storage().commitParquet(scores, ctx.layout().scores(round));
        double seconds = (System.nanoTime() - t0) / 1e9;
        long n = ctx.spark().read().parquet(ctx.layout().scores(round)).count();
        // the pool's ledger while the pool is being read anyway: evaluate then reads only the labeled splits
        long poolRows = ctx.spark().read().parquet(ctx.layout().manifest())
                .where(col(ManifestColumns.SPLIT).equalTo(ManifestColumns.UNLABELED)).count();
        ctx.storage().writeText(poolFile(round), Json.write(Json.object("rows", poolRows, "usable", n)));
        LOG.info("round {}: scored {} unlabeled samples in {} s ({} rows/s)", round, n,
                String.format(java.util.Locale.ROOT, "%.1f", seconds),
                String.format(java.util.Locale.ROOT, "%.1f", n / Math.max(seconds, 1e-9)));
        return n;
    }

    /** Pseudo-label selection as a saved Spark ML pipeline over the round's scores. */
    public long select(int round) {
        requireModelClasses(round);
        SelectionSettings sel = selectionSettings(round);
        Dataset<Row> scores = ctx.spark().read().parquet(ctx.layout().scores(round));
        if (sel.topK().filter(t -> !t.groupCol().isEmpty()).isPresent()) {
            scores = withPoolGroups(scores);
        }
        PipelineModel model = PseudoLabelSelector.fit(sel, scores);
        Dataset<Row> chosen = model.transform(scores);
        // the collapse guard, first signal: members drifting apart on the pool since the previous round keeps
        // only the labels every member agrees on
        MemberDisagreement.Share disagreement = MemberDisagreement.poolShare(scores);
        MemberDisagreement.Share previousDisagreement = previousDisagreement(round);
        boolean rising = MemberDisagreement.rising(disagreement, previousDisagreement);
        long beforeAgreement = rising ? chosen.count() : -1;
        if (rising && s.select().collapseGuard()) {
            chosen = chosen.filter(MemberDisagreement.unanimous(col("member_probs"), col("pred")));
        }
        Dataset<Row> selected = chosen.select("sample_id", "label", "confidence", "weight", "strategy", "round");
        // second signal: the accepted mix against the gold train prior, rebalanced by quota when on
        SelectionHealth.Result health = SelectionHealth.check(selected, "label", s.classes(),
                goldTrainPrior().stream().mapToDouble(Double::doubleValue).toArray(), s.select().collapseGuard());
        Dataset<Row> accepted = health.kept();
        // FreeMatch's thresholds are state carried to the next round; it is written before the round's pseudo/
        // table is committed, so a committed pseudo/ always has its state beside it.
        Optional<FreeMatchState> state = PseudoLabelSelector.freeMatchState(model, scores);
        state.ifPresent(st -> ctx.storage().writeText(freeMatchStateFile(round), st.toJson()));
        Map<String, Object> selection = thresholdsUsed(sel, model, scores, state);
        Map<String, Object> healthJson = health.toJson(previousShares(round));
        healthJson.put("member_disagreement", disagreementJson(disagreement, previousDisagreement, rising,
                beforeAgreement, rising && s.select().collapseGuard() ? health.acceptedBefore() : null));
        if (rising) {
            healthJson.put("status", s.select().collapseGuard() ? "rebalanced" : "collapsed");
        }
        selection.put("health", healthJson);
        ctx.storage().writeText(selectionFile(round), Json.write(selection));
        // as many files as the selection's partitions: the table grows with the pool, so no single writer
        ctx.storage().commitParquet(accepted, ctx.layout().pseudo(round));
        ctx.storage().commit(ctx.layout().selector(round), tmp -> {
            try {
                model.write().save(tmp);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        long n = ctx.spark().read().parquet(ctx.layout().pseudo(round)).count();
        LOG.info("round {}: accepted {} pseudo-labels ({}), selection health {} {}", round, n, sel.strategyName(),
                health.status(), health.collapsedClasses());
        return n;
    }

    /** Scores the test split, writes predictions and metrics.json, then marks the round complete. */
    public MetricsReport evaluate(int round, Map<String, Object> extra) {
        requireModelClasses(round);
        Optional<GroupNormalization> norm = savedGroupNormalization(round);
        Dataset<Row> test = split(ManifestColumns.TEST, norm.isPresent());
        Dataset<Row> scored = scorer(round, norm).score(test.drop("label"))
                .join(test.select("sample_id", "label"), "sample_id")
                .cache();
        try {
            ClassificationMetrics m = ClassificationMetrics.fromConfusion(
                    ConfusionCounter.confusion(scored, "label", "pred", s.classes()));
            PriorEvaluation.Result prior = PriorEvaluation.run(ctx, scored, validationConfusion(round),
                    effectiveTrainPrior(round));
            // The voted label (after prior correction) is the round's final prediction.
            Column classNames = array(s.classes().stream().map(functions::lit).toArray(Column[]::new));
            Dataset<Row> predictions = prior.voted().select(col("sample_id"), col("label"),
                    element_at(classNames, col("voted_pred").plus(1)).as("pred"),
                    element_at(classNames, col("pred").plus(1)).as("uncorrected_pred"),
                    col("confidence"), col("probs"));
            ctx.storage().commitParquet(predictions, ctx.layout().predictions(round));
            return finishEvaluation(round, extra, m, prior);
        } finally {
            scored.unpersist();
        }
    }

    private MetricsReport finishEvaluation(int round, Map<String, Object> extra, ClassificationMetrics m,
                                           PriorEvaluation.Result prior) {
        long nTestManifest = ctx.spark().read().parquet(ctx.layout().manifest())
                .where(col(ManifestColumns.SPLIT).equalTo(ManifestColumns.TEST)).count();
        MetricsReport report = MetricsReport.of(round, m, s.classes())
                .with("n_test_unscored", nTestManifest - m.total())
                .with("samples", SampleLedger.of(ctx, poolCounts(round)))
                .with("prior_target", s.prior().target())
                .with("prior", prior.priorJson(s.classes()))
                .with("corrected", prior.correctedJson(s.classes()));
        for (Map.Entry<String, Object> e : extra.entrySet()) {
            report = report.with(e.getKey(), e.getValue());
        }
        Dataset<Row> truth = s.truth().isBlank() ? null : PseudoLabelAccuracy.readTruth(ctx.spark(), s.truth());
        String pseudoDir = ctx.layout().pseudo(round);
        if (ctx.storage().exists(pseudoDir)) {
            Dataset<Row> pseudo = ctx.spark().read().parquet(pseudoDir);
            if (ctx.storage().exists(selectionFile(round))) {
                report = report.with("selection", Json.readMap(ctx.storage().readText(selectionFile(round))));
            }
            report = report.with("n_pseudo", pseudo.count())
                    .with("accepted_per_class", PseudoLabelCounts.perClass(pseudo, "label", s.classes()));
            if (truth != null) {
                PseudoLabelAccuracy.Result acc = PseudoLabelAccuracy.of(pseudo, truth);
                report = report.with("pseudo_accuracy", acc.accuracy()).with("pseudo_matched", acc.matched());
            }
        }
        ClassificationMetrics pool = truth != null && ctx.storage().exists(ctx.layout().scores(round))
                ? PoolTruthMetrics.of(ctx.spark().read().parquet(ctx.layout().scores(round)), truth, s.classes())
                : null;
        if (pool != null && pool.total() > 0) {
            Map<String, Object> poolJson = new LinkedHashMap<>();
            poolJson.put("rows", pool.total());
            poolJson.put("waf", pool.waf());
            poolJson.put("accuracy", pool.accuracy());
            report = report.with("pool_truth", poolJson);
        }
        String json = report.toJson();
        ctx.storage().writeText(ctx.layout().metrics(round), json);
        ctx.storage().writeText(ctx.layout().success(round), "");
        LOG.info("round {}: test WAF {} accuracy {} on {} samples; after prior voting ({}) WAF {} accuracy {}", round,
                String.format("%.4f", m.waf()), String.format("%.4f", m.accuracy()), m.total(), s.prior().target(),
                String.format("%.4f", prior.corrected().waf()), String.format("%.4f", prior.corrected().accuracy()));
        return report;
    }

    /** train.json key: the class distribution the model was trained on, gold rows plus weighted pseudo-labels. */
    static final String TRAIN_PRIOR = "train_prior";

    /** The effective training prior recorded by {@link #train}, or null for a model saved before it was recorded. */
    private double[] effectiveTrainPrior(int round) {
        Object saved = trainInfo(round).get(TRAIN_PRIOR);
        if (!(saved instanceof Map<?, ?> m)) {
            return null;
        }
        return s.classes().stream().mapToDouble(c -> m.get(c) instanceof Number n ? n.doubleValue() : 0).toArray();
    }

    private Map<String, Double> trainPriorJson(Dataset<Row> rows) {
        double[] p = io.merspark.prior.Priors.fromWeightedLabels(rows, "label", "weight", s.classes());
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < p.length; i++) {
            m.put(s.classes().get(i), p[i]);
        }
        return m;
    }

    /** The ensemble's out-of-fold confusion when its model directory records one (needed by BBSE). */
    public long[][] validationConfusion(int round) {
        String file = ctx.layout().model(round) + "/" + VALIDATION_CONFUSION_FILE;
        if (!ctx.storage().exists(file)) {
            return null;
        }
        Map<String, Object> json = Json.readMap(ctx.storage().readText(file));
        @SuppressWarnings("unchecked")
        List<List<Number>> rows = (List<List<Number>>) json.get("matrix");
        long[][] out = new long[rows.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = rows.get(i).stream().mapToLong(Number::longValue).toArray();
        }
        return out;
    }

    private SelectionSettings selectionSettings(int round) {
        var sel = s.select();
        SelectionSettings base = switch (SelectionSettings.Strategy.parse(sel.strategy())) {
            case CLASSWISE -> SelectionSettings.classWise(s.classes(), s.classes().stream()
                    // classes without their own threshold fall back to the global one
                    .map(c -> sel.classThresholds().getOrDefault(c, sel.threshold())).toList());
            case FLEXMATCH -> SelectionSettings.flexMatch(s.classes(), sel.threshold());
            case FREEMATCH -> {
                SelectionSettings fm = SelectionSettings.freeMatch(s.classes()).withMomentum(sel.freeMatchMomentum());
                FreeMatchState previous = round > 1 && ctx.storage().exists(freeMatchStateFile(round - 1))
                        ? FreeMatchState.fromJson(ctx.storage().readText(freeMatchStateFile(round - 1))) : null;
                yield previous == null ? fm : fm.withPreviousState(previous);
            }
            // the pool share grows with the round, as each round re-selects from the whole pool
            case TOPK -> SelectionSettings.topK(s.classes(), new SelectionSettings.TopK(sel.floor(),
                    Math.min(1.0, sel.budget() * round), goldTrainPrior(),
                    sel.groupBalance() ? ManifestColumns.GROUP : ""));
            default -> SelectionSettings.fixed(s.classes(), sel.threshold());
        };
        if (sel.maxPerClass() > 0 || sel.balanceClasses()) {
            SelectionSettings.Quota q = sel.maxPerClass() > 0
                    ? SelectionSettings.Quota.top(sel.maxPerClass()) : SelectionSettings.Quota.balanced();
            if (sel.maxPerClass() > 0 && sel.balanceClasses()) {
                q = new SelectionSettings.Quota(q.maxPerClass(), true);
            }
            base = base.withQuota(q);
        }
        if (sel.requireAgreement()) {
            SelectionSettings.Agreement a = SelectionSettings.Agreement.unanimous();
            base = base.withAgreement(sel.maxSpread() >= 0 ? a.withMaxSpread(sel.maxSpread()) : a);
        }
        return base.withSoftWeighting(sel.softWeighting()).forRound(round);
    }

    /** The pool's member-disagreement share round r-1's selection recorded, when it has one. */
    private MemberDisagreement.Share previousDisagreement(int round) {
        if (round <= 1 || !ctx.storage().exists(selectionFile(round - 1))) {
            return null;
        }
        Object health = Json.readMap(ctx.storage().readText(selectionFile(round - 1))).get("health");
        return health instanceof Map<?, ?> h && h.get("member_disagreement") instanceof Map<?, ?> d
                && d.get("pool") instanceof Number share && d.get("pool_rows") instanceof Number rows
                ? new MemberDisagreement.Share(share.doubleValue(), rows.longValue()) : null;
    }

    private static Map<String, Object> disagreementJson(MemberDisagreement.Share pool,
                                                        MemberDisagreement.Share previous, boolean rising, long before,
                                                        Map<String, Long> afterAgreement) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("pool", pool == null ? null : pool.share());
        d.put("pool_rows", pool == null ? null : pool.rows());
        d.put("previous_pool", previous == null ? null : previous.share());
        d.put("max_rise_z", MemberDisagreement.MAX_RISE_Z);
        d.put("rising", rising);
        if (afterAgreement != null) {
            long kept = afterAgreement.values().stream().mapToLong(Long::longValue).sum();
            d.put("dropped_disagreeing", before - kept);
        }
        return d;
    }

    /**
     * The scores with each pool clip's manifest group ({@code mer.select.group-balance}); a manifest written before
     * groups existed gives every clip the null group, i.e. selection by confidence alone.
     */
    private Dataset<Row> withPoolGroups(Dataset<Row> scores) {
        Dataset<Row> manifest = ctx.spark().read().parquet(ctx.layout().manifest());
        Dataset<Row> groups = manifest.where(col(ManifestColumns.SPLIT).equalTo(ManifestColumns.UNLABELED))
                .select(col("sample_id"), ManifestColumns.groupOrNull(manifest).as(ManifestColumns.GROUP));
        return scores.join(groups, scores.col("sample_id").equalTo(groups.col("sample_id")), "left")
                .drop(groups.col("sample_id"));
    }

    /** The accepted class shares round r-1's selection recorded, when it has a health record. */
    @SuppressWarnings("unchecked")
    private Map<String, Double> previousShares(int round) {
        if (round <= 1 || !ctx.storage().exists(selectionFile(round - 1))) {
            return null;
        }
        Object health = Json.readMap(ctx.storage().readText(selectionFile(round - 1))).get("health");
        return health instanceof Map<?, ?> h && h.get("shares") instanceof Map<?, ?> shares
                ? (Map<String, Double>) shares : null;
    }

    /** Class shares of the manifest's gold train labels, aligned with {@code mer.classes}. */
    private List<Double> goldTrainPrior() {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (Row r : ctx.spark().read().parquet(ctx.layout().manifest())
                .where(col(ManifestColumns.SPLIT).equalTo(ManifestColumns.TRAIN))
                .groupBy("label").count().collectAsList()) {
            counts.put(r.getString(0), r.getLong(1));
        }
        double total = counts.values().stream().mapToLong(Long::longValue).sum();
        if (total == 0) {
            throw new IllegalStateException("mer.select.strategy topk: the manifest has no gold train rows for a prior");
        }
        return s.classes().stream().map(c -> counts.getOrDefault(c, 0L) / total).toList();
    }

    /** The thresholds each class faced in this round's selection, for the round report. */
    private Map<String, Object> thresholdsUsed(SelectionSettings sel, PipelineModel model, Dataset<Row> scores,
                                               Optional<FreeMatchState> freeMatch) {
        double[] perClass = null;
        Map<String, Object> topK = new LinkedHashMap<>();
        if (freeMatch.isPresent()) {
            perClass = freeMatch.get().localThresholds();
        } else {
            for (var stage : model.stages()) {
                if (stage instanceof io.merspark.select.FlexMatchThresholdFilter f) {
                    perClass = f.classThresholds(scores);
                } else if (stage instanceof io.merspark.select.ClassWiseThresholdFilter c) {
                    perClass = c.getThresholds();
                } else if (stage instanceof io.merspark.select.TopKPerClassFilter t) {
                    perClass = new double[s.classes().size()];
                    java.util.Arrays.fill(perClass, t.getFloor());
                    long[] k = t.quotas(scores.count());
                    Map<String, Long> quotas = new LinkedHashMap<>();
                    for (int i = 0; i < k.length; i++) {
                        quotas.put(s.classes().get(i), k[i]);
                    }
                    topK.put("budget", t.getBudget());
                    topK.put("by_group", t.isSet(t.groupCol()));
                    topK.put("quotas", quotas);
                } else if (stage instanceof io.merspark.select.ConfidenceFilter c) {
                    perClass = new double[s.classes().size()];
                    java.util.Arrays.fill(perClass, c.getThreshold());
                }
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("strategy", sel.strategyName());
        if (perClass != null) {
            Map<String, Double> byClass = new LinkedHashMap<>();
            for (int i = 0; i < perClass.length; i++) {
                byClass.put(s.classes().get(i), perClass[i]);
            }
            out.put("thresholds", byClass);
        }
        if (!topK.isEmpty()) {
            out.put("topk", topK);
        }
        return out;
    }

    private String selectionFile(int round) {
        return ctx.layout().round(round) + "/selection.json";
    }

    /** The unlabeled split's ledger written by the score stage: {@code rows} in the manifest, {@code usable} scored. */
    private String poolFile(int round) {
        return ctx.layout().round(round) + "/pool.json";
    }

    /** The score stage's pool counts, or null (a round scored before they were recorded) to count them again. */
    private Map<String, Long> poolCounts(int round) {
        if (!ctx.storage().exists(poolFile(round))) {
            return null;
        }
        Map<String, Object> json = Json.readMap(ctx.storage().readText(poolFile(round)));
        return Map.of("rows", ((Number) json.get("rows")).longValue(), "usable", ((Number) json.get("usable")).longValue());
    }

    private String freeMatchStateFile(int round) {
        return ctx.layout().round(round) + "/freematch_state.json";
    }

    /**
     * A split of the manifest joined with its features — pooled, plus tokens for the AGT (samples without
     * any feature are left out).
     */
    Dataset<Row> split(String split) {
        return split(split, Optional.empty());
    }

    /** As {@link #split(String)}, standardised per group as a round's model was trained ({@code norm}). */
    Dataset<Row> split(String split, Optional<GroupNormalization> norm) {
        Dataset<Row> rows = split(split, norm.isPresent());
        return norm.map(n -> n.apply(rows, GroupNormalization.ROW_GROUP, s.extract().modalities(), s.train().isAgt())
                .drop(GroupNormalization.ROW_GROUP)).orElse(rows);
    }

    /**
     * As {@link #split(String)}, with each clip's manifest group in {@link GroupNormalization#ROW_GROUP} when
     * {@code withGroups}: the features as extracted, for a scorer that standardises what it decodes.
     */
    Dataset<Row> split(String split, boolean withGroups) {
        Dataset<Row> manifest = ctx.spark().read().parquet(ctx.layout().manifest())
                .where(col(ManifestColumns.SPLIT).equalTo(split));
        Dataset<Row> ids = withGroups
                ? manifest.select(col("sample_id"), col("label"),
                        col(ManifestColumns.GROUP).as(GroupNormalization.ROW_GROUP))
                : manifest.select("sample_id", "label");
        List<String> modalities = s.extract().modalities();
        // the split's partition and ids filter the long table before the per-sample aggregation: a split costs its
        // own rows
        Dataset<Row> features = s.train().isAgt()
                ? TokenFeatures.wide(ctx.spark(), ctx.layout().features(), modalities, ids, List.of(split))
                : PooledFeatures.wide(ctx.spark(), ctx.layout().features(), modalities, ids, List.of(split));
        return ids.join(features, "sample_id");
    }

    /**
     * Scores with the kind of model the round was trained as (train.json), whatever the current config says, and
     * standardises its rows per group as the round trained ({@code norm}): rows carry their group then.
     */
    private PoolScorer scorer(int round, Optional<GroupNormalization> norm) {
        Object saved = trainInfo(round).get("model");
        String model = saved instanceof String m ? m : s.train().model();
        if ("logreg".equals(model)) {
            String dir = ctx.layout().model(round);
            return new LogRegScorer(LogRegModel.load(dir, ctx.storage().readText(dir + "/" + LogRegModel.MANIFEST_FILE)),
                    norm.map(n -> n.standardiser(s.extract().modalities())).orElse(null));
        }
        List<String> modalities = Settings.MODALITIES.contains(model) ? List.of(model) : s.extract().modalities();
        return new EnsembleScorer(ctx.layout().model(round), s.train().device(), modalities,
                s.train().batchSize() * 8, "agt".equals(model), norm.map(n -> n.standardiser(modalities)).orElse(null));
    }

    /** Feature width per modality (token width for the AGT), from the first rows that have it. */
    private static int[] inputDims(SampleSource source, List<String> modalities, boolean tokens) {
        int[] dims = new int[modalities.size()];
        for (int start = 0; start < source.size() && java.util.Arrays.stream(dims).anyMatch(d -> d == 0); start += 64) {
            int[] part = java.util.stream.IntStream.range(start, Math.min(source.size(), start + 64)).toArray();
            for (FusionSample x : source.read(part)) {
                for (int m = 0; m < dims.length; m++) {
                    if (dims[m] == 0 && x.has(m)) {
                        dims[m] = tokens ? x.tokens()[m][0].length : x.features()[m].length;
                    }
                }
            }
        }
        for (int m = 0; m < dims.length; m++) {
            if (dims[m] == 0) {
                throw new IllegalStateException("no training row has " + modalities.get(m)
                        + " features; remove it from mer.extract.modalities or check errors/stage=extract");
            }
        }
        return dims;
    }

    /**
     * Stops before any work when {@code mer.classes} is not the class list round {@code round}'s model was trained
     * with: probabilities, thresholds and labels are all indexed by that list, so a reordered, extended or renamed
     * one would silently mislabel everything. A round without a committed model has nothing to check.
     */
    public void requireModelClasses(int round) {
        String manifest = ctx.layout().model(round) + "/" + FusionEnsemble.MANIFEST_FILE;
        if (!ctx.storage().exists(manifest)) {
            manifest = ctx.layout().model(round) + "/" + LogRegModel.MANIFEST_FILE;
        }
        if (!ctx.storage().exists(manifest)) {
            return;
        }
        Object saved = Json.readMap(ctx.storage().readText(manifest)).get("classes");
        if (!s.classes().equals(saved)) {
            throw new SettingsException("mer.classes " + s.classes() + " disagrees with the classes " + saved
                    + " of the saved model " + ctx.layout().model(round) + "; use the class list it was trained with");
        }
    }

    /** Round r−1's gold out-of-fold WAF, when it has a model; a lower one in round r marks r regressed. */
    private Double previousCvWaf(int round) {
        if (round <= 1 || !ctx.storage().exists(ctx.layout().model(round - 1) + "/" + TRAIN_INFO_FILE)) {
            return null;
        }
        Object v = trainInfo(round - 1).get("cv_waf");
        return v instanceof Number n ? n.doubleValue() : null;
    }

    /** What {@link #train} recorded next to the model, so a resumed round reports the same counts. */
    public Map<String, Object> trainInfo(int round) {
        return Json.readMap(ctx.storage().readText(ctx.layout().model(round) + "/" + TRAIN_INFO_FILE));
    }

    private static void writeFile(java.nio.file.Path file, String text) {
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

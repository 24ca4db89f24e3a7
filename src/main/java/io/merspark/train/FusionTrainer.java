package io.merspark.train;

import ai.djl.Device;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Trains a fusion model (the attention baseline or the {@link AudioGuidedTransformer}) as a stratified
 * k-fold ensemble on the driver: fold k's member is trained on the other folds and early-stopped on fold k.
 *
 * <p>Only gold rows are dealt to folds ({@link FoldPlan}); pseudo-labelled rows train every member and never
 * validate, so early stopping and the mean validation WAF are out-of-fold figures on gold labels.
 *
 * <p>Deterministic on CPU: fold assignment, shuffling, modality dropout, initialisation and dropout all
 * derive from {@link TrainSpec#seed()}. The engine's random generator is process-wide, so two trainings
 * must not run concurrently in one JVM if they are to be reproducible.
 */
public final class FusionTrainer {

    private static final Logger LOG = LoggerFactory.getLogger(FusionTrainer.class);

    /**
     * @param samples labelled rows (label in [0, numClasses), weight finite and >= 0, at least one modality)
     * @return an ensemble of {@code spec.members()} (folds × repeats) members; the caller closes it
     */
    public FusionEnsemble train(List<FusionSample> samples, TrainSpec spec) {
        return train(SampleSource.of(samples), spec);
    }

    /** As {@link #train(List, TrainSpec)}, reading the rows a mini-batch at a time from {@code source}. */
    public FusionEnsemble train(SampleSource source, TrainSpec spec) {
        return train(source, spec, FoldPlan.allGold(source.size()));
    }

    /** As {@link #train(SampleSource, TrainSpec)}, with only the plan's gold rows validating, grouped by its groups. */
    public FusionEnsemble train(SampleSource source, TrainSpec spec, FoldPlan plan) {
        return train(source, spec, plan, FoldRunner.local());
    }

    /** As {@link #train(SampleSource, TrainSpec, FoldPlan)}, the members trained where {@code runner} puts them. */
    public FusionEnsemble train(SampleSource source, TrainSpec spec, FoldPlan plan, FoldRunner runner) {
        return train(source, spec, plan, runner, null);
    }

    /**
     * As above, member j starting from {@code inits.get(j)} (warm start) instead of fresh parameters. The caller
     * guarantees that member j's validation rows are those of the member its init came from (same gold rows, seed,
     * folds and repeats), so no member starts from parameters that saw its own validation labels.
     *
     * @param inits null for fresh members, else one per member ({@link TrainSpec#members()}), in job order
     */
    public FusionEnsemble train(SampleSource source, TrainSpec spec, FoldPlan plan, FoldRunner runner,
                                List<MemberInit> inits) {
        spec.validate();
        if (inits != null && inits.size() != spec.members()) {
            throw new IllegalArgumentException("warm start has " + inits.size() + " members, the spec " + spec.members());
        }
        check(source, spec);
        if (plan.gold().length != source.size()) {
            throw new IllegalArgumentException("fold plan has " + plan.gold().length + " rows, source " + source.size());
        }
        if (plan.goldCount() < spec.folds()) {
            throw new IllegalArgumentException("need at least folds (" + spec.folds() + ") gold rows, got " + plan.goldCount());
        }
        Device device = FusionDevices.resolve(spec.device());
        List<FoldJob> jobs = jobs(source, spec, plan);
        if (inits != null) {
            for (int j = 0; j < jobs.size(); j++) {
                jobs.set(j, jobs.get(j).startingFrom(inits.get(j)));
            }
        }
        LOG.info("training {} {} folds{} on {} rows ({} gold, {}), device {}{}", spec.folds(), spec.model(),
                spec.repeats() > 1 ? " x " + spec.repeats() + " repeats" : "", source.size(),
                plan.goldCount(), plan.grouped() ? "group folds" : "stratified folds", device,
                inits != null ? ", each member continuing its predecessor" : "");
        List<FoldResult> results = runner.run(spec, source, jobs);

        List<EnsembleMember> members = new ArrayList<>(jobs.size());
        float[][] oofSum = new float[source.size()][];
        int[] oofCount = new int[source.size()];
        try {
            for (int k = 0; k < jobs.size(); k++) {
                FoldResult result = results.get(k);
                if (result.metrics().fold() != jobs.get(k).fold()) {
                    throw new IllegalStateException("fold " + jobs.get(k).fold() + " came back as fold " + result.metrics().fold());
                }
                int[] validation = jobs.get(k).validation();
                requireFinite(result);
                members.add(EnsembleMember.create(spec, device, result.scaler(), result.metrics(), result.params()));
                for (int i = 0; i < validation.length; i++) {
                    float[] logits = result.validationLogits()[i];
                    int row = validation[i];
                    if (oofSum[row] == null) {
                        oofSum[row] = new float[logits.length];
                    }
                    for (int c = 0; c < logits.length; c++) {
                        oofSum[row][c] += logits[c];
                    }
                    oofCount[row]++;
                }
            }
        } catch (RuntimeException e) {
            members.forEach(EnsembleMember::close);
            throw e;
        }
        // Each gold row's logits come from the members that did not train on it (one per repeat, averaged as the
        // ensemble averages its members): an honest calibration set.
        List<float[]> oofLogits = new ArrayList<>();
        List<Integer> oofLabels = new ArrayList<>();
        for (int row = 0; row < oofSum.length; row++) {
            if (oofCount[row] > 0) {
                float[] mean = oofSum[row];
                for (int c = 0; c < mean.length; c++) {
                    mean[c] /= oofCount[row];
                }
                oofLogits.add(mean);
                oofLabels.add(source.label(row));
            }
        }
        TemperatureScaling.Fit calibration = TemperatureScaling.fit(oofLogits.toArray(float[][]::new),
                oofLabels.stream().mapToInt(Integer::intValue).toArray());
        FusionEnsemble ensemble = new FusionEnsemble(spec, members, calibration.temperature(), calibration);
        LOG.info("ensemble trained: mean validation WAF {}, temperature {} (out-of-fold ECE {} -> {})",
                String.format(Locale.ROOT, "%.4f", ensemble.meanValidationWaf()),
                String.format(Locale.ROOT, "%.4f", calibration.temperature()),
                String.format(Locale.ROOT, "%.4f", calibration.eceBefore()),
                String.format(Locale.ROOT, "%.4f", calibration.eceAfter()));
        return ensemble;
    }

    /**
     * The training jobs: for each repeat r, the gold rows dealt into k folds in that repeat's seeded order (repeat 0
     * uses the spec's seed, so one repeat is the plain k-fold), fold f of repeat r being job {@code r·k + f}.
     */
    static List<FoldJob> jobs(SampleSource source, TrainSpec spec, FoldPlan plan) {
        int[] labels = java.util.stream.IntStream.range(0, source.size()).map(source::label).toArray();
        List<FoldJob> jobs = new ArrayList<>(spec.members());
        for (int r = 0; r < spec.repeats(); r++) {
            int[] foldOf = folds(labels, plan, spec.numClasses(), spec.folds(), repeatSeed(spec.seed(), r));
            for (int f = 0; f < spec.folds(); f++) {
                int fold = f;
                jobs.add(new FoldJob(r * spec.folds() + f,
                        java.util.stream.IntStream.range(0, foldOf.length).filter(i -> foldOf[i] != fold).toArray(),
                        java.util.stream.IntStream.range(0, foldOf.length).filter(i -> foldOf[i] == fold).toArray()));
            }
        }
        return jobs;
    }

    /** The fold-assignment seed of repeat {@code r}; repeat 0 keeps the run's seed. */
    static long repeatSeed(long seed, int r) {
        return r == 0 ? seed : seed ^ (0x9E3779B97F4A7C15L * r);
    }

    /** A member whose validation logits are not all finite would score NaN probabilities: refuse the ensemble. */
    static void requireFinite(FoldResult result) {
        Float bad = firstNonFinite(result);
        if (bad != null) {
            throw new IllegalStateException("fold " + result.metrics().fold() + " produced a non-finite validation logit ("
                    + bad + ") in each of " + FiniteFoldRetry.ATTEMPTS + " trainings; the ensemble is not saved");
        }
    }

    /** Whether every kept validation logit of the fold is finite. */
    static boolean finite(FoldResult result) {
        return firstNonFinite(result) == null;
    }

    private static Float firstNonFinite(FoldResult result) {
        for (float[] row : result.validationLogits()) {
            for (float v : row) {
                if (!Float.isFinite(v)) {
                    return v;
                }
            }
        }
        return null;
    }

    /**
     * Fold per row: gold rows dealt by (group-)stratified k-fold, every other row −1 (in no validation fold,
     * so in every fold's training rows). With every row gold and no groups this is the plain stratified split.
     */
    static int[] folds(SampleSource source, TrainSpec spec, FoldPlan plan) {
        int[] labels = java.util.stream.IntStream.range(0, source.size()).map(source::label).toArray();
        return folds(labels, plan, spec.numClasses(), spec.folds(), spec.seed());
    }

    /** As above over a label per row (any model's training rows: the logistic regression uses the same folds). */
    public static int[] folds(int[] rowLabels, FoldPlan plan, int numClasses, int folds, long seed) {
        int[] goldRows = java.util.stream.IntStream.range(0, rowLabels.length).filter(i -> plan.gold()[i]).toArray();
        int[] labels = java.util.Arrays.stream(goldRows).map(i -> rowLabels[i]).toArray();
        int[] goldFold;
        if (plan.grouped()) {
            String[] groups = java.util.Arrays.stream(goldRows).mapToObj(i -> plan.groups()[i]).toArray(String[]::new);
            goldFold = StratifiedFolds.assignGrouped(labels, groups, numClasses, folds, seed);
        } else {
            goldFold = StratifiedFolds.assign(labels, numClasses, folds, seed);
        }
        int[] foldOf = new int[rowLabels.length];
        java.util.Arrays.fill(foldOf, -1);
        for (int k = 0; k < goldRows.length; k++) {
            foldOf[goldRows[k]] = goldFold[k];
        }
        return foldOf;
    }

    /**
     * Sets the PyTorch engine's intra-op threads for this JVM. The fusion models are small: with several
     * threads on cores shared with Spark tasks, OpenMP's spinning workers made an epoch ~10x slower here.
     */
    public static void useThreads(int threads) {
        FusionDevices.engine();
        ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
    }

    /**
     * Trains one fresh model on every row of {@code source} for {@code warmup + epochs} epochs (no folds, no
     * validation) and returns the wall-clock seconds of each epoch: the training benchmark's measure. The
     * epochs after the warm-up are also timed by phase into {@code phases}.
     */
    public double[] epochSeconds(SampleSource source, TrainSpec spec, int warmup, int epochs, EpochPhases phases) {
        spec.validate();
        check(source, spec);
        int[] rows = java.util.stream.IntStream.range(0, source.size()).toArray();
        return new FoldTrainer(spec, FusionDevices.resolve(spec.device())).timeEpochs(source, rows, warmup, epochs, phases);
    }

    private static void check(SampleSource source, TrainSpec spec) {
        if (source.size() < spec.folds()) {
            throw new IllegalArgumentException("need at least folds (" + spec.folds() + ") samples, got " + source.size());
        }
        for (int start = 0; start < source.size(); start += EnsembleMember.CHUNK) {
            int[] part = java.util.stream.IntStream.range(start, Math.min(source.size(), start + EnsembleMember.CHUNK)).toArray();
            for (FusionSample s : source.read(part)) {
                check(s, spec);
            }
        }
    }

    private static void check(FusionSample s, TrainSpec spec) {
        FusionModels.check(s, spec, "sample " + s.sampleId());
        if (s.label() < 0 || s.label() >= spec.numClasses()) {
            throw new IllegalArgumentException("sample " + s.sampleId() + ": label " + s.label()
                    + " outside [0, " + spec.numClasses() + ")");
        }
        if (!(s.weight() >= 0) || Float.isInfinite(s.weight())) {
            throw new IllegalArgumentException("sample " + s.sampleId() + ": weight must be finite and >= 0, was "
                    + s.weight());
        }
        boolean any = false;
        for (int m = 0; m < spec.numModalities(); m++) {
            any |= s.has(m);
        }
        if (!any) {
            throw new IllegalArgumentException("sample " + s.sampleId() + ": no modality present");
        }
    }
}

package io.merspark.train;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Adam;
import ai.djl.training.tracker.Tracker;
import io.merspark.evaluate.ClassificationMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Trains one fusion block (baseline or AGT; fresh, or continuing an earlier member) on a fold's training rows,
 * early-stopping on the fold's validation WAF or cross-entropy ({@link TrainSpec#stopOn()}) and keeping the
 * parameters of the best epoch. Rows are read from the {@link SampleSource} one mini-batch at a time, so only a
 * batch of features is in memory at once.
 */
final class FoldTrainer {

    private static final Logger LOG = LoggerFactory.getLogger(FoldTrainer.class);
    /** Least time between two progress lines at info. */
    private static final long PROGRESS_NANOS = 30_000_000_000L;

    private final TrainSpec spec;
    private final Device device;

    FoldTrainer(TrainSpec spec, Device device) {
        this.spec = spec;
        this.device = device;
    }

    FoldResult train(FoldJob job, SampleSource source) {
        return train(job.fold(), source, job.train(), job.validation(), job.init());
    }

    FoldResult train(int fold, SampleSource source, int[] train, int[] validation) {
        return train(fold, source, train, validation, null);
    }

    /**
     * @param init null for fresh parameters; else the member starts from these parameters and keeps their feature
     *             standardisation, so the inputs it learned on mean the same
     */
    FoldResult train(int fold, SampleSource source, int[] train, int[] validation, MemberInit init) {
        TrainingReproducibility.checkProcess();
        long foldSeed = spec.seed() * 1_000_003L + fold;
        FeatureScaler scaler = init != null ? init.scaler() : fitScaler(source, train);
        float[] classWeights = classWeights(source, train);
        // Initialisation and dropout draw from the engine's generator: reseed it per fold so a fold's
        // result does not depend on which folds ran before it.
        FusionDevices.engine().setRandomSeed((int) (foldSeed ^ (foldSeed >>> 32)));
        Random shuffler = new Random(foldSeed);
        ModalityDropout modalityDropout = new ModalityDropout(spec.modalityDropout(), foldSeed + 1);
        try (Model model = Model.newInstance(spec.model() + "-fold-" + fold, device, FusionDevices.ENGINE)) {
            model.setBlock(FusionModels.block(spec));
            if (init != null) {
                // loaded parameters count as initialised: the trainer's initialize keeps them and marks them for
                // gradients
                load(model, init.params(), fold);
            }
            try (Trainer trainer = model.newTrainer(trainingConfig())) {
                trainer.initialize(FusionModels.inputShapes(spec));
                return run(fold, trainer, model, scaler, classWeights, shuffler, modalityDropout, source, train, validation);
            }
        }
    }

    /**
     * Trains on all {@code rows} for {@code warmup + epochs} epochs without validation; wall seconds per epoch.
     * The epochs after the warm-up are also timed by phase into {@code phases}.
     */
    double[] timeEpochs(SampleSource source, int[] rows, int warmup, int epochs, EpochPhases phases) {
        FeatureScaler scaler = fitScaler(source, rows);
        float[] classWeights = classWeights(source, rows);
        FusionDevices.engine().setRandomSeed((int) spec.seed());
        Random shuffler = new Random(spec.seed());
        ModalityDropout modalityDropout = new ModalityDropout(spec.modalityDropout(), spec.seed() + 1);
        double[] seconds = new double[warmup + epochs];
        try (Model model = Model.newInstance(spec.model() + "-timing", device, FusionDevices.ENGINE)) {
            model.setBlock(FusionModels.block(spec));
            try (Trainer trainer = model.newTrainer(trainingConfig())) {
                trainer.initialize(FusionModels.inputShapes(spec));
                int[] order = rows.clone();
                for (int e = 0; e < seconds.length; e++) {
                    long t0 = System.nanoTime();
                    shuffle(order, shuffler);
                    trainEpoch(trainer, scaler, classWeights, modalityDropout, source, order,
                            e < warmup ? EpochPhases.UNTIMED : phases);
                    seconds[e] = (System.nanoTime() - t0) / 1e9;
                }
            }
        }
        return seconds;
    }

    private DefaultTrainingConfig trainingConfig() {
        return new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(Adam.builder()
                        .optLearningRateTracker(Tracker.fixed((float) spec.learningRate()))
                        .optWeightDecays((float) spec.weightDecay())
                        .build())
                .optDevices(new Device[] {device});
    }

    private FeatureScaler fitScaler(SampleSource source, int[] rows) {
        FeatureScaler.Accumulator acc = new FeatureScaler.Accumulator(spec.inputDims());
        for (int start = 0; start < rows.length; start += EnsembleMember.CHUNK) {
            int[] part = Arrays.copyOfRange(rows, start, Math.min(rows.length, start + EnsembleMember.CHUNK));
            for (FusionSample s : source.read(part)) {
                FusionModels.accumulate(acc, s, spec);
            }
        }
        return acc.build();
    }

    /** 1 per class, or n / (classes present · n_c) when the loss is class-weighted (0 for absent classes). */
    private float[] classWeights(SampleSource source, int[] rows) {
        float[] w = new float[spec.numClasses()];
        Arrays.fill(w, 1f);
        if (!spec.classWeighted()) {
            return w;
        }
        long[] counts = new long[w.length];
        for (int r : rows) {
            counts[source.label(r)]++;
        }
        long present = Arrays.stream(counts).filter(c -> c > 0).count();
        for (int c = 0; c < w.length; c++) {
            w[c] = counts[c] == 0 ? 0f : (float) ((double) rows.length / (present * counts[c]));
        }
        return w;
    }

    private FoldResult run(int fold, Trainer trainer, Model model, FeatureScaler scaler, float[] classWeights,
                           Random shuffler, ModalityDropout modalityDropout, SampleSource source,
                           int[] train, int[] validation) {
        int[] order = train.clone();
        EarlyStopping stopping = new EarlyStopping(spec.stopOn(), spec.patience(), spec.maxEpochs());
        int[] validationLabels = labels(source, validation);
        double bestWaf = Double.NEGATIVE_INFINITY;
        double bestAccuracy = 0;
        long[][] bestConfusion = null;
        float[][] bestLogits = null;
        byte[] bestParams = null;
        long foldStart = System.nanoTime();
        long lastProgress = foldStart;
        while (!stopping.done()) {
            long t0 = System.nanoTime();
            shuffle(order, shuffler);
            double loss = trainEpoch(trainer, scaler, classWeights, modalityDropout, source, order, EpochPhases.UNTIMED);
            float[][] logits = validationLogits(trainer, scaler, source, validation);
            ClassificationMetrics val = metrics(logits, validationLabels);
            double valLoss = crossEntropy(logits, validationLabels);
            double seconds = (System.nanoTime() - t0) / 1e9;
            int epoch = stopping.epochs();
            boolean better = stopping.offer(val.waf(), valLoss);
            double perEpoch = (System.nanoTime() - foldStart) / 1e9 / stopping.epochs();
            // every epoch at debug; at info at most every PROGRESS_NANOS, so a long fold shows progress without
            // filling a short one's log
            boolean progress = System.nanoTime() - lastProgress >= PROGRESS_NANOS;
            if (progress) {
                lastProgress = System.nanoTime();
            }
            LOG.atLevel(progress ? org.slf4j.event.Level.INFO : org.slf4j.event.Level.DEBUG).log(
                    "fold {} epoch {}: train loss {} val (gold) WAF {} acc {} loss {} ({} s, {} rows/s, fold ETA <= {} s)",
                    fold, epoch, fmt(loss), fmt(val.waf()), fmt(val.accuracy()), fmt(valLoss), fmt(seconds),
                    String.format(Locale.ROOT, "%.1f", order.length / seconds),
                    String.format(Locale.ROOT, "%.0f", stopping.epochsLeft() * perEpoch));
            if (better) {
                bestWaf = val.waf();
                bestAccuracy = val.accuracy();
                bestConfusion = val.confusion();
                bestLogits = logits;
                bestParams = snapshot(model);
            }
        }
        int bestEpoch = stopping.bestEpoch();
        int epoch = stopping.epochs();
        FoldMetrics metrics = new FoldMetrics(fold, bestWaf, bestAccuracy, bestEpoch, epoch, train.length,
                validation.length, bestConfusion);
        LOG.info("fold {} done: best epoch {} of {}, val WAF {} acc {}", fold, bestEpoch, epoch,
                fmt(bestWaf), fmt(bestAccuracy));
        return new FoldResult(scaler, bestParams, metrics, bestLogits);
    }

    /** One pass over the shuffled rows; returns the batch-size-weighted mean loss. */
    private double trainEpoch(Trainer trainer, FeatureScaler scaler, float[] classWeights,
                              ModalityDropout modalityDropout, SampleSource source, int[] order,
                              EpochPhases phases) {
        double lossSum = 0;
        int numClasses = spec.numClasses();
        int modalities = spec.numModalities();
        for (int start = 0; start < order.length; start += spec.batchSize()) {
            int end = Math.min(order.length, start + spec.batchSize());
            int batch = end - start;
            phases.start();
            List<FusionSample> rows = source.read(Arrays.copyOfRange(order, start, end)).stream()
                    .map(s -> modalityDropout.apply(s, modalities))
                    .toList();
            float[] oneHot = targets(rows.stream().mapToInt(FusionSample::label).toArray(), numClasses,
                    spec.labelSmoothing());
            float[] weights = new float[batch];
            double weightSum = 0;
            for (int b = 0; b < batch; b++) {
                FusionSample s = rows.get(b);
                weights[b] = s.weight() * classWeights[s.label()];
                weightSum += weights[b];
            }
            if (weightSum == 0) {
                // Nothing to learn from; stepping would only let weight decay and Adam's momentum move the
                // parameters (and DJL rejects an all-zero gradient on the first step).
                continue;
            }
            phases.mark(EpochPhases.Phase.READ);
            try (NDManager batchManager = trainer.getManager().newSubManager()) {
                NDList inputs = InputNoise.add(FusionModels.encode(batchManager, rows, scaler, spec),
                        spec.inputNoise(), spec.isAgt());
                NDArray targets = batchManager.create(oneHot, new Shape(batch, numClasses));
                NDArray sampleWeights = batchManager.create(weights);
                phases.mark(EpochPhases.Phase.ENCODE);
                try (GradientCollector collector = trainer.newGradientCollector()) {
                    NDArray logits = trainer.forward(inputs).singletonOrThrow();
                    NDArray loss = WeightedCrossEntropy.loss(logits, targets, sampleWeights);
                    phases.mark(EpochPhases.Phase.FORWARD);
                    collector.backward(loss);
                    lossSum += loss.getFloat() * batch;
                    phases.mark(EpochPhases.Phase.BACKWARD);
                }
                trainer.step();
                phases.mark(EpochPhases.Phase.STEP);
            }
        }
        return lossSum / order.length;
    }

    /**
     * Row-major (rows, classes) training targets: one-hot, or with label smoothing ε, 1 − ε + ε/C on the label and
     * ε/C on every other class (each row still sums to 1).
     */
    static float[] targets(int[] labels, int numClasses, double smoothing) {
        float[] out = new float[labels.length * numClasses];
        float off = (float) (smoothing / numClasses);
        float on = (float) (1 - smoothing + smoothing / numClasses);
        Arrays.fill(out, off);
        for (int b = 0; b < labels.length; b++) {
            out[b * numClasses + labels[b]] = on;
        }
        return out;
    }

    /** (validation rows, classes) logits of the model in its current state. */
    private float[][] validationLogits(Trainer trainer, FeatureScaler scaler, SampleSource source, int[] validation) {
        float[][] out = new float[validation.length][];
        for (int start = 0; start < validation.length; start += EnsembleMember.CHUNK) {
            int end = Math.min(validation.length, start + EnsembleMember.CHUNK);
            List<FusionSample> part = source.read(Arrays.copyOfRange(validation, start, end));
            try (NDManager evalManager = trainer.getManager().newSubManager()) {
                NDList inputs = FusionModels.encode(evalManager, part, scaler, spec);
                float[][] logits = FusionTranslator.toRows(trainer.evaluate(inputs).singletonOrThrow());
                System.arraycopy(logits, 0, out, start, logits.length);
            }
        }
        return out;
    }

    private ClassificationMetrics metrics(float[][] logits, int[] labels) {
        int[] pred = new int[labels.length];
        for (int i = 0; i < labels.length; i++) {
            pred[i] = argmax(logits[i]);
        }
        return ClassificationMetrics.fromLabels(labels, pred, spec.numClasses());
    }

    /** The rows' labels, in the rows' order. */
    static int[] labels(SampleSource source, int[] rows) {
        int[] labels = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            labels[i] = source.label(rows[i]);
        }
        return labels;
    }

    /** Mean cross-entropy of the labels under softmax(logits), unweighted (gold rows); 0 for no rows. */
    static double crossEntropy(float[][] logits, int[] labels) {
        return labels.length == 0 ? 0 : TemperatureScaling.nll(logits, labels, 1);
    }

    /** Fisher–Yates with the fold's generator (the same sequence as {@code Collections.shuffle}). */
    private static void shuffle(int[] order, Random random) {
        for (int i = order.length; i > 1; i--) {
            int j = random.nextInt(i);
            int t = order[i - 1];
            order[i - 1] = order[j];
            order[j] = t;
        }
    }

    private static byte[] snapshot(Model model) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            model.getBlock().saveParameters(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static void load(Model model, byte[] params, int fold) {
        try {
            FusionModels.loadParameters(model, params);
        } catch (IOException | ai.djl.MalformedModelException e) {
            throw new IllegalStateException("fold " + fold + ": cannot load the parameters it starts from", e);
        }
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    static int argmax(float[] v) {
        return ClassificationMetrics.argmax(v);
    }
}

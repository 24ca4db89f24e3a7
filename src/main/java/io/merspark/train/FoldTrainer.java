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
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Trains one fresh {@link AttentionFusionBlock} on a fold's training rows, early-stopping on the fold's
 * validation WAF and keeping the parameters of the best epoch.
 */
final class FoldTrainer {

    private static final Logger LOG = LoggerFactory.getLogger(FoldTrainer.class);

    /** What a fold leaves behind: its scaler, its best parameters, and how good they were. */
    record FoldResult(FeatureScaler scaler, byte[] params, FoldMetrics metrics) {
    }

    private final TrainSpec spec;
    private final Device device;
    private final int[] dims;

    FoldTrainer(TrainSpec spec, Device device) {
        this.spec = spec;
        this.device = device;
        this.dims = spec.inputDims();
    }

    FoldResult train(int fold, List<FusionSample> train, List<FusionSample> validation) {
        FeatureScaler scaler = FeatureScaler.fit(train.stream().map(FusionSample::features).toList(), dims);
        long foldSeed = spec.seed() * 1_000_003L + fold;
        // Initialisation and dropout draw from the engine's generator: reseed it per fold so a fold's
        // result does not depend on which folds ran before it.
        FusionDevices.engine().setRandomSeed((int) (foldSeed ^ (foldSeed >>> 32)));
        Random shuffler = new Random(foldSeed);

        DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(Adam.builder()
                        .optLearningRateTracker(Tracker.fixed((float) spec.learningRate()))
                        .optWeightDecays((float) spec.weightDecay())
                        .build())
                .optDevices(new Device[] {device});

        try (Model model = Model.newInstance("attention-fusion-fold-" + fold, device, FusionDevices.ENGINE)) {
            model.setBlock(new AttentionFusionBlock(spec));
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(AttentionFusionBlock.inputShapes(spec));
                return run(fold, trainer, model, scaler, shuffler, train, validation);
            }
        }
    }

    private FoldResult run(int fold, Trainer trainer, Model model, FeatureScaler scaler, Random shuffler,
                           List<FusionSample> train, List<FusionSample> validation) {
        List<Integer> order = new ArrayList<>(train.size());
        for (int i = 0; i < train.size(); i++) {
            order.add(i);
        }
        double bestWaf = Double.NEGATIVE_INFINITY;
        double bestAccuracy = 0;
        int bestEpoch = -1;
        byte[] bestParams = null;
        int epoch = 0;
        int sinceBest = 0;
        while (epoch < spec.maxEpochs() && sinceBest < spec.patience()) {
            Collections.shuffle(order, shuffler);
            double loss = trainEpoch(trainer, scaler, train, order);
            ClassificationMetrics val = evaluate(trainer, scaler, validation);
            LOG.info("fold {} epoch {}: train loss {} val WAF {} acc {}", fold, epoch,
                    fmt(loss), fmt(val.waf()), fmt(val.accuracy()));
            if (val.waf() > bestWaf) {
                bestWaf = val.waf();
                bestAccuracy = val.accuracy();
                bestEpoch = epoch;
                bestParams = snapshot(model);
                sinceBest = 0;
            } else {
                sinceBest++;
            }
            epoch++;
        }
        FoldMetrics metrics = new FoldMetrics(fold, bestWaf, bestAccuracy, bestEpoch, epoch, train.size(),
                validation.size());
        LOG.info("fold {} done: best epoch {} of {}, val WAF {} acc {}", fold, bestEpoch, epoch,
                fmt(bestWaf), fmt(bestAccuracy));
        return new FoldResult(scaler, bestParams, metrics);
    }

    /** One pass over the shuffled rows; returns the batch-size-weighted mean loss. */
    private double trainEpoch(Trainer trainer, FeatureScaler scaler, List<FusionSample> train, List<Integer> order) {
        double lossSum = 0;
        int numClasses = spec.numClasses();
        for (int start = 0; start < order.size(); start += spec.batchSize()) {
            int end = Math.min(order.size(), start + spec.batchSize());
            int batch = end - start;
            List<float[][]> rows = new ArrayList<>(batch);
            float[] oneHot = new float[batch * numClasses];
            float[] weights = new float[batch];
            double weightSum = 0;
            for (int b = 0; b < batch; b++) {
                FusionSample s = train.get(order.get(start + b));
                rows.add(s.features());
                oneHot[b * numClasses + s.label()] = 1f;
                weights[b] = s.weight();
                weightSum += s.weight();
            }
            if (weightSum == 0) {
                // Nothing to learn from; stepping would only let weight decay and Adam's momentum move the
                // parameters (and DJL rejects an all-zero gradient on the first step).
                continue;
            }
            try (NDManager batchManager = trainer.getManager().newSubManager()) {
                NDList inputs = FusionInputs.encode(batchManager, rows, scaler, dims);
                NDArray targets = batchManager.create(oneHot, new Shape(batch, numClasses));
                NDArray sampleWeights = batchManager.create(weights);
                try (GradientCollector collector = trainer.newGradientCollector()) {
                    NDArray logits = trainer.forward(inputs).singletonOrThrow();
                    NDArray loss = WeightedCrossEntropy.loss(logits, targets, sampleWeights);
                    collector.backward(loss);
                    lossSum += loss.getFloat() * batch;
                }
                trainer.step();
            }
        }
        return lossSum / order.size();
    }

    private ClassificationMetrics evaluate(Trainer trainer, FeatureScaler scaler, List<FusionSample> validation) {
        int[] truth = new int[validation.size()];
        int[] pred = new int[validation.size()];
        for (int start = 0; start < validation.size(); start += EnsembleMember.CHUNK) {
            int end = Math.min(validation.size(), start + EnsembleMember.CHUNK);
            List<FusionSample> part = validation.subList(start, end);
            try (NDManager evalManager = trainer.getManager().newSubManager()) {
                NDList inputs = FusionInputs.encode(evalManager,
                        part.stream().map(FusionSample::features).toList(), scaler, dims);
                float[][] logits = FusionTranslator.toRows(trainer.evaluate(inputs).singletonOrThrow());
                for (int i = 0; i < part.size(); i++) {
                    truth[start + i] = part.get(i).label();
                    pred[start + i] = argmax(logits[i]);
                }
            }
        }
        return ClassificationMetrics.fromLabels(truth, pred, spec.numClasses());
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

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}

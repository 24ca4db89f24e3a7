package io.merspark.train;

import ai.djl.Device;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Trains the attention-fusion baseline as a stratified k-fold ensemble on the driver: fold k's member
 * is trained on the other folds and early-stopped on fold k.
 *
 * <p>Pseudo-labelled rows are stratified by their label like gold ones, so they also appear in the
 * validation folds, where they count unweighted towards the early-stopping WAF.
 *
 * <p>Deterministic on CPU: fold assignment, shuffling, initialisation and dropout all derive from
 * {@link TrainSpec#seed()}. The engine's random generator is process-wide, so two trainings must not run
 * concurrently in one JVM if they are to be reproducible.
 */
public final class FusionTrainer {

    private static final Logger LOG = LoggerFactory.getLogger(FusionTrainer.class);

    /**
     * @param samples labelled rows (label in [0, numClasses), weight finite and >= 0, at least one modality)
     * @return an ensemble of {@code spec.folds()} members; the caller closes it
     */
    public FusionEnsemble train(List<FusionSample> samples, TrainSpec spec) {
        spec.validate();
        check(samples, spec);
        Device device = FusionDevices.resolve(spec.device());
        int[] labels = samples.stream().mapToInt(FusionSample::label).toArray();
        int[] foldOf = StratifiedFolds.assign(labels, spec.numClasses(), spec.folds(), spec.seed());
        FoldTrainer foldTrainer = new FoldTrainer(spec, device);
        LOG.info("training {} folds on {} rows ({}), device {}", spec.folds(), samples.size(), spec.modalities(), device);

        List<EnsembleMember> members = new ArrayList<>(spec.folds());
        try {
            for (int fold = 0; fold < spec.folds(); fold++) {
                List<FusionSample> train = new ArrayList<>();
                List<FusionSample> validation = new ArrayList<>();
                for (int i = 0; i < samples.size(); i++) {
                    (foldOf[i] == fold ? validation : train).add(samples.get(i));
                }
                FoldTrainer.FoldResult result = foldTrainer.train(fold, train, validation);
                members.add(EnsembleMember.create(spec, device, result.scaler(), result.metrics(), result.params()));
            }
        } catch (RuntimeException e) {
            members.forEach(EnsembleMember::close);
            throw e;
        }
        FusionEnsemble ensemble = new FusionEnsemble(spec, members);
        LOG.info("ensemble trained: mean validation WAF {}", String.format(Locale.ROOT, "%.4f", ensemble.meanValidationWaf()));
        return ensemble;
    }

    private static void check(List<FusionSample> samples, TrainSpec spec) {
        if (samples.size() < spec.folds()) {
            throw new IllegalArgumentException("need at least folds (" + spec.folds() + ") samples, got " + samples.size());
        }
        int[] dims = spec.inputDims();
        for (FusionSample s : samples) {
            FusionInputs.check(s.features(), dims, "sample " + s.sampleId());
            if (s.label() < 0 || s.label() >= spec.numClasses()) {
                throw new IllegalArgumentException("sample " + s.sampleId() + ": label " + s.label()
                        + " outside [0, " + spec.numClasses() + ")");
            }
            if (!(s.weight() >= 0) || Float.isInfinite(s.weight())) {
                throw new IllegalArgumentException("sample " + s.sampleId() + ": weight must be finite and >= 0, was "
                        + s.weight());
            }
            boolean any = false;
            for (float[] v : s.features()) {
                any |= v != null;
            }
            if (!any) {
                throw new IllegalArgumentException("sample " + s.sampleId() + ": no modality present");
            }
        }
    }
}

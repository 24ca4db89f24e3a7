package io.merspark.train;

import java.util.List;

/**
 * Everything that defines one training run of a fusion ensemble (attention baseline or AGT); stored next to the weights
 * so a saved ensemble can be rebuilt exactly.
 *
 * @param modalities   modality names, in the order of {@link FusionSample#features()}
 * @param inputDims    pooled feature width per modality
 * @param numClasses   number of emotion classes (must equal {@code classes.size()})
 * @param classes      class names in label-index order
 * @param folds        k of the stratified k-fold; also the ensemble size
 * @param maxEpochs    upper bound on epochs per fold
 * @param batchSize    mini-batch size
 * @param learningRate Adam learning rate
 * @param weightDecay  L2 weight decay applied by Adam
 * @param hidden       width of the modality encoders and of the fused vector
 * @param dropout      dropout rate inside the encoders and before the classifier
 * @param patience     epochs without a better validation score (see stopOn) before a fold stops
 * @param seed         seeds fold assignment, shuffling, initialisation and dropout
 * @param device       "cpu", "gpu" or "auto" (gpu when the PyTorch engine sees one)
 * @param model        {@link #ATTENTION} (pooled vectors) or {@link #AGT} (token sequences, {@link AudioGuidedTransformer})
 * @param modalityDropout probability of dropping one whole modality of a training sample (never all of them)
 * @param classWeighted  cross-entropy weighted by inverse class frequency of the fold's training rows
 * @param heads        attention heads of the AGT (divides {@code hidden}, the AGT's common width d)
 * @param layers       intra-channel Transformer encoder layers per modality (AGT)
 * @param maxTokens    per modality, the most tokens the AGT reads (longer sequences are thinned evenly); null for attention
 * @param positional   order information the AGT adds to each modality's tokens: {@link #POSITIONAL_NONE} or
 *                     {@link #POSITIONAL_SINUSOIDAL}; null in files written before it existed (none)
 * @param pooledBranch what the AGT adds to its classifier's logits besides the fused vector: {@link #POOLED_NONE} or
 *                     {@link #POOLED_LINEAR} (a linear map of each modality's mean standardised input token, concatenated);
 *                     null in files written before it existed (none)
 * @param stopOn       what early stopping and the kept epoch follow on the fold's (gold) validation rows:
 *                     {@link #STOP_ON_WAF} (the highest WAF) or {@link #STOP_ON_LOSS} (the lowest mean cross-entropy);
 *                     null in files written before it existed (waf)
 * @param repeats      times the gold rows are dealt into k folds, each time in a new seeded order: the ensemble has
 *                     {@code folds · repeats} members and every gold row {@code repeats} out-of-fold predictions;
 *                     0 in files written before it existed (1)
 * @param labelSmoothing share ε of each training target spread evenly over the classes ((1 − ε) on the label)
 * @param inputNoise   sd σ of the Gaussian noise added to every present standardised input value of a training batch
 *                     (never at validation or inference); 0 in files written before it existed (none)
 */
public record TrainSpec(
        List<String> modalities,
        int[] inputDims,
        int numClasses,
        List<String> classes,
        int folds,
        int maxEpochs,
        int batchSize,
        double learningRate,
        double weightDecay,
        int hidden,
        double dropout,
        int patience,
        long seed,
        String device,
        String model,
        double modalityDropout,
        boolean classWeighted,
        int heads,
        int layers,
        int[] maxTokens,
        String positional,
        String pooledBranch,
        String stopOn,
        int repeats,
        double labelSmoothing,
        double inputNoise) implements java.io.Serializable {

    public static final String ATTENTION = "attention";
    public static final String AGT = "agt";
    /** The modality whose tokens guide (query) the others in the AGT. */
    public static final String GUIDE = "audio";
    /** No order information: the AGT treats each modality's tokens as a set. */
    public static final String POSITIONAL_NONE = "none";
    /** Fixed sinusoidal encodings of each token's index in its (thinned) sequence, as in Vaswani et al. */
    public static final String POSITIONAL_SINUSOIDAL = "sinusoidal";
    public static final List<String> POSITIONALS = List.of(POSITIONAL_NONE, POSITIONAL_SINUSOIDAL);
    /** The AGT's logits come from the fused vector alone. */
    public static final String POOLED_NONE = "none";
    /**
     * A linear branch over the concatenated per-modality means of the standardised input tokens (zeros for a missing
     * modality) is added to the AGT's logits: the pooled-vector logistic regression inside the fusion model.
     */
    public static final String POOLED_LINEAR = "linear";
    public static final List<String> POOLED_BRANCHES = List.of(POOLED_NONE, POOLED_LINEAR);
    /** A fold keeps the epoch with the highest validation WAF. */
    public static final String STOP_ON_WAF = "waf";
    /**
     * A fold keeps the epoch with the lowest validation cross-entropy: a smooth score, where the WAF of ~50 rows moves
     * in steps of one row and its maximum over epochs flatters the kept epoch.
     */
    public static final String STOP_ON_LOSS = "loss";
    public static final List<String> STOP_ONS = List.of(STOP_ON_WAF, STOP_ON_LOSS);

    public static final List<String> MER_CLASSES = List.of("neutral", "angry", "happy", "sad", "worried", "surprise");

    public TrainSpec {
        modalities = modalities == null ? null : List.copyOf(modalities);
        inputDims = inputDims == null ? null : inputDims.clone();
        classes = classes == null ? null : List.copyOf(classes);
        maxTokens = maxTokens == null ? null : maxTokens.clone();
        // ensemble.json files written before the AGT existed name no model
        model = model == null ? ATTENTION : model;
        positional = positional == null ? POSITIONAL_NONE : positional;
        pooledBranch = pooledBranch == null ? POOLED_NONE : pooledBranch;
        stopOn = stopOn == null ? STOP_ON_WAF : stopOn;
        repeats = repeats == 0 ? 1 : repeats;
    }

    /** Members of the ensemble: one per fold of each repeat. */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public int members() {
        return folds * repeats;
    }

    @Override
    public int[] maxTokens() {
        return maxTokens == null ? null : maxTokens.clone();
    }

    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean isAgt() {
        return AGT.equals(model);
    }

    @Override
    public int[] inputDims() {
        return inputDims == null ? null : inputDims.clone();
    }

    // Records compare arrays by identity; a spec read back from ensemble.json must equal the one written.
    @Override
    public boolean equals(Object o) {
        return o instanceof TrainSpec t
                && java.util.Objects.equals(modalities, t.modalities) && java.util.Arrays.equals(inputDims, t.inputDims)
                && numClasses == t.numClasses && java.util.Objects.equals(classes, t.classes) && folds == t.folds
                && maxEpochs == t.maxEpochs && batchSize == t.batchSize && learningRate == t.learningRate
                && weightDecay == t.weightDecay && hidden == t.hidden && dropout == t.dropout
                && patience == t.patience && seed == t.seed && java.util.Objects.equals(device, t.device)
                && model.equals(t.model) && modalityDropout == t.modalityDropout && classWeighted == t.classWeighted
                && heads == t.heads && layers == t.layers && java.util.Arrays.equals(maxTokens, t.maxTokens)
                && positional.equals(t.positional) && pooledBranch.equals(t.pooledBranch)
                && stopOn.equals(t.stopOn) && repeats == t.repeats && labelSmoothing == t.labelSmoothing
                && inputNoise == t.inputNoise;
    }

    /**
     * Why a member of an ensemble trained with {@code earlier} cannot start (warm) a member of this spec, or empty
     * when it can: the same parameter shapes (model, modalities and their widths, classes, width, heads, layers, token
     * caps, positional encoding, pooled branch) and the same members in the same folds (folds, repeats, seed).
     */
    public java.util.Optional<String> warmStartMismatch(TrainSpec earlier) {
        java.util.Map<String, Boolean> same = new java.util.LinkedHashMap<>();
        same.put("model", model.equals(earlier.model));
        same.put("modalities", java.util.Objects.equals(modalities, earlier.modalities));
        same.put("input widths", java.util.Arrays.equals(inputDims, earlier.inputDims));
        same.put("classes", java.util.Objects.equals(classes, earlier.classes));
        same.put("width", hidden == earlier.hidden);
        same.put("heads", heads == earlier.heads);
        same.put("layers", layers == earlier.layers);
        same.put("token caps", java.util.Arrays.equals(maxTokens, earlier.maxTokens));
        same.put("positional", positional.equals(earlier.positional));
        same.put("pooled branch", pooledBranch.equals(earlier.pooledBranch));
        same.put("folds", folds == earlier.folds);
        same.put("repeats", repeats == earlier.repeats);
        same.put("seed", seed == earlier.seed);
        List<String> differ = same.entrySet().stream().filter(e -> !e.getValue()).map(java.util.Map.Entry::getKey).toList();
        return differ.isEmpty() ? java.util.Optional.empty()
                : java.util.Optional.of("the earlier ensemble differs in " + String.join(", ", differ));
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(modalities, java.util.Arrays.hashCode(inputDims), numClasses, classes, folds,
                maxEpochs, batchSize, learningRate, weightDecay, hidden, dropout, patience, seed, device, model,
                modalityDropout, classWeighted, heads, layers, java.util.Arrays.hashCode(maxTokens), positional,
                pooledBranch, stopOn, repeats, labelSmoothing, inputNoise);
    }

    @Override
    public String toString() {
        return "TrainSpec[modalities=" + modalities + ", inputDims=" + java.util.Arrays.toString(inputDims)
                + ", classes=" + classes + ", folds=" + folds + ", maxEpochs=" + maxEpochs + ", batchSize=" + batchSize
                + ", learningRate=" + learningRate + ", weightDecay=" + weightDecay + ", hidden=" + hidden
                + ", dropout=" + dropout + ", patience=" + patience + ", seed=" + seed + ", device=" + device
                + ", model=" + model + ", modalityDropout=" + modalityDropout + ", classWeighted=" + classWeighted
                + ", heads=" + heads + ", layers=" + layers + ", maxTokens=" + java.util.Arrays.toString(maxTokens)
                + ", positional=" + positional + ", pooledBranch=" + pooledBranch + ", stopOn=" + stopOn + ", repeats=" + repeats
                + ", labelSmoothing=" + labelSmoothing + ", inputNoise=" + inputNoise + "]";
    }

    public int numModalities() {
        return modalities.size();
    }

    /** Throws {@link IllegalArgumentException} naming the first field that is out of range. */
    public TrainSpec validate() {
        if (modalities == null || modalities.isEmpty()) {
            throw bad("modalities", "must name at least one modality");
        }
        if (inputDims == null || inputDims.length != modalities.size()) {
            throw bad("inputDims", "needs one width per modality (" + (modalities.size()) + ")");
        }
        for (int i = 0; i < inputDims.length; i++) {
            if (inputDims[i] <= 0) {
                throw bad("inputDims", "width of " + modalities.get(i) + " must be positive, was " + inputDims[i]);
            }
        }
        if (numClasses < 2) {
            throw bad("numClasses", "must be at least 2, was " + numClasses);
        }
        if (classes == null || classes.size() != numClasses) {
            throw bad("classes", "must list numClasses (" + numClasses + ") names");
        }
        if (folds < 2) {
            throw bad("folds", "must be at least 2, was " + folds);
        }
        if (repeats < 1) {
            throw bad("repeats", "must be at least 1, was " + repeats);
        }
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
            throw bad("labelSmoothing", "must be in [0, 1), was " + labelSmoothing);
        }
        if (!(inputNoise >= 0) || Double.isInfinite(inputNoise)) {
            throw bad("inputNoise", "must be >= 0 and finite, was " + inputNoise);
        }
        if (maxEpochs < 1) {
            throw bad("maxEpochs", "must be at least 1, was " + maxEpochs);
        }
        if (batchSize < 1) {
            throw bad("batchSize", "must be at least 1, was " + batchSize);
        }
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw bad("learningRate", "must be positive and finite, was " + learningRate);
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw bad("weightDecay", "must be >= 0 and finite, was " + weightDecay);
        }
        if (hidden < 1) {
            throw bad("hidden", "must be at least 1, was " + hidden);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw bad("dropout", "must be in [0, 1), was " + dropout);
        }
        if (patience < 1) {
            throw bad("patience", "must be at least 1, was " + patience);
        }
        if (!STOP_ONS.contains(stopOn)) {
            throw bad("stopOn", "must be one of " + STOP_ONS + ", was " + stopOn);
        }
        if (device == null || !List.of("cpu", "gpu", "auto").contains(device)) {
            throw bad("device", "must be cpu, gpu or auto, was " + device);
        }
        if (!List.of(ATTENTION, AGT).contains(model)) {
            throw bad("model", "must be " + ATTENTION + " or " + AGT + ", was " + model);
        }
        if (!(modalityDropout >= 0 && modalityDropout < 1)) {
            throw bad("modalityDropout", "must be in [0, 1), was " + modalityDropout);
        }
        if (isAgt()) {
            validateAgt();
        }
        return this;
    }

    private void validateAgt() {
        if (!modalities.contains(GUIDE) || modalities.size() < 2) {
            throw bad("modalities", "the AGT needs " + GUIDE + " and at least one other modality, got " + modalities);
        }
        if (heads < 1 || hidden % heads != 0) {
            throw bad("heads", "must be >= 1 and divide hidden (" + hidden + "), was " + heads);
        }
        if (layers < 0) {
            throw bad("layers", "must be >= 0, was " + layers);
        }
        if (maxTokens == null || maxTokens.length != modalities.size()) {
            throw bad("maxTokens", "needs one token limit per modality (" + modalities.size() + ")");
        }
        for (int t : maxTokens) {
            if (t < 1) {
                throw bad("maxTokens", "limits must be >= 1, were " + java.util.Arrays.toString(maxTokens));
            }
        }
        if (!POSITIONALS.contains(positional)) {
            throw bad("positional", "must be one of " + POSITIONALS + ", was " + positional);
        }
        if (!POOLED_BRANCHES.contains(pooledBranch)) {
            throw bad("pooledBranch", "must be one of " + POOLED_BRANCHES + ", was " + pooledBranch);
        }
    }

    private static IllegalArgumentException bad(String field, String why) {
        return new IllegalArgumentException("TrainSpec." + field + " " + why);
    }

    public static Builder builder(List<String> modalities, int[] inputDims, List<String> classes) {
        return new Builder(modalities, inputDims, classes);
    }

    public Builder toBuilder() {
        return new Builder(modalities, inputDims, classes)
                .numClasses(numClasses).folds(folds).maxEpochs(maxEpochs).batchSize(batchSize)
                .learningRate(learningRate).weightDecay(weightDecay).hidden(hidden).dropout(dropout)
                .patience(patience).seed(seed).device(device).model(model).modalityDropout(modalityDropout)
                .classWeighted(classWeighted).heads(heads).layers(layers).maxTokens(maxTokens).positional(positional)
                .pooledBranch(pooledBranch).stopOn(stopOn).repeats(repeats).labelSmoothing(labelSmoothing)
                .inputNoise(inputNoise);
    }

    /** Defaults follow the MER tool chain's attention baseline. */
    public static final class Builder {
        private final List<String> modalities;
        private final int[] inputDims;
        private final List<String> classes;
        private int numClasses;
        private int folds = 5;
        private int maxEpochs = 60;
        private int batchSize = 32;
        private double learningRate = 1e-3;
        private double weightDecay = 1e-4;
        private int hidden = 128;
        private double dropout = 0.3;
        private int patience = 10;
        private long seed = 42;
        private String device = "auto";
        private String model = ATTENTION;
        private double modalityDropout = 0;
        private boolean classWeighted = false;
        private int heads = 4;
        private int layers = 1;
        private int[] maxTokens;
        private String positional = POSITIONAL_NONE;
        private String pooledBranch = POOLED_NONE;
        private String stopOn = STOP_ON_WAF;
        private int repeats = 1;
        private double labelSmoothing = 0;
        private double inputNoise = 0;

        private Builder(List<String> modalities, int[] inputDims, List<String> classes) {
            this.modalities = modalities;
            this.inputDims = inputDims;
            this.classes = classes;
            this.numClasses = classes == null ? 0 : classes.size();
        }

        public Builder numClasses(int v) { numClasses = v; return this; }
        public Builder folds(int v) { folds = v; return this; }
        public Builder maxEpochs(int v) { maxEpochs = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder learningRate(double v) { learningRate = v; return this; }
        public Builder weightDecay(double v) { weightDecay = v; return this; }
        public Builder hidden(int v) { hidden = v; return this; }
        public Builder dropout(double v) { dropout = v; return this; }
        public Builder patience(int v) { patience = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder device(String v) { device = v; return this; }
        public Builder model(String v) { model = v; return this; }
        public Builder modalityDropout(double v) { modalityDropout = v; return this; }
        public Builder classWeighted(boolean v) { classWeighted = v; return this; }
        public Builder heads(int v) { heads = v; return this; }
        public Builder layers(int v) { layers = v; return this; }
        public Builder maxTokens(int... v) { maxTokens = v; return this; }
        public Builder positional(String v) { positional = v; return this; }
        public Builder pooledBranch(String v) { pooledBranch = v; return this; }
        public Builder stopOn(String v) { stopOn = v; return this; }
        public Builder repeats(int v) { repeats = v; return this; }
        public Builder labelSmoothing(double v) { labelSmoothing = v; return this; }
        public Builder inputNoise(double v) { inputNoise = v; return this; }

        /** Builds and validates. */
        public TrainSpec build() {
            return new TrainSpec(modalities, inputDims, numClasses, classes, folds, maxEpochs, batchSize,
                    learningRate, weightDecay, hidden, dropout, patience, seed, device, model, modalityDropout,
                    classWeighted, heads, layers, maxTokens, positional, pooledBranch, stopOn, repeats, labelSmoothing,
                    inputNoise).validate();
        }
    }
}

package io.merspark.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValue;
import io.merspark.io.Sha256;

import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The resolved, validated configuration: immutable and serializable so executors can receive it.
 * Built once on the driver by {@link #from(Config)}; every problem is reported with its key path.
 */
public record Settings(
        List<String> classes,
        long seed,
        String root,
        SparkSettings spark,
        String manifest,
        ExtractSettings extract,
        TrainSettings train,
        SelectSettings select,
        String truth,
        PriorSettings prior,
        long minFreeBytes,
        String rendered) implements Serializable {

    public static final Set<String> MODALITIES = Set.of("video", "audio", "text");
    public static final Set<String> FACE_MODES = Set.of("none", "detect");
    /** Order information of the AGT's tokens (none | sinusoidal). */
    public static final Set<String> POSITIONALS = Set.of("none", "sinusoidal");
    public static final Set<String> POOLED_BRANCHES = Set.of("none", "linear");
    /** agt = Audio-Guided Transformer over tokens; attention = pooled baseline; a modality = the baseline on it alone. */
    public static final Set<String> MODELS = Set.of("agt", "attention", "audio", "video", "text", "logreg");
    public static final Set<String> LOSSES = Set.of("plain", "class-weighted");
    /** What a fold's early stopping follows on its gold validation rows. */
    public static final Set<String> STOP_ONS = Set.of("waf", "loss");
    public static final Set<String> STRATEGIES = Set.of("fixed", "classwise", "flexmatch", "freematch", "topk");
    public static final Set<String> DEVICES = Set.of("cpu", "gpu", "auto");
    public static final Set<String> FOLD_PLACEMENTS = Set.of("auto", "driver", "executors");
    public static final Set<String> GROUP_NORMS = Set.of("group", "none");

    public record SparkSettings(String master, String appName, int shufflePartitions) implements Serializable {
    }

    /**
     * @param model   the encoder file ({@code video.encoder.model})
     * @param size    the encoder's square input side ({@code video.encoder.size})
     * @param face    none | detect (crop the largest face of each frame, found by {@code faceModel})
     */
    public record VideoSettings(EncoderContract.Image encoder, String model, int frames, int size, int batchSize,
                                int maxTokens, String face, String faceModel, int framesPerCallCpu,
                                int framesPerCallGpu)
            implements Serializable {
    }

    /** @param melModel the log-mel front-end of {@code speech-embedding}; null for other kinds */
    public record AudioSettings(EncoderContract.Waveform encoder, String melModel, String embeddingModel,
                                int batchSize, int maxTokens, int windowsPerCallCpu, int windowsPerCallGpu)
            implements Serializable {
    }

    public record TextSettings(EncoderContract.Text encoder, String model, String tokenizer, int maxLength,
                               int batchSize, int maxTokens) implements Serializable {
    }

    /** @param pins model location → the SHA-256 pinned for it ({@code <model key>-sha256}; unpinned ones absent) */
    public record ExtractSettings(List<String> modalities, int partitionRows, int partitionsPerCore, String device,
                                  VideoSettings video, AudioSettings audio, TextSettings text,
                                  Map<String, ModelPin> pins) implements Serializable {
    }

    public record TrainSettings(String model, int folds, int maxEpochs, int batchSize, double learningRate,
                                double weightDecay, int hidden, double dropout, int patience, String device,
                                double modalityDropout, String loss, int threads, AgtSettings agt,
                                int pseudoBudget, LogRegSettings logreg, String foldPlacement, String stopOn,
                                int repeats, double labelSmoothing, double inputNoise, boolean warmStart,
                                String groupNorm,
                                int groupNormMinClips)
            implements Serializable {

        /** Whether each clip's features are standardised by its group's statistics (when the manifest has groups). */
        public boolean byGroup() {
            return "group".equals(groupNorm);
        }

        /** The modalities the model reads: all extracted ones, or the single one a single-modality model names. */
        public List<String> modalities(List<String> extracted) {
            return MODALITIES.contains(model) ? List.of(model) : extracted;
        }

        public boolean isAgt() {
            return "agt".equals(model);
        }

        public boolean isLogReg() {
            return "logreg".equals(model);
        }

        /**
         * Whether the folds train as Spark tasks on the executors: {@code executors}, or {@code auto} when the
         * executors are JVMs of their own ({@code localMaster}: a {@code local[...]} master runs tasks in the
         * driver, where the folds would only queue for its one engine).
         */
        public boolean foldsOnExecutors(boolean localMaster) {
            return "executors".equals(foldPlacement) || ("auto".equals(foldPlacement) && !localMaster);
        }
    }

    /** The grid the logistic-regression baseline's group cross-validation picks its penalty from. */
    public record LogRegSettings(List<Double> regParams, List<Double> elasticNetParams, int maxIter)
            implements Serializable {
    }

    /** Sizes of the Audio-Guided Transformer; maxTokens per modality name. */
    public record AgtSettings(int width, int heads, int layers, double dropout, Map<String, Integer> maxTokens,
                              String positional, String pooledBranch)
            implements Serializable {
    }

    public record SelectSettings(String strategy, double threshold, Map<String, Double> classThresholds,
                                 boolean softWeighting, double freeMatchMomentum, int maxPerClass,
                                 boolean balanceClasses, boolean requireAgreement, double maxSpread,
                                 double floor, double budget, boolean collapseGuard, boolean groupBalance)
            implements Serializable {
    }

    /** Target-prior correction at evaluation; {@code given} is aligned with {@code classes} (empty unless used). */
    public record PriorSettings(String target, java.util.List<Double> given, double emTolerance, int emMaxIterations)
            implements Serializable {
    }

    public static final Set<String> PRIOR_TARGETS = Set.of("none", "given", "em", "bbse");

    public static Settings from(Config c) {
        try {
            return build(c);
        } catch (ConfigException e) {
            // Typesafe's messages already carry the path ("mer.train.folds has type STRING rather than NUMBER").
            throw new SettingsException(e.getMessage());
        }
    }

    private static Settings build(Config c) {
        List<String> classes = c.getStringList("mer.classes");
        if (classes.size() < 2) {
            throw new SettingsException("mer.classes needs at least 2 classes, got " + classes);
        }
        if (new HashSet<>(classes).size() != classes.size()) {
            throw new SettingsException("mer.classes has duplicates: " + classes);
        }
        SparkSettings spark = new SparkSettings(
                c.getString("mer.spark.master"),
                c.getString("mer.spark.app-name"),
                positive(c, "mer.spark.shuffle-partitions"));

        List<String> modalities = c.getStringList("mer.extract.modalities");
        if (modalities.isEmpty()) {
            throw new SettingsException("mer.extract.modalities must name at least one of " + MODALITIES);
        }
        for (String m : modalities) {
            if (!MODALITIES.contains(m)) {
                throw new SettingsException("mer.extract.modalities: unknown modality '" + m + "', expected one of " + MODALITIES);
            }
        }
        String face = oneOf(c, "mer.extract.video.face", FACE_MODES);
        Config reference = ConfigLoader.reference();
        Map<String, ModelPin> pins = new LinkedHashMap<>();
        VideoSettings video = Encoders.video(c, reference, modalities.contains("video"), pins, face);
        AudioSettings audio = Encoders.audio(c, reference, modalities.contains("audio"), pins);
        TextSettings text = Encoders.text(c, reference, modalities.contains("text"), pins);
        ExtractSettings extract = new ExtractSettings(List.copyOf(modalities),
                positive(c, "mer.extract.partition-rows"),
                positive(c, "mer.extract.partitions-per-core"),
                oneOf(c, "mer.extract.device", DEVICES), video, audio, text, Map.copyOf(pins));

        TrainSettings train = new TrainSettings(
                oneOf(c, "mer.train.model", MODELS),
                atLeast(c, "mer.train.folds", 2),
                positive(c, "mer.train.max-epochs"),
                positive(c, "mer.train.batch-size"),
                positiveDouble(c, "mer.train.learning-rate"),
                nonNegativeDouble(c, "mer.train.weight-decay"),
                positive(c, "mer.train.hidden"),
                fraction(c, "mer.train.dropout", true),
                positive(c, "mer.train.patience"),
                oneOf(c, "mer.train.device", DEVICES),
                fraction(c, "mer.train.modality-dropout", true),
                oneOf(c, "mer.train.loss", LOSSES),
                positive(c, "mer.train.threads"),
                agt(c),
                nonNegativeInt(c, "mer.train.pseudo-budget"),
                logreg(c),
                oneOf(c, "mer.train.fold-placement", FOLD_PLACEMENTS),
                oneOf(c, "mer.train.stop-on", STOP_ONS),
                positive(c, "mer.train.repeats"),
                fraction(c, "mer.train.label-smoothing", true),
                nonNegativeDouble(c, "mer.train.input-noise"),
                c.getBoolean("mer.train.warm-start"),
                oneOf(c, "mer.train.group-norm", GROUP_NORMS),
                positive(c, "mer.train.group-norm-min-clips"));
        String model = train.model();
        if (MODALITIES.contains(model) && !modalities.contains(model)) {
            throw new SettingsException("mer.train.model: '" + model + "' is not among mer.extract.modalities " + modalities);
        }
        if (train.isAgt() && (!modalities.contains("audio") || modalities.size() < 2)) {
            throw new SettingsException("mer.train.model: agt needs audio and at least one other modality in "
                    + "mer.extract.modalities, got " + modalities);
        }

        Map<String, Double> classThresholds = new LinkedHashMap<>();
        Config ct = c.getConfig("mer.select.class-thresholds");
        for (Map.Entry<String, ConfigValue> e : ct.entrySet()) {
            String cls = e.getKey();
            if (!classes.contains(cls)) {
                throw new SettingsException("mer.select.class-thresholds." + cls + ": not a class of mer.classes " + classes);
            }
            classThresholds.put(cls, fraction(c, "mer.select.class-thresholds." + cls, false));
        }
        SelectSettings select = new SelectSettings(
                oneOf(c, "mer.select.strategy", STRATEGIES),
                fraction(c, "mer.select.threshold", false),
                Map.copyOf(classThresholds),
                c.getBoolean("mer.select.soft-weighting"),
                fraction(c, "mer.select.freematch-momentum", false),
                nonNegativeInt(c, "mer.select.max-per-class"),
                c.getBoolean("mer.select.balance-classes"),
                c.getBoolean("mer.select.require-agreement"),
                c.getDouble("mer.select.max-spread"),
                fraction(c, "mer.select.floor", false),
                budget(c, "mer.select.budget"),
                c.getBoolean("mer.select.collapse-guard"),
                c.getBoolean("mer.select.group-balance"));

        String truth = c.getString("mer.evaluate.truth");
        if (!truth.isBlank() && !Files.isRegularFile(Paths.get(truth))) {
            throw new SettingsException("mer.evaluate.truth: file not found: " + truth);
        }
        if (!truth.isBlank()) {
            io.merspark.io.SparkInputFiles.hiddenName(Paths.get(truth)).ifPresent(why -> {
                throw new SettingsException("mer.evaluate.truth: " + truth + ": " + why);
            });
        }
        String rendered = c.getConfig("mer").root().render(
                com.typesafe.config.ConfigRenderOptions.concise().setFormatted(true).setJson(false));
        return new Settings(List.copyOf(classes), c.getLong("mer.seed"), nonBlank(c, "mer.root"), spark,
                c.getString("mer.ingest.manifest"), extract, train, select, truth, prior(c, classes),
                (long) nonNegativeInt(c, "mer.storage.min-free-mb") << 20, "mer " + rendered);
    }

    private static PriorSettings prior(Config c, List<String> classes) {
        String target = oneOf(c, "mer.evaluate.prior.target", PRIOR_TARGETS);
        Config given = c.getConfig("mer.evaluate.prior.given");
        for (String k : given.root().keySet()) {
            if (!classes.contains(k)) {
                throw new SettingsException("mer.evaluate.prior.given." + k + ": not a class of mer.classes " + classes);
            }
        }
        List<Double> proportions = new java.util.ArrayList<>();
        if (!given.isEmpty() || target.equals("given")) {
            double sum = 0;
            for (String cls : classes) {
                String key = "mer.evaluate.prior.given." + cls;
                if (!c.hasPath(key)) {
                    throw new SettingsException(key + " is missing: the given prior must name every class");
                }
                double v = c.getDouble(key);
                if (!(v > 0) || Double.isInfinite(v)) {
                    throw new SettingsException(key + " must be > 0, got " + v);
                }
                proportions.add(v);
                sum += v;
            }
            final double total = sum;
            proportions.replaceAll(v -> v / total);
        }
        double tol = c.getDouble("mer.evaluate.prior.em-tolerance");
        if (!(tol > 0)) {
            throw new SettingsException("mer.evaluate.prior.em-tolerance must be > 0, got " + tol);
        }
        return new PriorSettings(target, List.copyOf(proportions), tol, positive(c, "mer.evaluate.prior.em-max-iterations"));
    }

    private static LogRegSettings logreg(Config c) {
        List<Double> reg = c.getDoubleList("mer.train.logreg.reg-params");
        if (reg.isEmpty() || reg.stream().anyMatch(v -> !(v >= 0) || v.isInfinite())) {
            throw new SettingsException("mer.train.logreg.reg-params must list at least one finite value >= 0, got " + reg);
        }
        List<Double> en = c.getDoubleList("mer.train.logreg.elastic-net-params");
        if (en.isEmpty() || en.stream().anyMatch(v -> !(v >= 0 && v <= 1))) {
            throw new SettingsException("mer.train.logreg.elastic-net-params must list at least one value in [0, 1], got " + en);
        }
        return new LogRegSettings(List.copyOf(reg), List.copyOf(en), positive(c, "mer.train.logreg.max-iter"));
    }

    private static AgtSettings agt(Config c) {
        int width = positive(c, "mer.train.agt.width");
        int heads = positive(c, "mer.train.agt.heads");
        if (width % heads != 0) {
            throw new SettingsException("mer.train.agt.heads (" + heads + ") must divide mer.train.agt.width (" + width + ")");
        }
        Map<String, Integer> maxTokens = new LinkedHashMap<>();
        for (String m : List.of("video", "audio", "text")) {
            maxTokens.put(m, positive(c, "mer.train.agt.max-tokens." + m));
        }
        return new AgtSettings(width, heads, atLeast(c, "mer.train.agt.layers", 0),
                fraction(c, "mer.train.agt.dropout", true), Map.copyOf(maxTokens),
                oneOf(c, "mer.train.agt.positional", POSITIONALS),
                oneOf(c, "mer.train.agt.pooled-branch", POOLED_BRANCHES));
    }

    /** Seed of a round, derived so that reruns of the same round repeat exactly and rounds differ. */
    public long roundSeed(int round) {
        return seed * 1_000_003L + round;
    }

    private static String nonBlank(Config c, String path) {
        String v = c.getString(path);
        if (v.isBlank()) {
            throw new SettingsException(path + " must not be empty");
        }
        return v;
    }

    /**
     * Model locations: {@code classpath:} names and URIs stay as they are; relative paths resolve against the
     * working directory of each JVM (the repository locally, the unpacked archive on a cluster). A required
     * model must exist here when it is a local path or a classpath resource, so a typo fails before any work.
     */
    static String modelPath(Config c, String path, boolean required) {
        return modelPath(path, nonBlank(c, path), required);
    }

    /** As {@link #modelPath(Config, String, boolean)} for a value already read from {@code path}. */
    static String modelPath(String path, String v, boolean required) {
        if (v.isBlank()) {
            throw new SettingsException(path + " must not be empty");
        }
        if (v.startsWith("classpath:")) {
            String resource = v.substring("classpath:".length()).replaceFirst("^/", "");
            if (required && Thread.currentThread().getContextClassLoader().getResource(resource) == null) {
                throw new SettingsException(path + ": model resource not on the classpath: " + v);
            }
            return v;
        }
        if (v.contains("://")) {
            return v;
        }
        Path p = Paths.get(v);
        if (required && !Files.isRegularFile(p)) {
            throw new SettingsException(path + ": model file not found: " + p.toAbsolutePath().normalize());
        }
        // Kept as written: executors resolve a relative path against their own working directory, where
        // spark-submit --archives unpacks the models; the driver's absolute path may not exist there.
        return v;
    }

    /**
     * Reads {@code <modelKey>-sha256}: its form is checked here; the file itself is hashed by the extract job before
     * any work ({@code ExtractStage.preflight}) and again by every executor that loads it, not by jobs that never
     * load an encoder.
     */
    static void pin(Config c, String modelKey, String location, Map<String, ModelPin> pins) {
        String key = modelKey + "-sha256";
        String digest = c.getString(key).trim().toLowerCase(java.util.Locale.ROOT);
        if (digest.isEmpty()) {
            return;
        }
        if (!Sha256.isDigest(digest)) {
            throw new SettingsException(key + ": expected 64 hex digits (sha256sum of the file), got '" + digest + "'");
        }
        pins.put(location, new ModelPin(key, digest));
    }

    private static int nonNegativeInt(Config c, String path) {
        return atLeast(c, path, 0);
    }

    static int positive(Config c, String path) {
        return atLeast(c, path, 1);
    }

    private static int atLeast(Config c, String path, int min) {
        int v = c.getInt(path);
        if (v < min) {
            throw new SettingsException(path + " must be >= " + min + ", got " + v);
        }
        return v;
    }

    private static double positiveDouble(Config c, String path) {
        double v = c.getDouble(path);
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new SettingsException(path + " must be > 0, got " + v);
        }
        return v;
    }

    private static double nonNegativeDouble(Config c, String path) {
        double v = c.getDouble(path);
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new SettingsException(path + " must be >= 0, got " + v);
        }
        return v;
    }

    private static double budget(Config c, String path) {
        double v = c.getDouble(path);
        if (!(v > 0 && v <= 1)) {
            throw new SettingsException(path + " must be in (0, 1], got " + v);
        }
        return v;
    }

    private static double fraction(Config c, String path, boolean openAtOne) {
        double v = c.getDouble(path);
        if (!(v >= 0 && (openAtOne ? v < 1 : v <= 1))) {
            throw new SettingsException(path + " must be in [0, 1" + (openAtOne ? ")" : "]") + ", got " + v);
        }
        return v;
    }

    private static String oneOf(Config c, String path, Set<String> allowed) {
        String v = c.getString(path);
        if (!allowed.contains(v)) {
            throw new SettingsException(path + " must be one of " + allowed + ", got '" + v + "'");
        }
        return v;
    }
}

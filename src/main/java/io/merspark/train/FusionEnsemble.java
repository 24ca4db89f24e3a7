package io.merspark.train;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.merspark.io.ModelIntegrityException;
import io.merspark.io.Sha256;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The k fold members of a trained fusion model (attention baseline or AGT). The ensemble's logits are the mean of the
 * members' logits; probabilities are the softmax of that mean divided by the ensemble's temperature (fitted on
 * out-of-fold gold logits when it was trained; 1 for ensembles saved before calibration existed).
 *
 * <p>Thread safety: the predict methods may be called from several threads at once — each call opens
 * its own predictor per member over the shared, read-only weights. {@link #close()} must not race with them.
 */
public final class FusionEnsemble implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FusionEnsemble.class);

    private static final java.util.regex.Pattern MEMBER_FILE = java.util.regex.Pattern.compile("member-[0-9]+\\.params");

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final TrainSpec spec;
    private final List<EnsembleMember> members;
    private final double temperature;
    private final TemperatureScaling.Fit calibration;

    FusionEnsemble(TrainSpec spec, List<EnsembleMember> members, double temperature, TemperatureScaling.Fit calibration) {
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be positive and finite, was " + temperature);
        }
        this.spec = spec;
        this.members = List.copyOf(members);
        this.temperature = temperature;
        this.calibration = calibration;
    }

    /** The T of p = softmax(logits / T) applied to the ensemble's and each member's probabilities. */
    public double temperature() {
        return temperature;
    }

    /** How the temperature was fitted, when this ensemble was trained in this JVM (empty after {@link #load}). */
    public java.util.Optional<TemperatureScaling.Fit> calibration() {
        return java.util.Optional.ofNullable(calibration);
    }

    public TrainSpec spec() {
        return spec;
    }

    public List<String> classes() {
        return spec.classes();
    }

    public int size() {
        return members.size();
    }

    /** Per fold, in fold order. */
    public List<FoldMetrics> foldMetrics() {
        return members.stream().map(EnsembleMember::metrics).toList();
    }

    /** Sum of the members' best-epoch validation confusions: each gold row counted once per repeat, out of fold. */
    public java.util.Optional<long[][]> validationConfusion() {
        long[][] sum = null;
        for (EnsembleMember m : members) {
            long[][] c = m.metrics().confusion();
            if (c == null) {
                return java.util.Optional.empty();
            }
            if (sum == null) {
                sum = new long[c.length][c.length];
            }
            for (int i = 0; i < c.length; i++) {
                for (int j = 0; j < c.length; j++) {
                    sum[i][j] += c[i][j];
                }
            }
        }
        return java.util.Optional.ofNullable(sum);
    }

    public double meanValidationWaf() {
        return members.stream().mapToDouble(m -> m.metrics().waf()).average().orElse(Double.NaN);
    }

    /**
     * @param features per row, one vector per modality in spec order ({@code null} when missing)
     * @return (rows, classes) mean of the members' logits
     */
    public float[][] predictLogits(List<float[][]> features) {
        return predictSampleLogits(pooledRows(features));
    }

    /**
     * @param samples rows carrying what the model reads: pooled vectors (attention) or tokens (AGT)
     * @return (rows, classes) mean of the members' logits
     */
    public float[][] predictSampleLogits(List<FusionSample> samples) {
        return meanLogits(memberSampleLogits(samples));
    }

    /** (rows, classes) mean over the members of (members, rows, classes) logits. */
    public static float[][] meanLogits(float[][][] perMember) {
        int rows = perMember[0].length;
        int classes = perMember[0].length == 0 ? 0 : perMember[0][0].length;
        float[][] mean = new float[rows][classes];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < classes; c++) {
                double sum = 0;
                for (float[][] member : perMember) {
                    sum += member[r][c];
                }
                mean[r][c] = (float) (sum / perMember.length);
            }
        }
        return mean;
    }

    /** (rows, classes) calibrated probabilities: softmax of {@link #predictLogits} / T. */
    public float[][] predictProba(List<float[][]> features) {
        return TemperatureScaling.apply(predictLogits(features), temperature);
    }

    /** (rows, classes) calibrated probabilities: softmax of {@link #predictSampleLogits} / T. */
    public float[][] predictSampleProba(List<FusionSample> samples) {
        return TemperatureScaling.apply(predictSampleLogits(samples), temperature);
    }

    /** Each member's parameters and feature standardisation, in member order: where a warm start begins. */
    public List<MemberInit> memberInits() {
        return members.stream().map(m -> new MemberInit(m.scaler(), m.params())).toList();
    }

    /** (members, rows, classes) logits of each member. */
    public float[][][] memberLogits(List<float[][]> features) {
        return memberSampleLogits(pooledRows(features));
    }

    /** (members, rows, classes) logits of each member. */
    public float[][][] memberSampleLogits(List<FusionSample> samples) {
        for (int r = 0; r < samples.size(); r++) {
            FusionModels.check(samples.get(r), spec, "row " + r);
        }
        float[][][] out = new float[members.size()][][];
        for (int k = 0; k < members.size(); k++) {
            out[k] = members.get(k).predictLogits(samples);
        }
        return out;
    }

    /** (members, rows, classes) probabilities of each member — for agreement and spread. */
    public float[][][] memberProba(List<float[][]> features) {
        return memberSampleProba(pooledRows(features));
    }

    /** (members, rows, classes) calibrated probabilities of each member — for agreement and spread. */
    public float[][][] memberSampleProba(List<FusionSample> samples) {
        float[][][] logits = memberSampleLogits(samples);
        float[][][] out = new float[logits.length][][];
        for (int k = 0; k < logits.length; k++) {
            out[k] = TemperatureScaling.apply(logits[k], temperature);
        }
        return out;
    }

    /** Writes {@code member-<k>.params} and {@code ensemble.json} into {@code dir} (created if needed). */
    public void save(Path dir) {
        try {
            Files.createDirectories(dir);
            List<EnsembleManifest.Member> entries = new ArrayList<>();
            for (int k = 0; k < members.size(); k++) {
                EnsembleMember member = members.get(k);
                String file = "member-" + k + ".params";
                Files.write(dir.resolve(file), member.params());
                entries.add(new EnsembleManifest.Member(file, member.scaler(), member.metrics(),
                        Sha256.of(member.params())));
            }
            EnsembleManifest manifest = new EnsembleManifest(EnsembleManifest.FORMAT, spec, spec.classes(), entries,
                    temperature);
            JSON.writeValue(dir.resolve(EnsembleManifest.FILE).toFile(), manifest);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save ensemble to " + dir, e);
        }
    }

    /** The manifest file of a saved ensemble, relative to its directory (its class list, digests, spec). */
    public static final String MANIFEST_FILE = EnsembleManifest.FILE;

    /**
     * Rebuilds a saved ensemble; every member file must have the SHA-256 recorded in {@code ensemble.json}.
     *
     * @param device "cpu", "gpu" or "auto"; may differ from the device it was trained on
     */

    public static FusionEnsemble load(Path dir, String device) {
        Device target = FusionDevices.resolve(device);
        EnsembleManifest manifest;
        try {
            manifest = JSON.readValue(dir.resolve(EnsembleManifest.FILE).toFile(), EnsembleManifest.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dir.resolve(EnsembleManifest.FILE), e);
        }
        if (manifest.format() != EnsembleManifest.FORMAT) {
            throw new IllegalArgumentException("unsupported ensemble format " + manifest.format() + " in " + dir);
        }
        TrainSpec spec = manifest.spec().validate();
        List<EnsembleMember> members = new ArrayList<>();
        try {
            for (EnsembleManifest.Member entry : manifest.members()) {
                if (!MEMBER_FILE.matcher(String.valueOf(entry.params())).matches()) {
                    // a manifest names files of its own directory only, never ../ or absolute paths
                    throw new ModelIntegrityException("refusing to load " + dir + ": " + EnsembleManifest.FILE
                            + " names member file '" + entry.params() + "', expected member-<k>.params");
                }
                byte[] params = Files.readAllBytes(dir.resolve(entry.params()));
                verify(dir.resolve(entry.params()), params, entry.sha256());
                members.add(EnsembleMember.create(spec, target, entry.scaler(), entry.metrics(), params));
            }
        } catch (IOException e) {
            members.forEach(EnsembleMember::close);
            throw new UncheckedIOException("cannot read member parameters in " + dir, e);
        } catch (RuntimeException e) {
            members.forEach(EnsembleMember::close);
            throw e;
        }
        // files written before calibration existed carry no temperature: they score as they always did
        double t = manifest.temperature() == null ? 1.0 : manifest.temperature();
        return new FusionEnsemble(spec, members, t, null);
    }

    /**
     * DJL parameter files are data, not code, but a swapped or damaged one silently changes every prediction:
     * a member is refused unless it has the digest recorded when it was saved.
     */
    private static void verify(Path file, byte[] params, String expected) {
        if (expected == null) {
            LOG.warn("{} has no recorded SHA-256 (saved by an older version); loading it unchecked", file);
            return;
        }
        String actual = Sha256.of(params);
        if (!actual.equals(expected)) {
            throw ModelIntegrityException.mismatch(file.toString(), EnsembleManifest.FILE, expected, actual);
        }
    }

    private static List<FusionSample> pooledRows(List<float[][]> features) {
        List<FusionSample> out = new ArrayList<>(features.size());
        for (float[][] f : features) {
            out.add(new FusionSample(null, f, FusionSample.UNKNOWN, 1f));
        }
        return out;
    }

    public static float[][] softmax(float[][] logits) {
        float[][] out = new float[logits.length][];
        for (int r = 0; r < logits.length; r++) {
            float[] row = logits[r];
            double max = Double.NEGATIVE_INFINITY;
            for (float v : row) {
                max = Math.max(max, v);
            }
            double sum = 0;
            double[] e = new double[row.length];
            for (int c = 0; c < row.length; c++) {
                e[c] = Math.exp(row[c] - max);
                sum += e[c];
            }
            out[r] = new float[row.length];
            for (int c = 0; c < row.length; c++) {
                out[r][c] = (float) (e[c] / sum);
            }
        }
        return out;
    }

    @Override
    public void close() {
        members.forEach(EnsembleMember::close);
    }
}

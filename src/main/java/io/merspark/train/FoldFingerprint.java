package io.merspark.train;

import io.merspark.io.Sha256;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * SHA-256 of everything the members' fold assignment is a function of ({@link FusionTrainer#jobs}): the gold rows in
 * source order with their labels and groups, the class count, folds, repeats and seed. Pseudo-labelled rows are
 * left out, since they never validate. Two trainings with the same fingerprint deal the same gold rows into the same
 * folds: member j of one validated exactly what member j of the other did, which is what makes a warm start honest.
 */
public final class FoldFingerprint {

    private FoldFingerprint() {
    }

    /** @param ids the sample id of each of the source's rows, in source order */
    public static String of(List<String> ids, SampleSource source, FoldPlan plan, TrainSpec spec) {
        if (ids.size() != source.size() || plan.gold().length != source.size()) {
            throw new IllegalArgumentException("ids (" + ids.size() + "), plan (" + plan.gold().length
                    + ") and source (" + source.size() + ") differ in length");
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(spec.numClasses());
            out.writeInt(spec.folds());
            out.writeInt(spec.repeats());
            out.writeLong(spec.seed());
            for (int i = 0; i < ids.size(); i++) {
                if (!plan.gold()[i]) {
                    continue;
                }
                out.writeUTF(ids.get(i));
                out.writeInt(source.label(i));
                String group = plan.groups() == null ? null : plan.groups()[i];
                out.writeBoolean(group != null);
                out.writeUTF(group == null ? "" : group);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Sha256.of(bytes.toByteArray());
    }
}

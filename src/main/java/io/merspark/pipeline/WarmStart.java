package io.merspark.pipeline;

import io.merspark.score.EnsembleCache;
import io.merspark.train.MemberInit;
import io.merspark.train.TrainSpec;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Whether round r's members start from round r−1's ({@code mer.train.warm-start}). Member j may continue member j of
 * round r−1 only when both validated the same gold rows (equal {@link io.merspark.train.FoldFingerprint}s) and
 * have the same parameter shapes; otherwise the round trains fresh members and train.json says why.
 *
 * @param inits one per member when used, else null
 * @param reason why the round trains fresh, or null when it warm-starts
 */
record WarmStart(int fromRound, List<MemberInit> inits, String reason) {

    /** train.json key: the fold fingerprint of the round's members. */
    static final String FOLDS_SHA256 = "folds_sha256";

    static WarmStart fresh(int fromRound, String reason) {
        return new WarmStart(fromRound, null, reason);
    }

    boolean used() {
        return inits != null;
    }

    Map<String, Object> toJson() {
        return used() ? Json.object("used", true, "from_round", fromRound, "members", inits.size())
                : Json.object("used", false, "from_round", fromRound, "reason", reason);
    }

    /**
     * @param previousInfo round r−1's train.json, empty when it has no model
     * @param previousDir  round r−1's model directory
     * @param folds        the fold fingerprint of round r's members
     */
    static WarmStart decide(int round, TrainSpec spec, String folds, Optional<Map<String, Object>> previousInfo,
                            String previousDir, String device) {
        int from = round - 1;
        if (from < 1) {
            return fresh(from, "round 1 has no earlier members");
        }
        if (previousInfo.isEmpty()) {
            return fresh(from, "round " + from + " has no model");
        }
        Object model = previousInfo.get().get("model");
        if ("logreg".equals(model)) {
            return fresh(from, "round " + from + " trained logreg, which has no members to continue");
        }
        if (!folds.equals(previousInfo.get().get(FOLDS_SHA256))) {
            return fresh(from, "round " + from + "'s members validated other gold rows or folds (its "
                    + FOLDS_SHA256 + " differs: gold rows, seed, folds or repeats changed, or warm-start was off)");
        }
        try (EnsembleCache.Lease lease = EnsembleCache.acquire(previousDir, device)) {
            Optional<String> mismatch = spec.warmStartMismatch(lease.ensemble().spec());
            if (mismatch.isPresent()) {
                return fresh(from, mismatch.get());
            }
            return new WarmStart(from, lease.ensemble().memberInits(), null);
        } finally {
            // its parameters are copied into the inits; the driver keeps no earlier round's ensemble loaded
            EnsembleCache.evict(previousDir);
        }
    }
}

package io.merspark.score;

/** Argmax, top-1 probability, top-1 minus top-2, and entropy (nats) of one probability vector. */
public record ScoreStats(int pred, float confidence, float margin, float entropy) {

    public static ScoreStats of(float[] probs) {
        int best = 0;
        for (int c = 1; c < probs.length; c++) {
            if (probs[c] > probs[best]) {
                best = c;
            }
        }
        float second = Float.NEGATIVE_INFINITY;
        double h = 0;
        for (int c = 0; c < probs.length; c++) {
            if (c != best && probs[c] > second) {
                second = probs[c];
            }
            if (probs[c] > 0) {
                h -= probs[c] * Math.log(probs[c]);
            }
        }
        float margin = probs.length > 1 ? probs[best] - second : probs[best];
        return new ScoreStats(best, probs[best], margin, (float) h);
    }
}

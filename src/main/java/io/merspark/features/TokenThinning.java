package io.merspark.features;

/**
 * Shortens a token sequence to a cap by keeping tokens spread evenly over it, in order: token i of the kept
 * sequence is the one at the middle of the i-th of {@code max} equal stretches. Keeping the head instead would
 * drop the end of every long clip or transcript.
 */
public final class TokenThinning {

    private TokenThinning() {
    }

    /** Index in the full sequence of kept token {@code i} (of {@code max}) of a sequence of {@code length}. */
    public static int source(int i, int length, int max) {
        return length <= max ? i : (int) Math.floor((i + 0.5) * length / max);
    }

    /** How many tokens a sequence of {@code length} keeps under {@code max}. */
    public static int kept(int length, int max) {
        return Math.min(length, max);
    }

    /** The kept tokens themselves (the same array when it is not longer than {@code max}). */
    public static float[][] evenly(float[][] tokens, int max) {
        if (tokens.length <= max) {
            return tokens;
        }
        float[][] kept = new float[max][];
        for (int i = 0; i < max; i++) {
            kept[i] = tokens[source(i, tokens.length, max)];
        }
        return kept;
    }
}

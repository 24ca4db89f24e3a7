package io.merspark.bench;

import io.merspark.extract.Embedding;
import io.merspark.extract.Modality;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.LongSupplier;

/**
 * Encoder-level throughput that can tell a gain from noise: every arm (modality × tensor size per call × intra-op
 * threads) is warmed up by one untimed pass over all its inputs (every shape it will see: clip lengths and text
 * lengths vary, and ONNX Runtime plans memory per shape and session), then timed over the same decoded inputs
 * {@code reps} times with the arms in a new random order each repetition, so a drift of the machine falls on every
 * arm alike. One sample of an arm repeats its pass until at least {@code minSeconds} have passed (a 70 ms pass is
 * at the mercy of one scheduler hiccup). Each modality has an A/A control: its default arm measured twice as two arms with their own
 * sessions, timed back to back (in random order) within every repetition; the median of the per-repetition ratios
 * must lie within {@link #AA_TOLERANCE} of 1 or the modality's figures are flagged. Pairing takes the machine's
 * drift between repetitions out of the control, as a paired test does.
 */
final class EncoderSweep {

    /** Largest relative difference of the two A/A medians for a sweep to be trusted. */
    static final double AA_TOLERANCE = 0.03;

    /** One pass of an arm over all its inputs. */
    interface Pass {
        void run() throws Exception;
    }

    /**
     * @param units work units of one pass (frames, seconds of audio, transcripts)
     * @param macs  multiply-adds of one pass
     */
    record Arm(Modality modality, int perCall, int threads, boolean control, double units, long macs, Pass warmUp,
               Pass pass) {

        String label() {
            return modality.key() + " " + perCall + "/call " + threads + "t" + (control ? " (A/A)" : "");
        }
    }

    /** Median and range of an arm's rates (units/s) over the repetitions. */
    record Result(Arm arm, double[] rates) {

        double median() {
            return median(rates);
        }

        double min() {
            return Arrays.stream(rates).min().orElse(Double.NaN);
        }

        double max() {
            return Arrays.stream(rates).max().orElse(Double.NaN);
        }

        /** (max − min) / median. */
        double spread() {
            return (max() - min()) / median();
        }

        double gflops() {
            return 2 * median() * (arm.macs() / arm.units()) / 1e9;
        }

        static double median(double[] v) {
            return TrainBench.median(v);
        }
    }

    private EncoderSweep() {
    }

    static List<Result> run(List<Arm> arms, int reps, long seed, double minSeconds) throws Exception {
        return run(arms, reps, seed, minSeconds, System::nanoTime);
    }

    /** @param clock nanoseconds (a test passes one its arms advance) */
    static List<Result> run(List<Arm> arms, int reps, long seed, double minSeconds, LongSupplier clock)
            throws Exception {
        for (Arm a : arms) {
            a.warmUp().run();
        }
        List<List<Integer>> blocks = blocks(arms);
        double[][] rates = new double[arms.size()][reps];
        Random random = new Random(seed);
        long minNanos = (long) (minSeconds * 1e9);
        for (int r = 0; r < reps; r++) {
            Collections.shuffle(blocks, random);
            for (List<Integer> block : blocks) {
                Collections.shuffle(block, random);
                for (int i : block) {
                    Arm a = arms.get(i);
                    int passes = 0;
                    long t0 = clock.getAsLong();
                    long elapsed;
                    do {
                        a.pass().run();
                        passes++;
                        elapsed = clock.getAsLong() - t0;
                    } while (elapsed < minNanos);
                    rates[i][r] = passes * a.units() / (elapsed / 1e9);
                }
            }
            System.out.printf(Locale.ROOT, "  encoder sweep: repetition %d of %d done%n", r + 1, reps);
        }
        List<Result> out = new ArrayList<>();
        for (int i = 0; i < arms.size(); i++) {
            out.add(new Result(arms.get(i), rates[i]));
        }
        return out;
    }

    /** Arms timed as one unit: each A/A control with its twin, every other arm alone. */
    static List<List<Integer>> blocks(List<Arm> arms) {
        List<List<Integer>> blocks = new ArrayList<>();
        for (int i = 0; i < arms.size(); i++) {
            Arm a = arms.get(i);
            if (a.control()) {
                continue;
            }
            List<Integer> block = new ArrayList<>(List.of(i));
            for (int j = 0; j < arms.size(); j++) {
                if (arms.get(j).control() && isTwin(arms.get(j), a)) {
                    block.add(j);
                }
            }
            blocks.add(block);
        }
        return blocks;
    }

    private static boolean isTwin(Arm control, Arm arm) {
        return !arm.control() && arm.modality() == control.modality() && arm.perCall() == control.perCall()
                && arm.threads() == control.threads();
    }

    /**
     * Median over the repetitions of the control's rate over its twin's (the same modality, size and threads, not a
     * control), the two timed back to back in each repetition.
     */
    static double aaRatio(List<Result> results, Modality m) {
        Result control = results.stream().filter(r -> r.arm().modality() == m && r.arm().control()).findFirst()
                .orElseThrow();
        Result twin = results.stream().filter(r -> isTwin(control.arm(), r.arm())).findFirst().orElseThrow();
        double[] ratios = new double[control.rates().length];
        for (int r = 0; r < ratios.length; r++) {
            ratios[r] = control.rates()[r] / twin.rates()[r];
        }
        return Result.median(ratios);
    }

    static boolean aaPasses(double ratio) {
        return Math.abs(ratio - 1) <= AA_TOLERANCE;
    }

    /** The fastest non-control arm of a modality at a thread count. */
    static Result best(List<Result> results, Modality m, int threads) {
        return results.stream().filter(r -> r.arm().modality() == m && !r.arm().control()
                        && r.arm().threads() == threads)
                .max((a, b) -> Double.compare(a.median(), b.median())).orElseThrow();
    }

    /** Embeddings must come back for every input; a pass that returns fewer is a broken arm, not a fast one. */
    static void expect(List<Embedding> out, int inputs, String what) {
        if (out.size() != inputs) {
            throw new IllegalStateException(what + ": " + out.size() + " embeddings for " + inputs + " inputs");
        }
    }
}

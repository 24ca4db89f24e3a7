package io.merspark.prior;

import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.DoubleArrayParam;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsWritable;
import scala.Function1;

import java.util.Arrays;

/**
 * A stage that moves probabilities from the training prior to a target prior. Both priors are positive
 * double arrays in class index order, renormalised before use, and save as plain JSON with the stage.
 *
 * @param <S> the concrete stage, so the fluent setters return it
 */
public abstract class PriorShiftStage<S extends PriorShiftStage<S>> extends Transformer
        implements DefaultParamsWritable {

    private final String uid;
    private final DoubleArrayParam trainPrior;
    private final DoubleArrayParam targetPrior;

    protected PriorShiftStage(String uid) {
        this.uid = uid;
        trainPrior = new DoubleArrayParam(this, "trainPrior",
                "class prior of the training data, in class index order, each positive",
                (Function1<double[], Object>) PriorShiftStage::positive);
        targetPrior = new DoubleArrayParam(this, "targetPrior",
                "class prior of the data to correct, in class index order, each positive",
                (Function1<double[], Object>) PriorShiftStage::positive);
    }

    private static boolean positive(double[] prior) {
        return prior.length > 0 && Arrays.stream(prior).allMatch(p -> p > 0 && !Double.isInfinite(p));
    }

    @SuppressWarnings("unchecked")
    protected S self() {
        return (S) this;
    }

    @Override
    public String uid() {
        return uid;
    }

    public DoubleArrayParam trainPrior() {
        return trainPrior;
    }

    public double[] getTrainPrior() {
        return $(trainPrior);
    }

    public S setTrainPrior(double... value) {
        set(trainPrior, value);
        return self();
    }

    public DoubleArrayParam targetPrior() {
        return targetPrior;
    }

    public double[] getTargetPrior() {
        return $(targetPrior);
    }

    public S setTargetPrior(double... value) {
        set(targetPrior, value);
        return self();
    }

    /** Checks both priors are set and of one length; returns {@code target / train} per class. */
    protected double[] ratio() {
        if (!isDefined(trainPrior)) {
            throw new IllegalArgumentException(uid + ": Param 'trainPrior' must be set");
        }
        if (!isDefined(targetPrior)) {
            throw new IllegalArgumentException(uid + ": Param 'targetPrior' must be set");
        }
        if (getTrainPrior().length != getTargetPrior().length) {
            throw new IllegalArgumentException(uid + ": Param 'trainPrior' has " + getTrainPrior().length
                    + " classes but Param 'targetPrior' has " + getTargetPrior().length);
        }
        return PriorShift.ratio(getTrainPrior(), getTargetPrior());
    }

    @Override
    public S copy(ParamMap extra) {
        @SuppressWarnings("unchecked")
        S copy = (S) defaultCopy(extra);
        return copy;
    }
}

package io.merspark.extract;

import ai.djl.inference.Predictor;

/** A task's session over one predictor of its encoder's model: closing the session closes the predictor. */
abstract class PredictorSession<I, O> implements AutoCloseable {

    protected final Predictor<I, O> predictor;

    PredictorSession(Predictor<I, O> predictor) {
        this.predictor = predictor;
    }

    @Override
    public void close() {
        predictor.close();
    }
}

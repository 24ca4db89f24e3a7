package io.merspark.select;

/** Names of the columns every accepted pseudo-label row carries (the round's {@code pseudo/} table). */
public final class PseudoLabelColumns {

    /** Class name of the pseudo-label. */
    public static final String LABEL = "label";
    /** Sample weight the trainer applies to the row's loss. */
    public static final String WEIGHT = "weight";
    /** Name of the selection strategy that accepted the row. */
    public static final String STRATEGY = "strategy";
    /** Self-training round the row was accepted in. */
    public static final String ROUND = "round";

    private PseudoLabelColumns() {
    }
}

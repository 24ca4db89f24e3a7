package io.merspark.io;

import java.io.Serializable;

/** Where each table lives under the project root (see the README's data layout). */
public record Layout(String root) implements Serializable {

    public Layout {
        root = root.endsWith("/") ? root.substring(0, root.length() - 1) : root;
    }

    public String manifest() {
        return root + "/manifest";
    }

    public String features() {
        return root + "/features";
    }

    public String features(String modality) {
        return features() + "/modality=" + modality;
    }

    public String errors() {
        return root + "/errors";
    }

    public String errors(String stage) {
        return errors() + "/stage=" + stage;
    }

    public String round(int round) {
        return root + "/rounds/round=" + round;
    }

    public String model(int round) {
        return round(round) + "/model";
    }

    /** Round r's per-group feature statistics ({@code mer.train.group-norm}), read by its train, score and evaluate. */
    public String groupStats(int round) {
        return round(round) + "/group-stats";
    }

    /** The per-group sums the rounds' statistics are updated from, kept across rounds and nights. */
    public String groupSums() {
        return root + "/group-sums";
    }

    public String scores(int round) {
        return round(round) + "/scores";
    }

    public String pseudo(int round) {
        return round(round) + "/pseudo";
    }

    public String selector(int round) {
        return round(round) + "/selector";
    }

    public String predictions(int round) {
        return round(round) + "/predictions";
    }

    public String metrics(int round) {
        return round(round) + "/metrics.json";
    }

    public String success(int round) {
        return round(round) + "/_SUCCESS";
    }

    public String reports() {
        return root + "/reports";
    }
}

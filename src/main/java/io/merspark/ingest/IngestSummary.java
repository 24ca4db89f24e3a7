package io.merspark.ingest;

import java.util.Map;

/** Counts of an ingest run: every input row is either accepted or rejected. */
public record IngestSummary(long rowsIn, long accepted, long rejected, Map<String, Long> acceptedPerSplit) {

    public boolean addsUp() {
        return rowsIn == accepted + rejected;
    }

    @Override
    public String toString() {
        return String.format("ingest: %d rows in, %d accepted %s, %d rejected", rowsIn, accepted, acceptedPerSplit, rejected);
    }
}

package io.merspark.imports;

/**
 * What an import did: {@code .npy} files found, feature rows written, error rows written (files == imported +
 * errors), the folder's feature width D, and how many files had more frames than the kept tokens.
 */
public record ImportSummary(String modality, String encoder, long files, long imported, long errors, int width,
                            long cappedFiles) {

    /** Every file is accounted for: a feature row or an error row. */
    public boolean balanced() {
        return files == imported + errors;
    }

    public ImportSummary requireBalanced() {
        if (!balanced()) {
            throw new IllegalStateException("import lost or duplicated files: " + this);
        }
        return this;
    }
}

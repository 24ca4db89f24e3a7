package io.merspark.pipeline;

import io.merspark.ingest.IngestSummary;
import io.merspark.ingest.ManifestException;
import io.merspark.ingest.ManifestIngest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.nio.file.Paths;

/** Manifest CSV → {@code manifest/} and {@code errors/stage=ingest/}. */
public final class IngestStage {

    private static final Logger LOG = LoggerFactory.getLogger(IngestStage.class);

    private IngestStage() {
    }

    public static IngestSummary run(JobContext ctx, String manifestCsv) {
        if (manifestCsv == null || manifestCsv.isBlank()) {
            throw new ManifestException("no manifest given: pass --manifest FILE or set mer.ingest.manifest");
        }
        Path csv = Paths.get(manifestCsv);
        ManifestIngest.Result result = new ManifestIngest(ctx.spark(), ctx.settings().classes()).read(csv);
        // the manifest grows with the pool and is written in parallel; the rejected rows are few, one file
        ctx.storage().commitParquet(result.accepted(), ctx.layout().manifest());
        ctx.storage().commitParquet(result.rejected().coalesce(1), ctx.layout().errors("ingest"));
        // Count from what was written, so the summary describes the committed tables.
        ManifestIngest.Result written = new ManifestIngest.Result(
                ctx.spark().read().parquet(ctx.layout().manifest()),
                ctx.spark().read().parquet(ctx.layout().errors("ingest")));
        IngestSummary summary = written.summary();
        LOG.info("{}", summary);
        return summary;
    }
}

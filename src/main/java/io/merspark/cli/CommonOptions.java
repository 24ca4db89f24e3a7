package io.merspark.cli;

import com.typesafe.config.ConfigUtil;
import io.merspark.config.ConfigLoader;
import io.merspark.config.Settings;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Flags every job takes; {@code key=value} arguments override any config key ({@code mer.} optional). */
public class CommonOptions {

    @Option(names = "--conf", paramLabel = "FILE", description = "HOCON file over reference.conf (e.g. conf/local.conf)")
    Path conf;

    @Option(names = "--root", paramLabel = "DIR", description = "output root (mer.root)")
    String root;

    @Option(names = "--manifest", paramLabel = "FILE", description = "manifest CSV (mer.ingest.manifest)")
    String manifest;

    @Option(names = "--truth", paramLabel = "FILE", description = "CSV sample_id,label of hidden labels (mer.evaluate.truth)")
    String truth;

    @Parameters(paramLabel = "key=value", description = "config overrides, e.g. train.folds=3")
    List<String> overrides = new ArrayList<>();

    Settings settings() {
        return settings(List.of());
    }

    /** The settings with {@code extra} overrides applied last (a benchmark's per-run keys). */
    Settings settings(List<String> extra) {
        List<String> all = new ArrayList<>();
        if (root != null) {
            all.add("mer.root=" + ConfigUtil.quoteString(root));
        }
        if (manifest != null) {
            all.add("mer.ingest.manifest=" + ConfigUtil.quoteString(manifest));
        }
        if (truth != null) {
            all.add("mer.evaluate.truth=" + ConfigUtil.quoteString(truth));
        }
        all.addAll(overrides);
        all.addAll(extra);
        return Settings.from(ConfigLoader.load(conf, all));
    }
}

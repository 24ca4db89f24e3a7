package io.merspark.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Multiply-adds of the bundled encoders (models/macs.json, counted from their ONNX graphs by
 * scripts/count_macs.py) and this CPU's peak, so a measured rate becomes GFLOP/s and a share of the limit.
 *
 * @param videoPerFrame      MACs of one 112-px frame through the face model
 * @param audioPerSecond     MACs per second of 16 kHz audio (mel front-end + whole-clip embedding), affine in
 *                           the clip's length with {@code audioFixed}
 * @param audioFixed         the affine fit's constant (negative: the embedding's valid convolutions trim each clip)
 * @param textPerToken       MACs of the weight products per token of one transcript
 * @param textPerTokenSquared MACs of the attention products per token² (T × T × hidden)
 * @param textInt8           the text model multiplies in int8 (quantised MiniLM), so its limit is the int8 peak
 */
record EncoderCost(long videoPerFrame, long audioPerSecond, long audioFixed, long textPerToken,
                   long textPerTokenSquared, boolean textInt8) {

    static EncoderCost read(Path macsJson) {
        try {
            JsonNode j = new ObjectMapper().readTree(Files.readString(macsJson));
            return new EncoderCost(j.at("/video/macs_per_unit").asLong(), j.at("/audio/macs_per_second").asLong(),
                    j.at("/audio/macs_fixed").asLong(), j.at("/text/macs_per_token").asLong(),
                    j.at("/text/macs_per_token_squared").asLong(), "int8".equals(j.at("/text/precision").asText()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + macsJson + " (made by scripts/count_macs.py)", e);
        }
    }

    long audioClip(int samples) {
        return Math.max(0, Math.round(audioPerSecond * (samples / 16000.0)) + audioFixed);
    }

    long text(int tokens) {
        return textPerToken * tokens + textPerTokenSquared * (long) tokens * tokens;
    }

    /**
     * Single-precision peak of one core: FMA lanes x 2 FLOPs x 2 FMA ports x clock (AVX-512: 16 lanes, AVX2: 8,
     * else 4), from /proc/cpuinfo; 0 when it cannot be read. An upper bound: real kernels reach a part of it.
     */
    static double peakGflopsPerCore() {
        return peakGflopsPerCore(false);
    }

    /**
     * With {@code int8}: the int8 peak, 4x the single-precision one with VNNI (a 4-way int8 dot product per
     * 32-bit lane), 2x without it (AVX2's 16-bit multiply-add pairs).
     */
    static double peakGflopsPerCore(boolean int8) {
        try {
            String info = Files.readString(Path.of("/proc/cpuinfo"));
            Matcher mhz = Pattern.compile("cpu MHz\\s*:\\s*([0-9.]+)").matcher(info);
            Matcher flags = Pattern.compile("flags\\s*:\\s*(.*)").matcher(info);
            if (!mhz.find() || !flags.find()) {
                return 0;
            }
            String f = " " + flags.group(1) + " ";
            int lanes = f.contains(" avx512f ") ? 16 : f.contains(" avx2 ") && f.contains(" fma ") ? 8 : 4;
            double fp32 = lanes * 2.0 * 2 * Double.parseDouble(mhz.group(1)) / 1000;
            return !int8 ? fp32 : fp32 * (f.contains(" avx512_vnni ") || f.contains(" avx_vnni ") ? 4 : 2);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    static String cpuName() {
        try {
            Matcher m = Pattern.compile("model name\\s*:\\s*(.*)").matcher(Files.readString(Path.of("/proc/cpuinfo")));
            return m.find() ? m.group(1).trim() : "unknown CPU";
        } catch (IOException e) {
            return "unknown CPU";
        }
    }

    static String gflops(double macsPerSecond) {
        return String.format(Locale.ROOT, "%.1f", 2 * macsPerSecond / 1e9);
    }
}

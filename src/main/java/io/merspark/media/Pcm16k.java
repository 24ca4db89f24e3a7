package io.merspark.media;

import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;

import java.nio.ShortBuffer;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * An audio track being decoded to 16 kHz mono PCM floats in [-1, 1]: the grabber settings that make FFmpeg resample
 * to it, the samples gathered frame by frame, and the checks that turn an empty or cut-off track into an error.
 */
final class Pcm16k {

    static final int SAMPLE_RATE = 16_000;

    private float[] pcm = new float[SAMPLE_RATE * 8];
    private int n;

    /** FFmpeg resamples every processed audio frame to 16 kHz mono signed 16-bit. */
    static void configure(FFmpegFrameGrabber grabber, int threads) {
        grabber.setSampleRate(SAMPLE_RATE);
        grabber.setAudioChannels(1);
        grabber.setSampleFormat(avutil.AV_SAMPLE_FMT_S16);
        grabber.setSampleMode(FrameGrabber.SampleMode.SHORT);
        grabber.setAudioOption("threads", Integer.toString(threads));
    }

    /** Appends a processed audio frame's samples (a frame without samples adds nothing). */
    void append(Frame frame) {
        if (frame.samples == null) {
            return;
        }
        ShortBuffer samples = (ShortBuffer) frame.samples[0];
        int count = samples.remaining();
        if (n + count > pcm.length) {
            pcm = Arrays.copyOf(pcm, Math.max(pcm.length * 2, n + count));
        }
        for (int i = 0; i < count; i++) {
            pcm[n + i] = samples.get(samples.position() + i) / 32768f;
        }
        n += count;
    }

    /**
     * @return the decoded track
     * @throws MediaException when nothing was decoded, or less than {@link MediaFiles#MIN_DECODED_SHARE} of the
     *                        audio stream's declared duration
     */
    float[] finish(FFmpegFrameGrabber grabber, Path media) throws MediaException {
        if (n == 0) {
            throw new MediaException("truncated or empty audio, no audio samples decoded: " + media.getFileName());
        }
        double declared = declaredSeconds(grabber);
        if (declared > 0 && n < MediaFiles.MIN_DECODED_SHARE * declared * SAMPLE_RATE) {
            throw new MediaException(String.format(java.util.Locale.ROOT,
                    "truncated or corrupt audio, decoding ended after %.2f of %.2f declared seconds: %s",
                    n / (double) SAMPLE_RATE, declared, media.getFileName()));
        }
        return Arrays.copyOf(pcm, n);
    }

    /** The audio stream's own declared duration in seconds (not the container's, which may be the video's), or 0. */
    private static double declaredSeconds(FFmpegFrameGrabber grabber) {
        AVFormatContext format = grabber.getFormatContext();
        if (format == null) {
            return 0;
        }
        for (int i = 0; i < format.nb_streams(); i++) {
            AVStream stream = format.streams(i);
            if (stream.codecpar().codec_type() == avutil.AVMEDIA_TYPE_AUDIO && stream.duration() > 0) {
                return stream.duration() * avutil.av_q2d(stream.time_base());
            }
        }
        return 0;
    }
}

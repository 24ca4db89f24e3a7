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

/** Decodes the audio track of a video or audio file to 16 kHz mono PCM floats in [-1, 1], resampled by FFmpeg. */
public final class AudioDecoder {

    public static final int SAMPLE_RATE = 16_000;

    private final int threads;

    /** One FFmpeg decoding thread: the caller is a single-core Spark task. */
    public AudioDecoder() {
        this(1);
    }

    /** @param threads FFmpeg decoding threads (the cores of the task) */
    public AudioDecoder(int threads) {
        this.threads = Math.max(1, threads);
    }

    /**
     * @throws MediaException for a missing, non-media or truncated file, a file without audio track, or one that
     *                        decodes to zero samples. Silent audio is valid audio and is returned as zeros.
     */
    public float[] decodeMono16k(Path media) throws MediaException {
        MediaFiles.requireReadable(media);
        FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(media.toFile());
        grabber.setVideoStream(-1);
        grabber.setSampleRate(SAMPLE_RATE);
        grabber.setAudioChannels(1);
        grabber.setSampleFormat(avutil.AV_SAMPLE_FMT_S16);
        grabber.setSampleMode(FrameGrabber.SampleMode.SHORT);
        grabber.setAudioOption("threads", Integer.toString(threads));
        try {
            MediaFiles.start(grabber, media);
            if (!grabber.hasAudio()) {
                throw new MediaException("no audio track: " + media.getFileName());
            }
            float[] pcm = new float[SAMPLE_RATE * 8];
            int n = 0;
            Frame frame;
            while ((frame = grabber.grabSamples()) != null) {
                if (frame.samples == null) {
                    continue;
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
        } catch (FrameGrabber.Exception e) {
            throw new MediaException("audio decoding failed (corrupt or truncated): " + media.getFileName(), e);
        } finally {
            MediaFiles.closeQuietly(grabber);
        }
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

package io.merspark.media;

import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;

import java.nio.file.Path;

/** Decodes the audio track of a video or audio file to 16 kHz mono PCM floats in [-1, 1], resampled by FFmpeg. */
public final class AudioDecoder {

    public static final int SAMPLE_RATE = Pcm16k.SAMPLE_RATE;

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
        Pcm16k pcm = new Pcm16k();
        Pcm16k.configure(grabber, threads);
        try {
            MediaFiles.start(grabber, media);
            if (!grabber.hasAudio()) {
                throw new MediaException("no audio track: " + media.getFileName());
            }
            Frame frame;
            while ((frame = grabber.grabSamples()) != null) {
                pcm.append(frame);
            }
            return pcm.finish(grabber, media);
        } catch (FrameGrabber.Exception e) {
            throw new MediaException("audio decoding failed (corrupt or truncated): " + media.getFileName(), e);
        } finally {
            MediaFiles.closeQuietly(grabber);
        }
    }
}

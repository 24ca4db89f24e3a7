package io.merspark.media;

import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;

import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * One FFmpeg open of a clip for both of its tracks: {@code frames} video frames spread uniformly over the clip and
 * the whole audio track as 16 kHz mono. The frames and samples are exactly those of {@link VideoFrameSampler} and
 * {@link AudioDecoder} run one after the other (same decoders, same packets, same conversions), for one container
 * open, one demux and no video decoding after the last picked frame.
 */
public final class ClipDecoder {

    /** A clip's picked frames in clip order, and its audio track (null when not asked for). */
    public record Clip<T>(List<T> frames, float[] audio) {
    }

    /**
     * JavaCV converts a grabbed frame only when asked, and the ask covers audio and video alike; unpicked video
     * frames are not worth an RGB conversion, so an audio frame grabbed without processing is resampled by the
     * grabber's own routine (the one {@code grabFrame} would have called). Null where the library lacks it: every
     * frame is then processed, which gives the same output, only slower.
     */
    private static final Method PROCESS_SAMPLES = processSamples();

    private final int threads;

    /** @param threads FFmpeg decoding threads (the cores of the task; FFmpeg's automatic count oversubscribes them) */
    public ClipDecoder(int threads) {
        this.threads = Math.max(1, threads);
    }

    /** Frames as float RGB CHW images of {@code size}² (see {@link VideoFrameSampler#sample}) and the audio. */
    public Clip<float[]> decodeChw(Path media, int frames, int size) throws MediaException {
        return chw(media, frames, size, true);
    }

    /** Frames at full resolution (for face detection and cropping) and the audio. */
    public Clip<RgbImage> decodeImages(Path media, int frames) throws MediaException {
        return images(media, frames, true);
    }

    /** CHW frames, with the audio track when {@code withAudio}. */
    Clip<float[]> chw(Path media, int frames, int size, boolean withAudio) throws MediaException {
        if (frames <= 0 || size <= 0) {
            throw new IllegalArgumentException("frames and size must be positive: " + frames + ", " + size);
        }
        return decode(media, frames, frame -> VideoFrameSampler.toChw(frame, size), withAudio);
    }

    /** Full-resolution frames, with the audio track when {@code withAudio}. */
    Clip<RgbImage> images(Path media, int frames, boolean withAudio) throws MediaException {
        if (frames <= 0) {
            throw new IllegalArgumentException("frames must be positive: " + frames);
        }
        return decode(media, frames, RgbImage::of, withAudio);
    }

    /**
     * @param withAudio also decode the whole audio track (else the frames alone, stopping after the last pick)
     * @throws MediaException for a missing, non-media or truncated file, one without decodable video frames, or,
     *                        with audio, one without an audio track or with a truncated one
     */
    private <T> Clip<T> decode(Path media, int frames, Function<Frame, T> keep, boolean withAudio)
            throws MediaException {
        MediaFiles.requireReadable(media);
        FFmpegFrameGrabber grabber = open(media, threads, withAudio);
        try {
            if (!grabber.hasVideo()) {
                throw new MediaException("no video track: " + media.getFileName());
            }
            if (withAudio && !grabber.hasAudio()) {
                throw new MediaException("no audio track: " + media.getFileName());
            }
            // The declared frame count comes from the same grabber that decodes (a second pass only for a
            // container that declares none).
            int declared = Math.max(grabber.getLengthInVideoFrames(), 0);
            int total = declared > 0 ? declared : countedFrames(media, threads);
            boolean[] wanted = VideoFrameSampler.uniformPicks(total, frames);
            List<T> picked = new ArrayList<>(frames);
            Pcm16k pcm = withAudio ? new Pcm16k() : null;
            int index = 0;
            while (true) {
                boolean videoLeft = picked.size() < frames;
                if (!videoLeft && !withAudio) {
                    break;
                }
                // Only a picked frame is converted to RGB (doProcessing); the others are decoded and skipped.
                boolean pick = videoLeft && index < wanted.length && wanted[index];
                boolean process = pick || (withAudio && PROCESS_SAMPLES == null);
                Frame frame = grabber.grabFrame(withAudio, videoLeft, process, false, false);
                if (frame == null) {
                    break;
                }
                if (frame.type == Frame.Type.AUDIO) {
                    if (!process) {
                        processSamples(grabber);
                    }
                    pcm.append(frame);
                } else if (frame.type == Frame.Type.VIDEO) {
                    if (pick) {
                        picked.add(keep.apply(frame));
                    }
                    index++;
                }
            }
            if (index == 0) {
                throw new MediaException("truncated or corrupt video, no video frames decoded: " + media.getFileName());
            }
            // Decoding ended before the picks did: the stream is shorter than declared.
            if (picked.size() < frames && declared > 0 && index < MediaFiles.MIN_DECODED_SHARE * declared) {
                throw new MediaException("truncated or corrupt video, decoding ended after " + index + " of "
                        + declared + " declared frames: " + media.getFileName());
            }
            return new Clip<>(picked, withAudio ? pcm.finish(grabber, media) : null);
        } catch (FrameGrabber.Exception e) {
            throw new MediaException("video decoding failed (corrupt or truncated): " + media.getFileName(), e);
        } finally {
            MediaFiles.closeQuietly(grabber);
        }
    }

    /** An exact count from a decoding pass, for containers that do not declare one. */
    private static int countedFrames(Path video, int threads) throws MediaException {
        FFmpegFrameGrabber grabber = open(video, threads, false);
        try {
            int counted = 0;
            while (grabber.grabImage() != null) {
                counted++;
            }
            return counted;
        } catch (FrameGrabber.Exception e) {
            throw new MediaException("video decoding failed (corrupt or truncated): " + video.getFileName(), e);
        } finally {
            MediaFiles.closeQuietly(grabber);
        }
    }

    private static FFmpegFrameGrabber open(Path media, int threads, boolean withAudio) throws MediaException {
        FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(media.toFile());
        grabber.setPixelFormat(avutil.AV_PIX_FMT_RGB24);
        grabber.setAudioStream(-1);
        grabber.setVideoOption("threads", Integer.toString(threads));
        if (withAudio) {
            Pcm16k.configure(grabber, threads);
        }
        try {
            MediaFiles.start(grabber, media);
        } catch (MediaException e) {
            MediaFiles.closeQuietly(grabber);
            throw e;
        }
        return grabber;
    }

    private static void processSamples(FFmpegFrameGrabber grabber) throws MediaException {
        try {
            PROCESS_SAMPLES.invoke(grabber);
        } catch (ReflectiveOperationException e) {
            throw new MediaException("audio resampling failed: " + e.getCause(), e);
        }
    }

    private static Method processSamples() {
        try {
            Method m = FFmpegFrameGrabber.class.getDeclaredMethod("processSamples");
            m.setAccessible(true);
            return m;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}

#!/usr/bin/env bash
# Makes the small media fixtures of the bad-input tests (run once with Debian's ffmpeg; the outputs are committed,
# so the tests need no ffmpeg):   apt-get install -y ffmpeg && ./make_media.sh
set -euo pipefail
cd "$(dirname "$0")"
ff=(ffmpeg -y -hide_banner -loglevel error -bitexact)
# 1 s of video, no audio track
"${ff[@]}" -f lavfi -i testsrc=size=96x96:rate=10 -t 1 -c:v mpeg4 -q:v 10 -an video_only.mp4
# 1 s of video with a silent (all-zero) AAC audio track
"${ff[@]}" -f lavfi -i testsrc=size=96x96:rate=10 -f lavfi -i anullsrc=r=16000:cl=mono -t 1 \
  -c:v mpeg4 -q:v 10 -c:a aac -b:a 32k -shortest silent_audio.mp4
# 1 s of silent 16 kHz mono PCM
"${ff[@]}" -f lavfi -i anullsrc=r=16000:cl=mono -t 1 -c:a pcm_s16le silence.wav
# a WAV header with no samples at all
"${ff[@]}" -f lavfi -i anullsrc=r=16000:cl=mono -t 0 -c:a pcm_s16le zero_samples.wav
# 2 s of ffmpeg's SMPTE colour bars (no face anywhere) with a 440 Hz tone: face = detect must find no face.
# (Not testsrc/testsrc2: face-api's TinyFaceDetector itself scores a box on their moving top part 0.82 / 0.97.)
"${ff[@]}" -f lavfi -i smptebars=size=320x240:rate=15 -f lavfi -i sine=frequency=440:sample_rate=16000 -t 2 \
  -c:v mpeg4 -q:v 8 -c:a aac -b:a 32k -shortest smptebars_noface.mp4
# a zero-byte file
: > zero_bytes.mp4
ls -l

//! The FFmpeg backend: H.264 through libx264 in fragmented MP4, or VP9
//! through libvpx in WebM; yuv420p.
//!
//! Frames go RGB24 ─yuvutils─▶ YUV420P ─libx264─▶ MP4 muxer (or ─libvpx-vp9─▶
//! WebM muxer). The colour conversion (BT.601, limited range; see
//! `codecs/yuv.rs`) writes straight into the encoder's frame, row by row at
//! its stride, and the stream is tagged with what it did: matrix, primaries
//! and transfer SMPTE 170M (BT.601 525), limited range. The MP4 is fragmented
//! (`movflags=frag_keyframe+empty_moov+default_base_moof`) and flushed after
//! every packet, so a process killed mid-video leaves a playable file holding
//! every fragment completed so far (a fragment ends at each keyframe, by
//! default once a second). WebM (Matroska) is written cluster by cluster and
//! flushed likewise, so a cut-off WebM plays up to its last cluster.
//!
//! For VP9, [`EncoderSettings`] map onto libvpx: `crf` is scaled from x264's
//! 0..=51 to libvpx's 0..=63 (23 becomes 28), the preset picks the speed
//! (`ultrafast`/`superfast` → `cpu-used` 8, `veryfast` → 7, `faster` → 6,
//! `fast` → 5, `medium` → 4, slower presets → 3 … 0) at the `realtime`
//! deadline with row multithreading.
//!
//! Odd frame sizes are padded to even by repeating the last column/row (the
//! picture is never stretched), since yuv420p needs even sizes.
//!
//! The sink is a two-stage pipeline: [`VideoSink::write`] converts the
//! frame into one of three pooled YUV frames on the caller's thread (the
//! writer's encoder thread, which also renders snapshots and draws
//! overlays), and a thread of the sink's own (`gymrec-x264`) encodes and
//! muxes it. With one encoder thread, x264 so gets a core to itself
//! instead of sharing it with the conversion.
//!
//! This is the crate's one module with unsafe code (the crate denies it
//! elsewhere): FFmpeg's frame buffers, written in place.

#![allow(unsafe_code)]

use std::path::{Path, PathBuf};
use std::sync::Once;
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread::JoinHandle;

use ff::format::Pixel;
use ff::{Dictionary, Packet, Rational, codec, color, encoder, format, frame};
use ffmpeg_next as ff;

use super::yuv::{Planes, RgbToYuv};
use crate::frame::Frame;
use crate::video::facts::file_bytes;
use crate::video::{EncoderSettings, VideoFacts, VideoFormat, VideoSink, VideoSpec};
use crate::{Error, Result, Setting};

static INIT: Once = Once::new();

/// Initialises libav once per process and sets its log level to errors, so
/// that it does not print its banner and per-file notes to stderr.
pub(crate) fn init_ffmpeg() {
    INIT.call_once(|| {
        if let Err(e) = ff::init() {
            log::warn!("FFmpeg initialisation reported {e}");
        }
        ff::util::log::set_level(ff::util::log::Level::Error);
    });
}

/// A [`VideoSink`] writing H.264 (libx264) in fragmented MP4, or VP9
/// (libvpx) in WebM, through FFmpeg.
///
/// ```no_run
/// use gymrec::video::{EncoderSettings, VideoSink, VideoSpec};
/// use gymrec::video::codecs::ffmpeg::FfmpegSink;
///
/// # fn main() -> gymrec::Result<()> {
/// let spec = VideoSpec::new(64, 48, 30);
/// let mut sink = FfmpegSink::create("clip.mp4".as_ref(), &spec, &EncoderSettings::default())?;
/// let frame = image::RgbImage::new(64, 48);
/// for _ in 0..30 {
///     sink.write(&frame)?;
/// }
/// let facts = sink.finish()?;
/// assert_eq!(facts.frames, 30);
/// # Ok(())
/// # }
/// ```
pub struct FfmpegSink {
    path: PathBuf,
    spec: VideoSpec,
    container: Container,
    converter: RgbToYuv,
    /// YUV frames to convert into, back from the encoding thread.
    free: Receiver<frame::Video>,
    /// Converted frames to the encoding thread; `None` once closed.
    to_encoder: Option<SyncSender<frame::Video>>,
    /// The encoding thread, until joined.
    encoding: Option<JoinHandle<Result<()>>>,
    frames: u64,
}

/// YUV frames in a sink's pool: one being converted, one waiting, one
/// being encoded.
const YUV_FRAMES: usize = 3;

/// The encoding stage of an [`FfmpegSink`], on its own thread: the
/// encoder and the muxer.
struct Encoding {
    path: PathBuf,
    octx: format::context::Output,
    encoder: encoder::Video,
    packet: Packet,
    encoder_time_base: Rational,
    stream_time_base: Rational,
}

/// The containers and codecs this backend writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Container {
    /// H.264 (libx264) in fragmented MP4.
    Mp4,
    /// VP9 (libvpx) in WebM.
    WebM,
}

impl Container {
    fn encoder_name(self) -> &'static str {
        match self {
            Container::Mp4 => "libx264",
            Container::WebM => "libvpx-vp9",
        }
    }

    fn muxer_name(self) -> &'static str {
        match self {
            Container::Mp4 => "mp4",
            Container::WebM => "webm",
        }
    }

    fn codec_hint(self) -> &'static str {
        match self {
            Container::Mp4 => HINT_CODEC,
            Container::WebM => HINT_CODEC_VP9,
        }
    }

    /// The encoder's private options for `settings`.
    fn options(self, settings: &EncoderSettings) -> Dictionary<'static> {
        let mut opts = Dictionary::new();
        let threads = settings.threads_or_auto().to_string();
        match self {
            Container::Mp4 => {
                opts.set("preset", &settings.preset);
                opts.set("crf", &settings.crf.to_string());
                opts.set("threads", &threads);
                if settings.threads_or_auto() > 1 {
                    // With frame threads x264 runs its lookahead on a thread
                    // of its own and by default buffers `bframes + 1` (4 at
                    // veryfast) frames for it, each a padded picture with
                    // its half-size planes (1.1 MB at 600×400). One is no
                    // slower here and keeps one long video under 64 MiB
                    // (docs/BENCHMARKS.md); the stream is the same either
                    // way (decoded frames are bit-identical).
                    opts.set("x264-params", "sync-lookahead=1");
                }
            }
            Container::WebM => {
                opts.set("deadline", "realtime");
                opts.set("cpu-used", &vp9_cpu_used(&settings.preset).to_string());
                opts.set("crf", &vp9_crf(settings.crf).to_string());
                opts.set("b", "0");
                opts.set("row-mt", "1");
                opts.set("threads", &threads);
            }
        }
        opts
    }
}

/// libvpx's `cpu-used` for an x264 preset name: faster presets, higher
/// speed.
fn vp9_cpu_used(preset: &str) -> u32 {
    match preset {
        "ultrafast" | "superfast" => 8,
        "veryfast" => 7,
        "faster" => 6,
        "fast" => 5,
        "medium" => 4,
        "slow" => 3,
        "slower" => 2,
        "veryslow" => 1,
        _ => 0,
    }
}

/// x264's CRF (0..=51) scaled to libvpx's (0..=63).
fn vp9_crf(crf: u8) -> u32 {
    (u32::from(crf) * 63 + 25) / 51
}

impl FfmpegSink {
    /// Sets up libx264 for frames of `spec`'s size, then creates `path`
    /// (replacing an existing file) and writes the MP4 header.
    ///
    /// Errors as [`VideoSpec::validate`] and [`EncoderSettings::validate`]
    /// do for an invalid spec or settings, and with [`Error::Encode`] naming
    /// `path` when the file cannot be created or FFmpeg refuses the setup
    /// (e.g. no libx264); its source is FFmpeg's error, an
    /// [`std::io::Error`] of the errno's kind for a system error (a missing
    /// folder is [`NotFound`](std::io::ErrorKind::NotFound)).
    pub fn create(path: &Path, spec: &VideoSpec, settings: &EncoderSettings) -> Result<Self> {
        Self::create_as(path, spec, settings, Container::Mp4)
    }

    /// Sets up libvpx-vp9 for frames of `spec`'s size, then creates `path`
    /// (replacing an existing file) and writes the WebM header. See the
    /// [module docs](self) for how `settings` map onto libvpx.
    ///
    /// Errors as [`create`](Self::create) does (e.g. an FFmpeg without
    /// libvpx).
    pub fn create_webm(path: &Path, spec: &VideoSpec, settings: &EncoderSettings) -> Result<Self> {
        Self::create_as(path, spec, settings, Container::WebM)
    }

    fn create_as(
        path: &Path,
        spec: &VideoSpec,
        settings: &EncoderSettings,
        container: Container,
    ) -> Result<Self> {
        spec.validate()?;
        settings.validate()?;
        init_ffmpeg();
        let (ew, eh) = spec.encoded_size();
        let fps = i32::try_from(spec.fps).map_err(|_| Error::OutOfRange {
            setting: Setting::Fps,
            value: spec.fps.into(),
            allowed: 1..=i32::MAX as u64,
            context: Some(path.display().to_string()),
        })?;
        let encoder_time_base = Rational::new(1, fps);
        let encoder = Self::open_encoder(path, spec, settings, container, fps)?;
        // The file is created only once the encoder is open, so that bad
        // settings leave no file behind.
        let octx = Self::create_file(path, &encoder, fps, container)?;
        let stream_time_base = octx
            .stream(0)
            .map(|s| s.time_base())
            .unwrap_or(encoder_time_base);
        let (free_tx, free) = Self::yuv_pool(path, (ew, eh))?;

        log::debug!(
            "{}: encoding {} {}x{} (encoded {ew}x{eh}) at {} fps, preset {}, crf {}, {} thread(s)",
            path.display(),
            container.encoder_name(),
            spec.width,
            spec.height,
            spec.fps,
            settings.preset,
            settings.crf,
            settings.threads_or_auto()
        );

        let encoding = Encoding {
            path: path.to_path_buf(),
            octx,
            encoder,
            packet: Packet::empty(),
            encoder_time_base,
            stream_time_base,
        };
        let (to_encoder, converted) = mpsc::sync_channel(1);
        let encoding = std::thread::Builder::new()
            .name("gymrec-x264".into())
            .spawn(move || encoding.run(converted, free_tx))
            .map_err(|e| Error::io(path, e))?;
        Ok(FfmpegSink {
            path: path.to_path_buf(),
            spec: *spec,
            container,
            converter: RgbToYuv::new((spec.width, spec.height), (ew, eh)),
            free,
            to_encoder: Some(to_encoder),
            encoding: Some(encoding),
            frames: 0,
        })
    }

    /// The container's encoder, opened for YUV420P frames of `spec`'s
    /// encoded size at `fps`, tagged BT.601 limited range, with `settings`.
    fn open_encoder(
        path: &Path,
        spec: &VideoSpec,
        settings: &EncoderSettings,
        container: Container,
        fps: i32,
    ) -> Result<encoder::Video> {
        let hint_codec = container.codec_hint();
        let fail = |what: &str, e: ff::Error| encode_error(path, what, hint_codec, e);
        let name = container.encoder_name();
        let codec = encoder::find_by_name(name).ok_or_else(|| {
            fail(
                &format!("this FFmpeg has no {name} encoder"),
                ff::Error::EncoderNotFound,
            )
        })?;
        let mut enc = codec::context::Context::new_with_codec(codec)
            .encoder()
            .video()
            .map_err(|e| fail("cannot make a video encoder", e))?;
        let (ew, eh) = spec.encoded_size();
        enc.set_width(ew);
        enc.set_height(eh);
        enc.set_format(Pixel::YUV420P);
        enc.set_time_base(Rational::new(1, fps));
        enc.set_frame_rate(Some(Rational::new(fps, 1)));
        enc.set_gop(settings.keyframe_interval_for(spec.fps));
        // The conversion uses BT.601 coefficients and limited range; say so
        // in the stream, with BT.601's primaries and transfer, so that
        // players do not guess (browsers guess BT.709 for HD sizes).
        enc.set_colorspace(COLOR_SPACE);
        enc.set_color_range(COLOR_RANGE);
        enc.set_color_primaries(COLOR_PRIMARIES);
        enc.set_color_transfer_characteristic(COLOR_TRANSFER);
        // MP4 keeps the SPS/PPS in the header (avcC), not in the stream;
        // WebM keeps the codec's setup in its header likewise.
        enc.set_flags(codec::flag::Flags::GLOBAL_HEADER);
        enc.open_as_with(codec, container.options(settings))
            .map_err(|e| fail(&format!("cannot open {name} with these settings"), e))
    }

    /// Creates `path` (replacing an existing file) and writes its header;
    /// when the header cannot be written, the file is removed again.
    fn create_file(
        path: &Path,
        encoder: &encoder::Video,
        fps: i32,
        container: Container,
    ) -> Result<format::context::Output> {
        let mut octx = format::output_as(path, container.muxer_name())
            .map_err(|e| encode_error(path, "cannot create the file", HINT_CREATE, e))?;
        match Self::start_file(&mut octx, encoder, path, fps, container) {
            Ok(()) => Ok(octx),
            Err(e) => {
                drop(octx);
                let _ = std::fs::remove_file(path);
                Err(e)
            }
        }
    }

    /// The pool of [`YUV_FRAMES`] frames of `size` the converter fills and
    /// the encoding thread gives back: the sender for the encoding thread,
    /// the receiver for the sink.
    fn yuv_pool(
        path: &Path,
        (width, height): (u32, u32),
    ) -> Result<(SyncSender<frame::Video>, Receiver<frame::Video>)> {
        let (free_tx, free) = mpsc::sync_channel(YUV_FRAMES);
        for _ in 0..YUV_FRAMES {
            let yuv = frame::Video::new(Pixel::YUV420P, width, height);
            // SAFETY: the frame is a valid AVFrame just made; `is_empty`
            // reads its data pointer.
            if unsafe { yuv.is_empty() } {
                return Err(encode_error(
                    path,
                    "cannot allocate the frame buffers",
                    HINT_OTHER,
                    ff::Error::Other {
                        errno: ff::error::ENOMEM,
                    },
                ));
            }
            let _ = free_tx.send(yuv);
        }
        Ok((free_tx, free))
    }

    /// Adds the video stream to `octx` and writes the header (for MP4, a
    /// fragmented one).
    fn start_file(
        octx: &mut format::context::Output,
        encoder: &encoder::Video,
        path: &Path,
        fps: i32,
        container: Container,
    ) -> Result<()> {
        let fail = |what: &str, hint: &'static str, e: ff::Error| encode_error(path, what, hint, e);
        {
            let mut stream = octx
                .add_stream(encoder.codec())
                .map_err(|e| fail("cannot add a video stream", HINT_OTHER, e))?;
            stream.set_parameters(encoder);
            stream.set_time_base(Rational::new(1, fps));
            stream.set_avg_frame_rate(Rational::new(fps, 1));
            stream.set_rate(Rational::new(fps, 1));
        }
        let mut header_opts = Dictionary::new();
        if container == Container::Mp4 {
            header_opts.set("movflags", "frag_keyframe+empty_moov+default_base_moof");
        }
        header_opts.set("flush_packets", "1");
        let unused: Vec<String> = octx
            .write_header_with(header_opts)
            .map_err(|e| fail("cannot write the header", HINT_WRITE, e))?
            .iter()
            .map(|(key, value)| format!("{key}={value}"))
            .collect();
        for option in unused {
            log::warn!("{}: the muxer ignored the option {option}", path.display());
        }
        Ok(())
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Frames written so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    fn fail(&self, what: &str, hint: &'static str, e: ff::Error) -> Error {
        encode_error(&self.path, what, hint, e)
    }

    /// Closes the encoding thread's queue and waits for it: its error, or
    /// `Ok` once it has flushed the encoder and written the trailer.
    fn join_encoding(&mut self) -> Result<()> {
        self.to_encoder = None;
        match self.encoding.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(encode_failed(
                &self.path,
                "the encoding thread panicked".into(),
                HINT_OTHER,
            )),
            None => Err(encode_failed(
                &self.path,
                "the sink was already finished".into(),
                HINT_OTHER,
            )),
        }
    }

    /// The error that stopped the encoding thread, which has hung up.
    fn encoding_failure(&mut self) -> Error {
        match self.join_encoding() {
            Err(e) => e,
            Ok(()) => encode_failed(
                &self.path,
                "the encoding thread ended early".into(),
                HINT_OTHER,
            ),
        }
    }
}

impl Encoding {
    fn fail(&self, what: &str, hint: &'static str, e: ff::Error) -> Error {
        encode_error(&self.path, what, hint, e)
    }

    /// Encodes every converted frame received, giving each back to the
    /// pool, until the queue closes; then flushes the encoder and writes
    /// the trailer. The file is closed when this returns.
    fn run(
        mut self,
        converted: Receiver<frame::Video>,
        free: SyncSender<frame::Video>,
    ) -> Result<()> {
        for yuv in converted {
            if let Err(e) = self.encoder.send_frame(&yuv) {
                return Err(self.fail("the encoder refused a frame", HINT_OTHER, e));
            }
            self.drain()?;
            // The pool holds every frame there is: never full.
            let _ = free.try_send(yuv);
        }
        if let Err(e) = self.encoder.send_eof() {
            return Err(self.fail("cannot flush the encoder", HINT_OTHER, e));
        }
        self.drain()?;
        if let Err(e) = self.octx.write_trailer() {
            return Err(self.fail("cannot finish the file", HINT_WRITE, e));
        }
        self.close_file()
    }

    /// Writes out what FFmpeg still buffers (the last fragment: the
    /// trailer leaves it in the I/O buffer) and closes the file, with its
    /// error: ffmpeg-next closes the file on drop and drops the error, so a
    /// full disk would leave a video cut short and reported whole.
    fn close_file(&mut self) -> Result<()> {
        // SAFETY: `octx` is a valid output context whose `pb` is the
        // AVIOContext it opened (or null); `avio_closep` flushes and closes
        // it and sets `pb` to null, so that the context's drop (which calls
        // `avio_close(pb)`, a no-op on null) does not close it again.
        let ret = unsafe { ff::ffi::avio_closep(&mut (*self.octx.as_mut_ptr()).pb) };
        if ret < 0 {
            return Err(self.fail(
                "cannot write the end of the file",
                HINT_WRITE,
                ff::Error::from(ret),
            ));
        }
        Ok(())
    }

    /// Sends every packet the encoder has ready to the muxer.
    fn drain(&mut self) -> Result<()> {
        loop {
            match self.encoder.receive_packet(&mut self.packet) {
                Ok(()) => {
                    self.packet.set_stream(0);
                    if self.packet.duration() <= 0 {
                        self.packet.set_duration(1);
                    }
                    self.packet
                        .rescale_ts(self.encoder_time_base, self.stream_time_base);
                    self.packet.set_position(-1);
                    let res = self.packet.write_interleaved(&mut self.octx);
                    if let Err(e) = res {
                        return Err(self.fail("cannot write a packet", HINT_WRITE, e));
                    }
                }
                Err(ff::Error::Other { errno }) if errno == ff::error::EAGAIN => return Ok(()),
                Err(ff::Error::Eof) => return Ok(()),
                Err(e) => return Err(self.fail("the encoder failed", HINT_OTHER, e)),
            }
        }
    }
}

/// Hint for an error creating the file.
const HINT_CREATE: &str = "check that its folder exists and is writable";
/// Hint for an error setting up libx264.
const HINT_CODEC: &str =
    "use an FFmpeg built with libx264 (--enable-libx264) and valid encoder settings";
/// Hint for an error setting up libvpx-vp9.
const HINT_CODEC_VP9: &str =
    "use an FFmpeg built with libvpx (--enable-libvpx) and valid encoder settings";
/// Hint for an error writing to the file.
const HINT_WRITE: &str = "check that the disk is not full and the file was not removed";
/// Hint for other FFmpeg errors.
const HINT_OTHER: &str = "FFmpeg refused it; check the frame size and encoder settings";

/// The colour matrix the conversion uses and the stream says: BT.601 (525
/// lines, SMPTE 170M; the same coefficients as BT.470 BG).
const COLOR_SPACE: color::Space = color::Space::SMPTE170M;
/// The range the conversion writes and the stream says: limited ("MPEG",
/// Y in 16..=235, chroma in 16..=240).
const COLOR_RANGE: color::Range = color::Range::MPEG;
/// The colour primaries the stream says: BT.601 525 (SMPTE 170M), which
/// players treat as sRGB's for rendered frames.
const COLOR_PRIMARIES: color::Primaries = color::Primaries::SMPTE170M;
/// The transfer characteristics the stream says: BT.601 (SMPTE 170M).
const COLOR_TRANSFER: color::TransferCharacteristic = color::TransferCharacteristic::SMPTE170M;

/// The three planes of a YUV420P frame, to write into, each as long as its
/// stride times its rows; `None` when the frame is of another format, has
/// no buffers or a non-positive stride.
fn yuv_planes(frame: &mut frame::Video) -> Option<Planes<'_>> {
    if frame.format() != Pixel::YUV420P {
        return None;
    }
    let rows = frame.height() as usize;
    let chroma_rows = rows.div_ceil(2);
    // SAFETY: `frame` is a valid AVFrame (the pointer is its own).
    let ptr = unsafe { frame.as_mut_ptr() };
    // SAFETY: `frame` is a valid AVFrame whose buffers were allocated by
    // `av_frame_get_buffer` for YUV420P at its size and made writable: plane
    // `i` starts at `data[i]` and holds `linesize[i]` bytes for each of its
    // rows (the frame's height for Y, half of it rounded up for U and V),
    // and the three planes do not overlap. The slices borrow `frame`
    // mutably (the returned lifetime), so nothing else reaches the buffers
    // while they live.
    let (y, y_stride) = unsafe { plane(ptr, 0, rows)? };
    // SAFETY: as for Y: plane 1 (U) holds `chroma_rows` rows.
    let (u, u_stride) = unsafe { plane(ptr, 1, chroma_rows)? };
    // SAFETY: as for Y: plane 2 (V) holds `chroma_rows` rows.
    let (v, v_stride) = unsafe { plane(ptr, 2, chroma_rows)? };
    Some(Planes {
        y,
        y_stride,
        u,
        u_stride,
        v,
        v_stride,
    })
}

/// Plane `i` of `frame` as `rows` rows of its stride, and the stride.
///
/// # Safety
///
/// `frame` points to a valid AVFrame whose plane `i` holds at least `rows`
/// rows of `linesize[i]` bytes, which nothing else reads or writes during
/// `'a`, and `i < 8`.
unsafe fn plane<'a>(
    frame: *mut ff::ffi::AVFrame,
    i: usize,
    rows: usize,
) -> Option<(&'a mut [u8], usize)> {
    // SAFETY: `frame` is valid (the caller's promise).
    let (stride, data) = unsafe { ((*frame).linesize[i], (*frame).data[i]) };
    let stride = usize::try_from(stride).ok().filter(|&s| s > 0)?;
    if data.is_null() {
        return None;
    }
    // SAFETY: `data` holds `rows` rows of `stride` bytes, used by nothing
    // else during 'a (the caller's promise).
    Some((
        unsafe { std::slice::from_raw_parts_mut(data, stride * rows) },
        stride,
    ))
}

/// An [`Error::Encode`] for `path`: `what` failed, for no error of
/// FFmpeg's; `hint` says what to check.
fn encode_failed(path: &Path, what: String, hint: &'static str) -> Error {
    Error::encode_failed(path, what, hint)
}

/// An [`Error::Encode`] for `path`: `what` failed with `e`; `hint` says
/// what to check.
fn encode_error(path: &Path, what: &str, hint: &'static str, e: ff::Error) -> Error {
    Error::encode(path, what, hint, source(e))
}

/// FFmpeg's error as the source of an [`Error`]: a system error
/// (`AVERROR(errno)`: a missing folder, a full disk) is an
/// [`std::io::Error`] of the errno's kind wrapping FFmpeg's error, so that
/// its kind is kept; any other is FFmpeg's error itself.
pub(crate) fn source(e: ff::Error) -> Box<dyn std::error::Error + Send + Sync> {
    match e {
        ff::Error::Other { errno } => Box::new(std::io::Error::new(
            std::io::Error::from_raw_os_error(errno).kind(),
            e,
        )),
        e => Box::new(e),
    }
}

impl VideoSink for FfmpegSink {
    fn write(&mut self, frame: &Frame) -> Result<()> {
        self.spec.check_frame(frame, &self.path)?;
        let Ok(mut yuv) = self.free.recv() else {
            return Err(self.encoding_failure());
        };
        // SAFETY: `yuv` is a valid, allocated AVFrame owned by this sink.
        // Making it writable copies its buffers only if the encoder still
        // holds a reference to them (it normally does not, once drained).
        let ret = unsafe { ff::ffi::av_frame_make_writable(yuv.as_mut_ptr()) };
        if ret < 0 {
            return Err(self.fail(
                "cannot reuse the YUV frame",
                HINT_OTHER,
                ff::Error::from(ret),
            ));
        }
        let converted = match yuv_planes(&mut yuv) {
            Some(planes) => self.converter.convert(frame, planes).map_err(|e| {
                Error::encode(
                    &self.path,
                    "cannot convert RGB to YUV",
                    HINT_OTHER,
                    Box::new(e),
                )
            }),
            None => Err(encode_failed(
                &self.path,
                "cannot convert RGB to YUV (the YUV frame has no planes)".into(),
                HINT_OTHER,
            )),
        };
        converted?;
        let pts = i64::try_from(self.frames).unwrap_or(i64::MAX);
        yuv.set_pts(Some(pts));
        let sent = match &self.to_encoder {
            Some(tx) => tx.send(yuv).is_ok(),
            None => false,
        };
        if !sent {
            return Err(self.encoding_failure());
        }
        self.frames += 1;
        Ok(())
    }

    fn finish(mut self) -> Result<VideoFacts> {
        self.join_encoding()?;
        let FfmpegSink {
            path,
            spec,
            container,
            frames,
            ..
        } = self;
        let format = match container {
            Container::Mp4 => VideoFormat::Mp4,
            Container::WebM => VideoFormat::WebM,
        };
        let bytes = file_bytes(&path)?;
        Ok(VideoFacts::new(format, path, spec, frames, bytes))
    }
}

/// Reading files of this format back.
pub(crate) mod read {
    use std::path::Path;

    use ff::format::Pixel;
    use ff::software::scaling;
    use ff::{codec, color, decoder, frame, media};
    use ffmpeg_next as ff;

    use super::{init_ffmpeg, source};
    use crate::video::{ColorTags, VideoProbe};
    use crate::{Error, Result};

    /// The hint of a read error: what `what` failing suggests.
    fn hint(what: &str) -> &'static str {
        if what == "cannot open" {
            "is it a video file?"
        } else {
            "is it a complete video file written by a current FFmpeg?"
        }
    }

    /// An [`Error::Decode`] for `path`: `what` failed with FFmpeg's `e`.
    fn err(path: &Path, what: &str, e: ff::Error) -> Error {
        Error::Decode {
            path: path.to_path_buf(),
            what: what.to_string(),
            hint: hint(what),
            source: Some(source(e)),
        }
    }

    /// An [`Error::Decode`] for `path`: `what` failed, for no error of
    /// FFmpeg's.
    fn failed(path: &Path, what: &str) -> Error {
        Error::Decode {
            path: path.to_path_buf(),
            what: what.to_string(),
            hint: hint(what),
            source: None,
        }
    }

    /// An open file with a decoder for its first video stream.
    struct Reader {
        input: ff::format::context::Input,
        stream_index: usize,
        decoder: decoder::Video,
        frame: frame::Video,
    }

    impl Reader {
        fn open(path: &Path) -> Result<Reader> {
            init_ffmpeg();
            match std::fs::metadata(path) {
                Ok(meta) if meta.is_file() => {}
                Ok(_) => {
                    return Err(Error::Decode {
                        path: path.to_path_buf(),
                        what: "it is not a regular file".into(),
                        hint: "",
                        source: None,
                    });
                }
                Err(e) => {
                    return Err(Error::Decode {
                        path: path.to_path_buf(),
                        what: "there is no such file".into(),
                        hint: "",
                        source: Some(Box::new(e)),
                    });
                }
            }
            let input = ff::format::input(path).map_err(|e| err(path, "cannot open", e))?;
            let stream = input.streams().best(media::Type::Video).ok_or_else(|| {
                failed(path, "cannot find a stream (the file has no video stream)")
            })?;
            let stream_index = stream.index();
            let mut ctx = codec::context::Context::from_parameters(stream.parameters())
                .map_err(|e| err(path, "cannot read the stream parameters", e))?;
            // Decoding runs in tests and summaries: one thread keeps it light.
            ctx.set_threading(ff::threading::Config {
                kind: ff::threading::Type::Frame,
                count: 1,
                ..Default::default()
            });
            let decoder = ctx
                .decoder()
                .video()
                .map_err(|e| err(path, "cannot open a decoder", e))?;
            Ok(Reader {
                input,
                stream_index,
                decoder,
                frame: frame::Video::empty(),
            })
        }

        /// Decodes every frame, calling `on_packet` with each packet of the
        /// stream and `on_frame` with each decoded frame; stops when
        /// `on_frame` returns false.
        fn run(
            &mut self,
            path: &Path,
            mut on_frame: impl FnMut(&frame::Video) -> Result<bool>,
            mut on_packet: impl FnMut(&ff::Packet),
        ) -> Result<()> {
            let Reader {
                input,
                stream_index,
                decoder,
                frame,
            } = self;
            for (stream, packet) in input.packets() {
                if stream.index() != *stream_index {
                    continue;
                }
                on_packet(&packet);
                if let Err(e) = decoder.send_packet(&packet) {
                    // A damaged packet (e.g. the cut-off end of a killed
                    // recording) is skipped, as players do.
                    log::debug!("{}: skipping a packet: {e}", path.display());
                    continue;
                }
                if !receive(path, decoder, frame, &mut on_frame)? {
                    return Ok(());
                }
            }
            if decoder.send_eof().is_ok() {
                receive(path, decoder, frame, &mut on_frame)?;
            }
            Ok(())
        }
    }

    /// Hands every frame the decoder has ready to `on_frame`; false when
    /// `on_frame` asked to stop.
    fn receive(
        path: &Path,
        decoder: &mut decoder::Video,
        frame: &mut frame::Video,
        on_frame: &mut impl FnMut(&frame::Video) -> Result<bool>,
    ) -> Result<bool> {
        loop {
            match decoder.receive_frame(frame) {
                Ok(()) => {
                    if !on_frame(frame)? {
                        return Ok(false);
                    }
                }
                Err(ff::Error::Other { errno }) if errno == ff::error::EAGAIN => return Ok(true),
                Err(ff::Error::Eof) => return Ok(true),
                Err(e) => return Err(err(path, "cannot decode a frame", e)),
            }
        }
    }

    pub(crate) fn probe(path: &Path) -> Result<VideoProbe> {
        let mut reader = Reader::open(path)?;
        let stream = reader
            .input
            .stream(reader.stream_index)
            .ok_or_else(|| failed(path, "cannot find a stream (the video stream vanished)"))?;
        let time_base = f64::from(stream.time_base());
        let rate = stream.avg_frame_rate();
        let fps = if rate.denominator() != 0 && rate.numerator() > 0 {
            f64::from(rate)
        } else {
            let r = stream.rate();
            if r.denominator() != 0 {
                f64::from(r)
            } else {
                0.0
            }
        };
        let codec = reader.decoder.id().name().to_string();

        let mut frames = 0u64;
        let mut first_pts: Option<i64> = None;
        let mut end_pts: Option<i64> = None;
        let mut size = (reader.decoder.width(), reader.decoder.height());
        let mut format = reader.decoder.format();
        let mut color = color_tags(
            reader.decoder.color_space(),
            reader.decoder.color_range(),
            reader.decoder.color_primaries(),
            reader.decoder.color_transfer_characteristic(),
        );
        reader.run(
            path,
            |f| {
                if frames == 0 {
                    // The first frame's, as the decoder read them from the
                    // bitstream (the container's otherwise).
                    color = color_tags(
                        f.color_space(),
                        f.color_range(),
                        f.color_primaries(),
                        f.color_transfer_characteristic(),
                    );
                }
                frames += 1;
                size = (f.width(), f.height());
                format = f.format();
                Ok(true)
            },
            |p| {
                if let Some(pts) = p.pts() {
                    first_pts = Some(first_pts.map_or(pts, |f| f.min(pts)));
                    let end = pts + p.duration().max(0);
                    end_pts = Some(end_pts.map_or(end, |e| e.max(end)));
                }
            },
        )?;
        let duration_secs = match (first_pts, end_pts) {
            (Some(first), Some(end)) if end > first => (end - first) as f64 * time_base,
            _ if fps > 0.0 => frames as f64 / fps,
            _ => 0.0,
        };
        let pixel_format = format
            .descriptor()
            .map(|d| d.name().to_string())
            .unwrap_or_else(|| format!("{format:?}").to_lowercase());
        Ok(VideoProbe {
            frames,
            width: size.0,
            height: size.1,
            pixel_format,
            codec,
            fps,
            duration_secs,
            color,
        })
    }

    /// FFmpeg's colour description as [`ColorTags`]: FFmpeg's names, `None`
    /// for unspecified values.
    fn color_tags(
        matrix: color::Space,
        range: color::Range,
        primaries: color::Primaries,
        transfer: color::TransferCharacteristic,
    ) -> ColorTags {
        let name = |n: Option<&str>| n.map(str::to_string);
        ColorTags {
            matrix: name(matrix.name()),
            range: name(range.name()),
            primaries: name(primaries.name()),
            transfer: name(transfer.name()),
        }
    }

    pub(crate) fn decode_rgb(
        path: &Path,
        mut each: impl FnMut(u64, &image::RgbImage) -> bool,
    ) -> Result<u64> {
        let mut reader = Reader::open(path)?;
        let mut scaler: Option<scaling::Context> = None;
        let mut rgb = frame::Video::empty();
        let mut image = image::RgbImage::new(0, 0);
        let mut count = 0u64;
        reader.run(
            path,
            |f| {
                let (w, h) = (f.width(), f.height());
                let same = scaler.as_ref().is_some_and(|s| {
                    let i = s.input();
                    (i.format, i.width, i.height) == (f.format(), w, h)
                });
                if !same {
                    let s = scaling::Context::get(
                        f.format(),
                        w,
                        h,
                        Pixel::RGB24,
                        w,
                        h,
                        scaling::Flags::BILINEAR,
                    )
                    .map_err(|e| err(path, "cannot make the YUV to RGB converter", e))?;
                    scaler = Some(s);
                    rgb = frame::Video::new(Pixel::RGB24, w, h);
                    image = image::RgbImage::new(w, h);
                }
                let Some(s) = scaler.as_mut() else {
                    return Ok(false);
                };
                s.run(f, &mut rgb)
                    .map_err(|e| err(path, "cannot convert YUV to RGB", e))?;
                let stride = rgb.stride(0);
                let row = w as usize * 3;
                let src = rgb.data(0);
                let dst: &mut [u8] = &mut image;
                for y in 0..h as usize {
                    dst[y * row..(y + 1) * row].copy_from_slice(&src[y * stride..y * stride + row]);
                }
                let go_on = each(count, &image);
                count += 1;
                Ok(go_on)
            },
            |_| {},
        )?;
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::video::ColorTags;

    #[test]
    fn the_stream_tags_are_the_formats_colour_tags() {
        let said = ColorTags {
            matrix: COLOR_SPACE.name().map(str::to_string),
            range: COLOR_RANGE.name().map(str::to_string),
            primaries: COLOR_PRIMARIES.name().map(str::to_string),
            transfer: COLOR_TRANSFER.name().map(str::to_string),
        };
        assert_eq!(said, VideoFormat::Mp4.color_tags());
        assert_eq!(said, VideoFormat::WebM.color_tags());
    }
}

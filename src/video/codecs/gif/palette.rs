//! The palettes of the GIF core: frames' pixels become indices into a
//! palette they share with the frames around them, so palettes are made
//! rarely (once a scene) rather than once a frame. The GIF writer
//! ([`GifSink`](super::GifSink)) maps each frame's changed rectangle, the
//! TensorBoard previews ([`Clip`](super::Clip)) each kept frame.
//!
//! - **Exact** while every frame has at most 256 colours: a frame's colours
//!   are added to the current palette (so frames of a scene share one) until
//!   it would pass 256; the frame then starts a palette of its own colours.
//!   A frame decoded back is the frame given, exactly.
//! - **Quantized** from the first frame with more than 256 colours on, for
//!   the rest of the clip (no exact scan is tried again): NeuQuant (the
//!   `color_quant` crate `gif` uses) trains a palette of 255 colours (the
//!   GIF frames keep a slot for transparent, unchanged pixels) on that
//!   frame, and it and the later frames map each pixel to the nearest
//!   palette entry, found once per distinct colour and cached across
//!   frames. A pixel farther than [`FAR`] from its entry maps *badly*; a
//!   frame with more than `max(n / 64, 2·b·n / m)` of its `n` pixels
//!   mapping badly gets a new palette trained on it (`b` of the `m` pixels
//!   mapped when the palette was trained map badly to it, so content
//!   NeuQuant cannot serve well anyway does not retrain at every frame). A
//!   scene whose colours stay put is quantized once per clip; one whose
//!   colours change is quantized again as they do.
//!
//! Training costs about 12–19 ms for a 240 × 180 frame at
//! [`NEUQUANT_SPEED`] 3 (4–6 ms at `gif`'s default 10, which leaves about
//! 1.5 % of a hard gradient's pixels mapping badly, against 0.02 % at 3):
//! once per scene, where `gif`'s `Frame::from_rgb_speed` trains one for
//! every frame (9 ms each at speed 10).

use std::collections::HashMap;

/// NeuQuant's speed (1 best … 30 fastest): it samples one pixel in
/// `speed`. A palette serves a whole scene, so this buys quality.
const NEUQUANT_SPEED: i32 = 3;

/// How far (Euclidean distance in RGB, 0–255 a channel) a colour may be
/// from its palette entry before it maps badly: about 14 levels on each
/// channel. NeuQuant's palette for a frame of one scene keeps almost every
/// pixel well inside it; a palette of another scene's colours does not.
const FAR: u32 = 24;

/// A palette's identity: kept frames store it, the GIF writer compares it.
pub(super) type Serial = u32;

/// A colour as a map key: `0x00RRGGBB`.
pub(super) fn colour_key(px: &[u8]) -> u32 {
    u32::from(px[0]) << 16 | u32::from(px[1]) << 8 | u32::from(px[2])
}

/// A map keyed by [`colour_key`]s.
///
/// Hashed by `rustc-hash`'s Fx hash, one multiplication a key (SipHash, the
/// std default, is several times slower and guards against nothing here).
pub(super) type ColourMap<V> = HashMap<u32, V, rustc_hash::FxBuildHasher>;

/// A palette: RGB triples, at most 256.
struct Palette {
    serial: Serial,
    rgb: Vec<u8>,
}

/// The most colours whose nearest entries are remembered (about 4 MiB)
/// before they are forgotten, so noise-like content cannot grow the cache
/// without bound (scaled-down rendered scenes have a few thousand).
const NEAREST_CACHED: usize = 1 << 18;

/// A cached nearest entry: the index, and this bit when it maps badly.
const BAD: u16 = 1 << 8;

/// The palettes of one preview and the colour maps into the current one.
pub(super) struct Palettes {
    /// In serial order; the last is the current one.
    list: Vec<Palette>,
    next_serial: Serial,
    /// A frame had more than 256 colours: quantize from now on.
    quantized: bool,
    /// Colour → index in the current exact palette.
    exact: ColourMap<u8>,
    /// Colour → nearest index in the current quantized palette (| [`BAD`]).
    nearest: ColourMap<u16>,
    /// Of the pixels mapped when the current quantized palette was
    /// trained, how many map badly to it, and how many there were.
    baseline: (usize, usize),
    /// Quantized palettes made so far.
    trained: u32,
    /// NeuQuant's RGBA input (reused).
    rgba: Vec<u8>,
}

impl Palettes {
    /// No palette yet.
    pub(super) fn new() -> Self {
        Palettes {
            list: Vec::new(),
            next_serial: 0,
            quantized: false,
            exact: ColourMap::default(),
            nearest: ColourMap::default(),
            baseline: (0, 0),
            trained: 0,
            rgba: Vec::new(),
        }
    }

    /// Maps `pixels` (RGB) to palette indices in `indices`; returns the
    /// serial of the palette they index. `scene` is the whole frame
    /// `pixels` are part of (or `pixels` themselves): a new quantized
    /// palette is trained on it, so that it serves the scene rather than
    /// the part that changed.
    pub(super) fn map(&mut self, pixels: &[u8], scene: &[u8], indices: &mut Vec<u8>) -> Serial {
        if !self.quantized {
            if self.list.is_empty() {
                self.start(Vec::new());
            }
            if self.map_exact(pixels, indices) {
                return self.current();
            }
            // Too many colours with the current palette's: try them alone.
            if !self.list.last().is_some_and(|p| p.rgb.is_empty()) {
                self.start(Vec::new());
                if self.map_exact(pixels, indices) {
                    return self.current();
                }
            }
            self.quantized = true;
            self.retrain(pixels, scene, indices);
            return self.current();
        }
        let n = pixels.len() / 3;
        let bad = self.map_nearest(pixels, indices);
        let (base_bad, base_n) = self.baseline;
        if bad > (n / 64).max(2 * base_bad * n / base_n.max(1)) {
            self.retrain(pixels, scene, indices);
        }
        self.current()
    }

    /// Trains a palette on `scene`, maps `pixels` to it and keeps how many
    /// map badly as the baseline.
    fn retrain(&mut self, pixels: &[u8], scene: &[u8], indices: &mut Vec<u8>) {
        self.train(scene);
        let bad = self.map_nearest(pixels, indices);
        self.baseline = (bad, pixels.len() / 3);
    }

    /// The RGB triples of palette `serial` (empty if it was dropped).
    pub(super) fn rgb(&self, serial: Serial) -> &[u8] {
        self.list
            .iter()
            .find(|p| p.serial == serial)
            .map_or(&[], |p| p.rgb.as_slice())
    }

    /// Forgets the palettes `used` says no frame uses, but the current one.
    pub(super) fn retain(&mut self, used: impl Fn(Serial) -> bool) {
        let current = self.current();
        self.list.retain(|p| p.serial == current || used(p.serial));
    }

    /// How many quantized palettes were trained (NeuQuant runs).
    pub(super) fn trained(&self) -> u32 {
        self.trained
    }

    fn current(&self) -> Serial {
        self.list.last().map_or(0, |p| p.serial)
    }

    /// Makes `rgb` the current palette (in place of an empty current one,
    /// which no frame uses).
    fn start(&mut self, rgb: Vec<u8>) {
        match self.list.last_mut() {
            Some(last) if last.rgb.is_empty() => last.rgb = rgb,
            _ => {
                self.list.push(Palette {
                    serial: self.next_serial,
                    rgb,
                });
                self.next_serial = self.next_serial.wrapping_add(1);
            }
        }
        self.exact.clear();
        self.nearest.clear();
    }

    /// Maps `pixels` to the current exact palette, adding their new colours;
    /// `false` (the palette as it was) when it would pass 256 colours.
    fn map_exact(&mut self, pixels: &[u8], indices: &mut Vec<u8>) -> bool {
        let Some(palette) = self.list.last_mut() else {
            return false;
        };
        let palette = &mut palette.rgb;
        let before = palette.len();
        indices.clear();
        // Runs of one colour are the common case: skip the map for them.
        let mut last: Option<(u32, u8)> = None;
        for px in pixels.chunks_exact(3) {
            let key = colour_key(px);
            let index = match last {
                Some((k, i)) if k == key => i,
                _ => {
                    let i = match self.exact.get(&key) {
                        Some(&i) => i,
                        None => {
                            let Ok(n) = u8::try_from(palette.len() / 3) else {
                                for c in palette[before..].chunks_exact(3) {
                                    self.exact.remove(&colour_key(c));
                                }
                                palette.truncate(before);
                                return false;
                            };
                            self.exact.insert(key, n);
                            palette.extend_from_slice(px);
                            n
                        }
                    };
                    last = Some((key, i));
                    i
                }
            };
            indices.push(index);
        }
        true
    }

    /// Trains a palette on `pixels` and makes it the current one.
    fn train(&mut self, pixels: &[u8]) {
        self.rgba.clear();
        self.rgba.reserve(pixels.len() / 3 * 4);
        for px in pixels.chunks_exact(3) {
            self.rgba.extend_from_slice(&[px[0], px[1], px[2], 0xff]);
        }
        let rgb = color_quant::NeuQuant::new(NEUQUANT_SPEED, 255, &self.rgba).color_map_rgb();
        self.start(rgb);
        self.trained += 1;
    }

    /// Maps `pixels` to their nearest entries of the current palette;
    /// returns how many map badly.
    fn map_nearest(&mut self, pixels: &[u8], indices: &mut Vec<u8>) -> usize {
        if self.nearest.len() > NEAREST_CACHED {
            self.nearest.clear();
        }
        let palette = self.list.last().map_or(&[][..], |p| p.rgb.as_slice());
        indices.clear();
        let mut bad = 0;
        let mut last: Option<(u32, u16)> = None;
        for px in pixels.chunks_exact(3) {
            let key = colour_key(px);
            let entry = match last {
                Some((k, e)) if k == key => e,
                _ => {
                    let e = *self
                        .nearest
                        .entry(key)
                        .or_insert_with(|| nearest(palette, px));
                    last = Some((key, e));
                    e
                }
            };
            indices.push(entry as u8);
            bad += usize::from(entry >= BAD);
        }
        bad
    }
}

/// The index of `palette`'s entry nearest `px` (Euclidean in RGB), with
/// [`BAD`] set when it is farther than [`FAR`].
fn nearest(palette: &[u8], px: &[u8]) -> u16 {
    let mut best = (u32::MAX, 0u16);
    for (i, c) in (0u16..).zip(palette.chunks_exact(3)) {
        let d = |a: u8, b: u8| u32::from(a.abs_diff(b)).pow(2);
        let distance = d(c[0], px[0]) + d(c[1], px[1]) + d(c[2], px[2]);
        if distance < best.0 {
            best = (distance, i);
        }
    }
    best.1 | if best.0 > FAR * FAR { BAD } else { 0 }
}

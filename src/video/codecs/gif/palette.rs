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
//!   `color_quant` crate `gif` uses) trains 239 colours on the whole frame
//!   (the *scene*: for the writer, not just the rectangle that changed),
//!   and up to [`OUTLIERS`] more are the scene's colours then farthest
//!   from every entry (a highlight of a few pixels, which NeuQuant, serving
//!   colours by how many pixels have them, leaves tens of levels off). That
//!   is 255 colours: GIF frames keep a slot for transparent, unchanged
//!   pixels. It and the later frames map each pixel to the nearest palette
//!   entry (`nearest.rs`), found once per distinct colour and cached across
//!   frames. A pixel farther than [`FAR`] from its entry maps *badly*; a
//!   frame with more than `max(n / 64, 2·b·n / m)` of its `n` pixels
//!   mapping badly *in colours the palette was not trained on* gets a new
//!   palette trained on its scene (`b` of the `m` pixels of the scene the
//!   palette was trained on map badly to it, so content NeuQuant cannot
//!   serve well anyway does not retrain at every frame; colours it was
//!   trained on do not count, as training again would not serve them
//!   better). A scene whose colours stay put is quantized once per clip;
//!   one whose colours change is quantized again as they do.
//!
//! Training costs about 12–19 ms for a 240 × 180 frame at
//! [`NEUQUANT_SPEED`] 3 (4–6 ms at `gif`'s default 10, which leaves about
//! 1.5 % of a hard gradient's pixels mapping badly, against 0.02 % at 3),
//! about 90 ms for a 600 × 400 one: once per scene, where `gif`'s
//! `Frame::from_rgb_speed` trains one for every frame (9 ms each for 240 ×
//! 180 at speed 10; the GIF writer used it and took 24 ms a frame on
//! `benches/formats.rs`'s shaded clip).

use super::nearest::{Search, distance};
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

/// A cached nearest entry: the index (the low byte), this bit when it maps
/// badly…
const BAD: u32 = 1 << 8;

/// … this one when the palette was trained on a frame with the colour…
const SEEN: u32 = 1 << 9;

/// … and the squared distance from here up.
const DISTANCE_SHIFT: u32 = 10;

/// A cached nearest entry for `index` at squared distance `d`.
fn entry(index: u8, d: u32) -> u32 {
    u32::from(index) | if d > FAR * FAR { BAD } else { 0 } | d << DISTANCE_SHIFT
}

/// Palette slots kept, after NeuQuant's, for the colours of the frame it
/// trained on that are farthest from its entries: NeuQuant serves colours
/// by how many pixels have them, so a few pixels of a colour unlike the
/// rest (a highlight) can be left far from every entry.
const OUTLIERS: usize = 16;

/// The palettes of one clip and the colour maps into the current one.
pub(super) struct Palettes {
    /// In serial order; the last is the current one.
    list: Vec<Palette>,
    next_serial: Serial,
    /// A frame had more than 256 colours: quantize from now on.
    quantized: bool,
    /// Colour → index in the current exact palette.
    exact: ColourMap<u8>,
    /// Colour → nearest index in the current quantized palette
    /// ([`entry`]: | [`BAD`], | [`SEEN`], distance).
    nearest: ColourMap<u32>,
    /// The current quantized palette's search.
    search: Search,
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
            search: Search::default(),
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
        let (_, unseen) = self.map_nearest(pixels, indices, false);
        let (base_bad, base_n) = self.baseline;
        if unseen > (n / 64).max(2 * base_bad * n / base_n.max(1)) {
            self.retrain(pixels, scene, indices);
        }
        self.current()
    }

    /// Trains a palette on `scene`, keeps how many of its pixels map badly
    /// to it as the baseline, and maps `pixels` to it.
    fn retrain(&mut self, pixels: &[u8], scene: &[u8], indices: &mut Vec<u8>) {
        self.train(scene);
        self.map_nearest(scene, indices, true);
        self.add_outliers();
        let (bad, _) = self.map_nearest(scene, indices, false);
        self.baseline = (bad, scene.len() / 3);
        if !std::ptr::eq(pixels, scene) {
            self.map_nearest(pixels, indices, false);
        }
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
        let rgb =
            color_quant::NeuQuant::new(NEUQUANT_SPEED, 255 - OUTLIERS, &self.rgba).color_map_rgb();
        self.search = Search::new(&rgb);
        self.start(rgb);
        self.trained += 1;
    }

    /// Adds up to [`OUTLIERS`] entries to the current palette, each the
    /// cached colour then farthest from its entry while one maps badly, and
    /// updates the cache.
    fn add_outliers(&mut self) {
        let Some(palette) = self.list.last_mut() else {
            return;
        };
        for _ in 0..OUTLIERS {
            let farthest = self
                .nearest
                .iter()
                .max_by_key(|&(_, &e)| e >> DISTANCE_SHIFT);
            let Some((&key, _)) = farthest.filter(|&(_, &e)| e & BAD != 0) else {
                break;
            };
            let Ok(index) = u8::try_from(palette.rgb.len() / 3) else {
                break;
            };
            let colour = key_rgb(key);
            palette.rgb.extend_from_slice(&colour);
            for (&k, e) in self.nearest.iter_mut() {
                let d = distance(&key_rgb(k), &colour);
                if d < *e >> DISTANCE_SHIFT {
                    *e = entry(index, d) | (*e & SEEN);
                }
            }
        }
        self.search = Search::new(&palette.rgb);
    }

    /// Maps `pixels` to their nearest entries of the current palette,
    /// marking their colours [`SEEN`] when the palette was `trained` on
    /// them; returns how many map badly, and how many of those have colours
    /// not seen.
    fn map_nearest(
        &mut self,
        pixels: &[u8],
        indices: &mut Vec<u8>,
        trained: bool,
    ) -> (usize, usize) {
        if self.nearest.len() > NEAREST_CACHED {
            self.nearest.clear();
        }
        let palette = self.list.last().map_or(&[][..], |p| p.rgb.as_slice());
        let seen = if trained { SEEN } else { 0 };
        let search = &self.search;
        indices.clear();
        let (mut bad, mut unseen) = (0, 0);
        let mut last: Option<(u32, u32)> = None;
        for px in pixels.chunks_exact(3) {
            let key = colour_key(px);
            let cached = match last {
                Some((k, e)) if k == key => e,
                _ => {
                    let e = self.nearest.entry(key).or_insert_with(|| {
                        let (index, d) = search.nearest(palette, px);
                        entry(index, d)
                    });
                    *e |= seen;
                    last = Some((key, *e));
                    *e
                }
            };
            indices.push(cached as u8);
            bad += usize::from(cached & BAD != 0);
            unseen += usize::from(cached & (BAD | SEEN) == BAD);
        }
        (bad, unseen)
    }
}

/// The colour of a [`colour_key`].
fn key_rgb(key: u32) -> [u8; 3] {
    [(key >> 16) as u8, (key >> 8) as u8, key as u8]
}

//! [`Clip`]: a clip's frames kept as palette indices and turned into GIF
//! bytes at the end, as the TensorBoard previews do: only what changed,
//! runs of identical frames merged, one palette where it can.
//!
//! - Each frame pushed is mapped to a palette it shares with the frames
//!   around it ([`Palettes`]) and kept as one index a pixel.
//! - The first frame is written whole; each later one as the rectangle of
//!   the pixels whose colour differs from the kept frame before it (disposal
//!   `Keep`, so a viewer draws it over the picture so far), the pixels in
//!   it that did not change transparent (long runs of one index, which LZW
//!   packs tightly). A frame the same as the one before is not written: its
//!   delay lengthens that one's (a delay past 655.35 s, the most a GIF frame
//!   has, goes on in a one-pixel frame).
//! - The global palette has at most 255 colours and a transparent slot,
//!   chosen greedily to serve as many frames as it can (the frame needing
//!   the fewest colours it lacks first). A frame whose changed pixels'
//!   colours are all in it uses it; another carries a local palette of just
//!   its rectangle's colours. Colours are compared, not indices, between
//!   frames of different palettes.

use super::palette::{ColourMap, Palettes, Serial, colour_key};
use super::rect::{NONE, Rect, UNCHANGED, byte_span, changed_rect, gif_frame, local_palette, row};

/// A kept frame: the whole frame as indices into a palette.
struct IndexedFrame {
    indices: Vec<u8>,
    palette: Serial,
}

/// A clip's frames as palette indices, made into a GIF by
/// [`encode`](Clip::encode); see the [module docs](self).
pub(crate) struct Clip {
    frames: Vec<IndexedFrame>,
    palettes: Palettes,
    /// Index buffers of dropped frames, for the next kept ones.
    spare: Vec<Vec<u8>>,
}

/// What [`Clip::encode`] wrote.
pub(crate) struct Encoded {
    /// The GIF file.
    pub(crate) bytes: Vec<u8>,
    /// GIF frames written.
    pub(crate) frames: usize,
    /// Of them, those with a local palette.
    pub(crate) local_palettes: usize,
}

impl Clip {
    /// No frame yet.
    pub(crate) fn new() -> Self {
        Clip {
            frames: Vec::new(),
            palettes: Palettes::new(),
            spare: Vec::new(),
        }
    }

    /// Keeps `pixels` (RGB, the clip's size) as the next frame.
    pub(crate) fn push(&mut self, pixels: &[u8]) {
        let mut indices = self.spare.pop().unwrap_or_default();
        let palette = self.palettes.map(pixels, pixels, &mut indices);
        self.frames.push(IndexedFrame { indices, palette });
    }

    /// Frames kept.
    pub(crate) fn len(&self) -> usize {
        self.frames.len()
    }

    /// No frame kept yet.
    pub(crate) fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// Drops every other frame (keeping the first, third, …) and the
    /// palettes only they used.
    pub(crate) fn halve(&mut self) {
        let mut k = 0;
        let spare = &mut self.spare;
        self.frames.retain_mut(|f| {
            k += 1;
            let keep = k % 2 == 1;
            if !keep {
                spare.push(std::mem::take(&mut f.indices));
            }
            keep
        });
        let frames = &self.frames;
        self.palettes
            .retain(|serial| frames.iter().any(|f| f.palette == serial));
    }

    /// How many quantized palettes were trained (NeuQuant runs).
    pub(crate) fn trained(&self) -> u32 {
        self.palettes.trained()
    }

    /// Encodes the frames (`width` × `height`, at least one) shown for
    /// `delays` hundredths of a second each as a GIF looping forever.
    pub(crate) fn encode(
        &self,
        width: u16,
        height: u16,
        delays: &[u64],
    ) -> Result<Encoded, ::gif::EncodingError> {
        encode(width, height, &self.frames, delays, &self.palettes)
    }
}

/// A GIF frame to write: a kept frame's rectangle and its delay.
struct Out {
    frame: usize,
    rect: Rect,
    /// Hundredths of a second.
    delay: u16,
}

/// Encodes `frames` (`width` × `height`, at least one) shown for `delays`
/// hundredths of a second each as a GIF looping forever.
fn encode(
    width: u16,
    height: u16,
    frames: &[IndexedFrame],
    delays: &[u64],
    palettes: &Palettes,
) -> Result<Encoded, ::gif::EncodingError> {
    let (w, h) = (usize::from(width), usize::from(height));
    let outs = plan(frames, delays, w, h, palettes);
    let (mut global, global_index) = global_palette(frames, &outs, w, palettes);
    // The slot after the global colours: unchanged pixels (an entry of its
    // own, as the table is padded only to a power of two).
    let global_unchanged = (global.len() / 3) as u16;
    if !global.is_empty() {
        global.extend_from_slice(&[0, 0, 0]);
    }
    let mut bytes = Vec::new();
    let mut local_palettes = 0;
    {
        let mut encoder = ::gif::Encoder::new(&mut bytes, width, height, &global)?;
        encoder.set_repeat(::gif::Repeat::Infinite)?;
        let mut codes = Vec::new();
        let mut indices = Vec::new();
        // Palette index → global index, for the palette last translated.
        let mut table: Option<(Serial, [u16; 256])> = None;
        for out in &outs {
            let frame = &frames[out.frame];
            rect_codes(frames, out, w, palettes, &mut codes);
            let table = match table {
                Some((serial, ref t)) if serial == frame.palette => t,
                _ => {
                    let mut t = [NONE; 256];
                    let rgb = palettes.rgb(frame.palette);
                    for (slot, c) in t.iter_mut().zip(rgb.chunks_exact(3)) {
                        *slot = global_index
                            .get(&colour_key(c))
                            .map_or(NONE, |&i| u16::from(i));
                    }
                    &table.insert((frame.palette, t)).1
                }
            };
            let any_unchanged = codes.iter().any(|&c| c & UNCHANGED != 0);
            let global_fits = !global.is_empty()
                && codes
                    .iter()
                    .all(|&c| c & UNCHANGED != 0 || table[usize::from(c)] != NONE);
            indices.clear();
            let (palette, transparent) = if global_fits {
                indices.extend(codes.iter().map(|&c| match c & UNCHANGED {
                    0 => table[usize::from(c)] as u8,
                    _ => global_unchanged as u8,
                }));
                (None, any_unchanged.then_some(global_unchanged as u8))
            } else {
                local_palettes += 1;
                let (rgb, transparent) =
                    local_palette(&codes, palettes.rgb(frame.palette), &mut indices);
                (Some(rgb), transparent)
            };
            encoder.write_frame(&gif_frame(
                out.rect,
                out.delay,
                palette,
                transparent,
                &indices,
            ))?;
        }
    }
    Ok(Encoded {
        bytes,
        frames: outs.len(),
        local_palettes,
    })
}

/// The rows of `frame` (`w` wide) inside `rect`.
fn rect_rows(frame: &IndexedFrame, rect: Rect, w: usize) -> impl Iterator<Item = &[u8]> {
    let (left, top, rw, rh) = rect;
    frame.indices[top * w..(top + rh) * w]
        .chunks_exact(w)
        .map(move |row| &row[left..left + rw])
}

/// Entry `i` of `rgb` as a colour key (`None` past its end).
fn colour_at(rgb: &[u8], i: u8) -> Option<u32> {
    let i = usize::from(i) * 3;
    rgb.get(i..i + 3).map(colour_key)
}

/// `out`'s rectangle as codes: the frame's palette index of each pixel,
/// with [`UNCHANGED`] set where the frame before has the same colour there.
fn rect_codes(
    frames: &[IndexedFrame],
    out: &Out,
    w: usize,
    palettes: &Palettes,
    codes: &mut Vec<u16>,
) {
    let frame = &frames[out.frame];
    let rows = |f| rect_rows(f, out.rect, w);
    codes.clear();
    let Some(before) = out.frame.checked_sub(1).map(|b| &frames[b]) else {
        codes.extend(rows(frame).flatten().map(|&i| u16::from(i)));
        return;
    };
    let (now_rgb, before_rgb) = (palettes.rgb(frame.palette), palettes.rgb(before.palette));
    let same_palette = frame.palette == before.palette;
    for (now, was) in rows(frame).zip(rows(before)) {
        codes.extend(now.iter().zip(was).map(|(&i, &j)| {
            let unchanged = if same_palette {
                i == j
            } else {
                colour_at(now_rgb, i) == colour_at(before_rgb, j)
            };
            u16::from(i) | if unchanged { UNCHANGED } else { 0 }
        }));
    }
}

/// The GIF frames: the first whole, each later one's changed rectangle,
/// runs of identical frames merged into one (their delays added).
fn plan(
    frames: &[IndexedFrame],
    delays: &[u64],
    w: usize,
    h: usize,
    palettes: &Palettes,
) -> Vec<Out> {
    let mut outs: Vec<Out> = Vec::new();
    for (k, (frame, &delay)) in frames.iter().zip(delays).enumerate() {
        let changed = match k.checked_sub(1) {
            None => Some((0, 0, w, h)),
            Some(before) => changed_colours(&frames[before], frame, w, palettes),
        };
        let last = outs.last_mut();
        match (changed, last) {
            (None, Some(last)) if u64::from(last.delay) + delay <= u64::from(u16::MAX) => {
                last.delay += delay as u16;
            }
            (rect, _) => outs.push(Out {
                frame: k,
                // Past 655.35 s a delay is split: one pixel drawn again
                // carries the rest.
                rect: rect.unwrap_or((0, 0, 1, 1)),
                delay: u16::try_from(delay).unwrap_or(u16::MAX),
            }),
        }
    }
    outs
}

/// The rectangle where `now` differs from `before` (frames `width` wide),
/// comparing colours; `None` where they are the same.
fn changed_colours(
    before: &IndexedFrame,
    now: &IndexedFrame,
    width: usize,
    palettes: &Palettes,
) -> Option<Rect> {
    let height = now.indices.len() / width.max(1);
    let (a, b) = (&before.indices, &now.indices);
    if before.palette == now.palette {
        // One palette: indices differ where colours do (an exact palette's
        // colours are distinct; of equal entries in a quantized one, only
        // the first is ever used).
        return changed_rect(height, |y| byte_span(row(a, y, width), row(b, y, width), 1));
    }
    let (pa, pb) = (palettes.rgb(before.palette), palettes.rgb(now.palette));
    changed_rect(height, |y| {
        let pairs = || row(a, y, width).iter().zip(row(b, y, width));
        let differs = |(p, q): (&u8, &u8)| colour_at(pa, *p) != colour_at(pb, *q);
        let first = pairs().position(differs)?;
        Some((first, pairs().rposition(differs).unwrap_or(first)))
    })
}

/// The global palette (at most 255 colours: the slot after them is for
/// unchanged pixels) and each colour's index: chosen to serve as many of
/// `outs` as it can, greedily, taking next the frame that needs the fewest
/// colours not in it yet (the changed pixels' colours: unchanged ones are
/// transparent).
fn global_palette(
    frames: &[IndexedFrame],
    outs: &[Out],
    w: usize,
    palettes: &Palettes,
) -> (Vec<u8>, ColourMap<u8>) {
    // The colours of the clip (keys), and each GIF frame's as their ids.
    let mut colours: Vec<u32> = Vec::new();
    let mut ids: ColourMap<u32> = ColourMap::default();
    let mut sets: Vec<Vec<u32>> = Vec::with_capacity(outs.len());
    let mut codes = Vec::new();
    for out in outs {
        let frame = &frames[out.frame];
        rect_codes(frames, out, w, palettes, &mut codes);
        let mut used = [false; 256];
        for &c in codes.iter().filter(|&&c| c & UNCHANGED == 0) {
            used[usize::from(c)] = true;
        }
        let rgb = palettes.rgb(frame.palette);
        let set = rgb
            .chunks_exact(3)
            .zip(used)
            .filter(|&(_, used)| used)
            .map(|(c, _)| {
                *ids.entry(colour_key(c)).or_insert_with(|| {
                    colours.push(colour_key(c));
                    colours.len() as u32 - 1
                })
            })
            .collect();
        sets.push(set);
    }
    // The frames using each colour, and how many of its colours each frame
    // still misses.
    let mut users: Vec<Vec<u32>> = vec![Vec::new(); colours.len()];
    for (f, set) in (0u32..).zip(&sets) {
        for &c in set {
            users[c as usize].push(f);
        }
    }
    let mut missing: Vec<usize> = sets.iter().map(Vec::len).collect();
    // Frames that may still be served (taken, or not yet out of room).
    let mut open = vec![true; sets.len()];
    let mut chosen = vec![false; colours.len()];
    let mut global: Vec<u32> = Vec::new();
    loop {
        let next = (0..sets.len())
            .filter(|&f| open[f] && missing[f] > 0)
            .min_by_key(|&f| missing[f]);
        let Some(f) = next else { break };
        // Colours added for other frames never bring this one back in
        // reach: each adds one to the palette and takes at most one off
        // what this frame misses.
        if global.len() + missing[f] > 255 {
            open[f] = false;
            continue;
        }
        for &c in &sets[f] {
            if !std::mem::replace(&mut chosen[c as usize], true) {
                global.push(c);
                for &g in &users[c as usize] {
                    missing[g as usize] -= 1;
                }
            }
        }
    }
    let mut rgb = Vec::with_capacity(global.len() * 3);
    let mut index = ColourMap::default();
    for (&c, i) in global.iter().zip(0u8..=255) {
        let c = colours[c as usize];
        rgb.extend_from_slice(&[(c >> 16) as u8, (c >> 8) as u8, c as u8]);
        index.insert(c, i);
    }
    (rgb, index)
}

//! A [`GifPreview`](super::GifPreview)'s kept frames to GIF bytes: only
//! what changed, one palette where it can.
//!
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
use std::borrow::Cow;

/// A kept frame: the whole preview frame as indices into a palette.
pub(super) struct IndexedFrame {
    pub(super) indices: Vec<u8>,
    pub(super) palette: Serial,
}

/// A rectangle `(left, top, width, height)`.
type Rect = (usize, usize, usize, usize);

/// A GIF frame to write: a kept frame's rectangle and its delay.
struct Out {
    frame: usize,
    rect: Rect,
    /// Hundredths of a second.
    delay: u16,
}

/// No global index: the colour is not in the global palette.
const NONE: u16 = u16::MAX;

/// What [`encode`] wrote.
pub(super) struct Encoded {
    pub(super) bytes: Vec<u8>,
    /// GIF frames written.
    pub(super) frames: usize,
    /// Of them, those with a local palette.
    pub(super) local_palettes: usize,
}

/// Encodes `frames` (`width` × `height`, at least one) shown for `delays`
/// hundredths of a second each as a GIF looping forever.
pub(super) fn encode(
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
            let (left, top, rw, rh) = out.rect;
            encoder.write_frame(&::gif::Frame {
                left: left as u16,
                top: top as u16,
                width: rw as u16,
                height: rh as u16,
                delay: out.delay,
                dispose: ::gif::DisposalMethod::Keep,
                transparent,
                palette,
                buffer: Cow::Borrowed(&indices),
                ..::gif::Frame::default()
            })?;
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

/// Marks a code whose pixel the frame before already shows in that colour.
const UNCHANGED: u16 = 0x100;

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

/// A local palette of just the colours `codes` changes to, with a
/// transparent slot for unchanged pixels (if there is room: else they are
/// drawn again in their colour); fills `indices`.
fn local_palette(codes: &[u16], rgb: &[u8], indices: &mut Vec<u8>) -> (Vec<u8>, Option<u8>) {
    let mut slots = [NONE; 256];
    let mut local = Vec::new();
    let mut add = |i: usize, local: &mut Vec<u8>| {
        if slots[i] == NONE {
            slots[i] = (local.len() / 3) as u16;
            local.extend_from_slice(rgb.get(i * 3..i * 3 + 3).unwrap_or(&[0; 3]));
        }
    };
    for &c in codes.iter().filter(|&&c| c & UNCHANGED == 0) {
        add(usize::from(c), &mut local);
    }
    let transparent = match local.len() / 3 {
        n if n < 256 && codes.iter().any(|&c| c & UNCHANGED != 0) => {
            local.extend_from_slice(&[0, 0, 0]);
            Some(n as u8)
        }
        _ => None,
    };
    for &c in codes.iter().filter(|&&c| c & UNCHANGED != 0) {
        if transparent.is_none() {
            add(usize::from(c & 0xff), &mut local);
        }
    }
    indices.extend(codes.iter().map(|&c| match (c & UNCHANGED, transparent) {
        (0, _) | (_, None) => slots[usize::from(c & 0xff)] as u8,
        (_, Some(t)) => t,
    }));
    (local, transparent)
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
            Some(before) => changed_rect(&frames[before], frame, w, palettes),
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
fn changed_rect(
    before: &IndexedFrame,
    now: &IndexedFrame,
    width: usize,
    palettes: &Palettes,
) -> Option<Rect> {
    let rows = before
        .indices
        .chunks_exact(width)
        .zip(now.indices.chunks_exact(width));
    let mut found: Option<(usize, usize, usize, usize)> = None;
    let mut note = |y: usize, first: usize, last: usize| {
        found = Some(match found {
            None => (first, y, last, y),
            Some((l, t, r, _)) => (l.min(first), t, r.max(last), y),
        });
    };
    if before.palette == now.palette {
        // One palette: indices differ where colours do (an exact palette's
        // colours are distinct; of equal entries in a quantized one, only
        // the first is ever used).
        for (y, (a, b)) in rows.enumerate() {
            if a == b {
                continue;
            }
            let first = a.iter().zip(b).position(|(p, q)| p != q).unwrap_or(0);
            let last = a.iter().zip(b).rposition(|(p, q)| p != q).unwrap_or(first);
            note(y, first, last);
        }
    } else {
        let (pa, pb) = (palettes.rgb(before.palette), palettes.rgb(now.palette));
        for (y, (a, b)) in rows.enumerate() {
            let differs = |(p, q): (&u8, &u8)| colour_at(pa, *p) != colour_at(pb, *q);
            let Some(first) = a.iter().zip(b).position(differs) else {
                continue;
            };
            let last = a.iter().zip(b).rposition(differs).unwrap_or(first);
            note(y, first, last);
        }
    }
    found.map(|(l, t, r, b)| (l, t, r - l + 1, b - t + 1))
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

//! The nearest entry of a quantized palette to a colour (Euclidean in
//! RGB), found by searching outward from the colour's green level through
//! the entries sorted by green, stopping where green alone is farther than
//! the best found (NeuQuant's own search): a few dozen of the 255 entries
//! for a typical colour rather than all of them.

/// A palette's entries sorted by green, for [`Search::nearest`].
#[derive(Default)]
pub(super) struct Search {
    /// `(green, index)` in green order.
    order: Vec<(u8, u8)>,
}

impl Search {
    /// The search over `rgb` (RGB triples, at most 256).
    pub(super) fn new(rgb: &[u8]) -> Self {
        let mut order: Vec<(u8, u8)> = (0u8..=255)
            .zip(rgb.chunks_exact(3))
            .map(|(i, c)| (c[1], i))
            .collect();
        order.sort_unstable();
        Search { order }
    }

    /// The index of `rgb`'s entry nearest `px` (the lowest of equally near
    /// ones) and its squared distance; `(0, u32::MAX)` for no entry.
    pub(super) fn nearest(&self, rgb: &[u8], px: &[u8]) -> (u8, u32) {
        let green = px[1];
        let mut best = (u32::MAX, 0u8);
        let mut up = self.order.partition_point(|&(g, _)| g < green);
        let mut down = up;
        loop {
            let above = self.order.get(up).map(|&(g, i)| (square(g, green), i));
            let below = down
                .checked_sub(1)
                .map(|d| self.order[d])
                .map(|(g, i)| (square(g, green), i));
            // The nearer in green next: both sides only get farther.
            let (dg, i) = match (above, below) {
                (Some(a), Some(b)) if a.0 <= b.0 => {
                    up += 1;
                    a
                }
                (_, Some(b)) => {
                    down -= 1;
                    b
                }
                (Some(a), None) => {
                    up += 1;
                    a
                }
                (None, None) => break,
            };
            if dg > best.0 {
                break;
            }
            let d = distance(&rgb[usize::from(i) * 3..][..3], px);
            if (d, i) < best {
                best = (d, i);
            }
        }
        (best.1, best.0)
    }
}

/// `(a - b)²`.
fn square(a: u8, b: u8) -> u32 {
    u32::from(a.abs_diff(b)).pow(2)
}

/// The squared Euclidean distance of two RGB colours.
pub(super) fn distance(a: &[u8], b: &[u8]) -> u32 {
    square(a[0], b[0]) + square(a[1], b[1]) + square(a[2], b[2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_search_finds_what_a_scan_of_every_entry_finds() {
        // A palette of scattered colours, some repeated.
        let rgb: Vec<u8> = (0u32..200)
            .flat_map(|i| {
                [
                    (i * 37 % 256) as u8,
                    (i * 91 % 256) as u8,
                    (i * 13 % 256) as u8,
                ]
            })
            .chain([10, 20, 30, 10, 20, 30])
            .collect();
        let search = Search::new(&rgb);
        for c in (0u32..5000).map(|i| [(i * 7) as u8, (i * 11 / 3) as u8, (i * 29) as u8]) {
            let scan = (0u8..=255)
                .zip(rgb.chunks_exact(3))
                .map(|(i, e)| (distance(e, &c), i))
                .min()
                .unwrap();
            assert_eq!(search.nearest(&rgb, &c), (scan.1, scan.0), "{c:?}");
        }
        assert_eq!(Search::new(&[]).nearest(&[], &[1, 2, 3]), (0, u32::MAX));
    }
}

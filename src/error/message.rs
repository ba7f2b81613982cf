//! The messages of [`Error`] variants that take more than a format string
//! ([`Error::OutOfRange`]'s is with [`Setting`](super::Setting)).

#[cfg(doc)]
use super::Error;
use std::fmt;

/// The message of [`Error::GridLayout`] (after `invalid configuration: `).
pub(super) fn grid_layout(cells: usize, cols: usize, cell_size: (u32, u32)) -> String {
    let (width, height) = cell_size;
    if cells == 0 || cols == 0 || cols > cells {
        format!(
            "a grid of {cells} cells in {cols} columns: there must be at least one cell and \
             between 1 and {cells} columns"
        )
    } else if width == 0 || height == 0 {
        format!("grid cells of {width}x{height} pixels: frames must be at least 1x1")
    } else {
        let rows = cells.div_ceil(cols);
        format!(
            "a grid of {rows}x{cols} cells of {width}x{height} pixels is too large for a frame; \
             tile fewer or smaller frames"
        )
    }
}

/// `what`, then ` (source)` when there is a source, then `; hint` when
/// there is a hint: the detail of [`Error::Encode`] and [`Error::Decode`].
pub(super) struct Detail<'a>(
    pub(super) &'a str,
    pub(super) Option<&'a (dyn std::error::Error + Send + Sync)>,
    pub(super) &'a str,
);

impl fmt::Display for Detail<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Detail(what, source, hint) = self;
        f.write_str(what)?;
        if let Some(source) = source {
            write!(f, " ({source})")?;
        }
        if !hint.is_empty() {
            write!(f, "; {hint}")?;
        }
        Ok(())
    }
}

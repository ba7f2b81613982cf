//! Tiling: [`TileLayout`] places the frames of N sub-envs in one grid
//! frame, as a vector env's videos show them.
//!
//! The grid is near-square in cells: `cols = ceil(sqrt(N))` columns and
//! `rows = ceil(N / cols)` rows, filled row by row from the top left (sub-env
//! `i` in row `i / cols`, column `i % cols`, as Gymnasium's vector
//! `RecordVideo` fills its grid). Cells left over in the last row are
//! padding, painted black.
//!
//! | N | grid (rows × cols) | padding cells |
//! |---|---|---|
//! | 1 | 1 × 1 | 0 |
//! | 2 | 1 × 2 | 0 |
//! | 3 | 2 × 2 | 1 |
//! | 4 | 2 × 2 | 0 |
//! | 5, 6 | 2 × 3 | 1, 0 |
//! | 7, 8, 9 | 3 × 3 | 2, 1, 0 |
//! | 16 | 4 × 4 | 0 |
//!
//! Gymnasium instead picks, among the exact factorizations `rows × cols = N`,
//! the one whose pixel aspect ratio is nearest to `video_aspect_ratio`
//! (default 1:1), so a prime N such as 3 or 7 becomes a 1 × N strip; padding
//! keeps the grid square whatever N is.
//!
//! ```
//! use gymrec::record::tile::TileLayout;
//! use gymrec::env::Frame;
//!
//! # fn main() -> gymrec::Result<()> {
//! let layout = TileLayout::near_square(7, (60, 40))?;
//! assert_eq!((layout.rows(), layout.cols()), (3, 3));
//! assert_eq!(layout.size(), (180, 120));
//! assert_eq!(layout.cell_origin(4), Some((60, 40))); // row 1, column 1
//! assert_eq!(layout.padding_cells(), 2);
//!
//! let cells: Vec<Frame> = (0..7u8)
//!     .map(|i| Frame::from_pixel(60, 40, image::Rgb([10 * i + 10; 3])))
//!     .collect();
//! let mut grid = Frame::new(0, 0);
//! layout.compose(&cells, &mut grid)?;
//! assert_eq!(grid.get_pixel(60 + 5, 40 + 5).0, [50; 3]); // sub-env 4
//! assert_eq!(grid.get_pixel(179, 119).0, [0; 3]); // padding
//! # Ok(())
//! # }
//! ```

use crate::env::{Frame, ensure_frame_size};
use crate::{Error, Result};

/// Where each of N equally sized frames goes in one grid frame; see the
/// [module docs](self) for how the grid is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TileLayout {
    cells: usize,
    rows: u32,
    cols: u32,
    cell_width: u32,
    cell_height: u32,
}

impl TileLayout {
    /// The near-square grid for `cells` frames of `cell_size` (width,
    /// height): `ceil(sqrt(cells))` columns, as many rows as needed.
    ///
    /// Errors with [`Error::GridLayout`] when `cells` is 0, a cell side
    /// is 0, or the grid's side would not fit in a `u32`.
    pub fn near_square(cells: usize, cell_size: (u32, u32)) -> Result<Self> {
        let cols = (1..=cells).find(|c| c * c >= cells).unwrap_or(1);
        TileLayout::with_columns(cells, cols, cell_size)
    }

    /// The grid Stable-Baselines3's `VecEnv.render()` tiles its sub-envs'
    /// frames into (its `tile_images`): `ceil(sqrt(cells))` rows and
    /// `ceil(cells / rows)` columns, filled row by row, padding cells black
    /// (2 sub-envs are 2 × 1, one above the other; 5 are 3 × 2).
    ///
    /// ```
    /// use gymrec::record::tile::TileLayout;
    /// let layout = TileLayout::stable_baselines3(2, (600, 400))?;
    /// assert_eq!((layout.rows(), layout.cols(), layout.size()), (2, 1, (600, 800)));
    /// # Ok::<(), gymrec::Error>(())
    /// ```
    ///
    /// Errors as [`with_columns`](Self::with_columns).
    pub fn stable_baselines3(cells: usize, cell_size: (u32, u32)) -> Result<Self> {
        let rows = (1..=cells).find(|r| r * r >= cells).unwrap_or(1);
        // ceil(cells / cols) rows is `rows` again, for every count of cells.
        TileLayout::with_columns(cells, cells.div_ceil(rows), cell_size)
    }

    /// A grid of `cols` columns and as many rows as `cells` frames need,
    /// filled row by row.
    ///
    /// Errors with [`Error::GridLayout`] when `cells` or `cols` is 0,
    /// `cols` exceeds `cells`, a cell side is 0, or the grid's side would not
    /// fit in a `u32`.
    pub fn with_columns(cells: usize, cols: usize, cell_size: (u32, u32)) -> Result<Self> {
        let (cell_width, cell_height) = cell_size;
        let layout_error = Error::GridLayout {
            cells,
            cols,
            cell_size,
        };
        if cells == 0 || cols == 0 || cols > cells || cell_width == 0 || cell_height == 0 {
            return Err(layout_error);
        }
        let rows = cells.div_ceil(cols);
        let fits = |n: usize, side: u32| {
            u32::try_from(n)
                .ok()
                .and_then(|n| n.checked_mul(side))
                .is_some()
        };
        if !fits(cols, cell_width) || !fits(rows, cell_height) {
            return Err(layout_error);
        }
        Ok(TileLayout {
            cells,
            rows: rows as u32,
            cols: cols as u32,
            cell_width,
            cell_height,
        })
    }

    /// How many frames the grid holds (not counting padding).
    pub fn cells(&self) -> usize {
        self.cells
    }

    /// Rows of cells.
    pub fn rows(&self) -> u32 {
        self.rows
    }

    /// Columns of cells.
    pub fn cols(&self) -> u32 {
        self.cols
    }

    /// `(width, height)` of one cell: the size of each frame tiled.
    pub fn cell_size(&self) -> (u32, u32) {
        (self.cell_width, self.cell_height)
    }

    /// `(width, height)` of the grid frame.
    pub fn size(&self) -> (u32, u32) {
        (self.cols * self.cell_width, self.rows * self.cell_height)
    }

    /// Cells of the last row that hold no frame.
    pub fn padding_cells(&self) -> usize {
        (self.rows * self.cols) as usize - self.cells
    }

    /// The top-left pixel `(x, y)` of frame `index`'s cell, or `None` when
    /// `index` is not below [`cells`](Self::cells).
    pub fn cell_origin(&self, index: usize) -> Option<(u32, u32)> {
        if index >= self.cells {
            return None;
        }
        let (row, col) = (index as u32 / self.cols, index as u32 % self.cols);
        Some((col * self.cell_width, row * self.cell_height))
    }

    /// Copies `cell` into frame `index`'s cell of `grid`, leaving the rest
    /// of `grid` as it is.
    ///
    /// Errors with [`Error::TileSize`] when `cell` is not
    /// [`cell_size`](Self::cell_size), with [`Error::SubEnvIndex`] when
    /// `index` is not below [`cells`](Self::cells), and with
    /// [`Error::GridFrameSize`] when `grid` is not [`size`](Self::size).
    pub fn copy_cell(&self, index: usize, cell: &Frame, grid: &mut Frame) -> Result<()> {
        let Some((x0, y0)) = self.cell_origin(index) else {
            return Err(Error::SubEnvIndex {
                env: format!("a grid of {} cells", self.cells),
                index,
                num_envs: self.cells,
            });
        };
        if cell.dimensions() != self.cell_size() {
            return Err(Error::TileSize {
                what: format!("grid cell {index}"),
                expected: self.cell_size(),
                got: cell.dimensions(),
            });
        }
        self.check_grid(grid)?;
        let row_bytes = self.cell_width as usize * 3;
        let stride = self.size().0 as usize * 3;
        let start = y0 as usize * stride + x0 as usize * 3;
        let dst: &mut [u8] = grid;
        for (dst_row, src_row) in dst[start..]
            .chunks_mut(stride)
            .zip(cell.as_raw().chunks_exact(row_bytes))
        {
            dst_row[..row_bytes].copy_from_slice(src_row);
        }
        Ok(())
    }

    /// Paints the padding cells of `grid` black.
    ///
    /// Errors with [`Error::GridFrameSize`] when `grid` is not
    /// [`size`](Self::size).
    pub fn clear_padding(&self, grid: &mut Frame) -> Result<()> {
        self.check_grid(grid)?;
        let padding = self.padding_cells();
        if padding == 0 {
            return Ok(());
        }
        let stride = self.size().0 as usize * 3;
        let last_row_top = (self.rows - 1) as usize * self.cell_height as usize;
        let x0 = (self.cols as usize - padding) * self.cell_width as usize * 3;
        let dst: &mut [u8] = grid;
        for line in dst[last_row_top * stride..].chunks_mut(stride) {
            line[x0..].fill(0);
        }
        Ok(())
    }

    /// Makes `grid` the grid's [`size`](Self::size) (reallocating only when
    /// it is not), copies `cells[i]` into cell `i` and paints the padding
    /// black.
    ///
    /// Errors with [`Error::BatchLength`] when `cells` does not hold
    /// [`cells`](Self::cells) frames, and with [`Error::TileSize`] when one
    /// of them is not [`cell_size`](Self::cell_size).
    pub fn compose(&self, cells: &[Frame], grid: &mut Frame) -> Result<()> {
        if cells.len() != self.cells {
            return Err(Error::BatchLength {
                env: format!("a grid of {} cells", self.cells),
                what: "frames",
                got: cells.len(),
                expected: self.cells,
            });
        }
        let (width, height) = self.size();
        ensure_frame_size(grid, width, height);
        for (i, cell) in cells.iter().enumerate() {
            self.copy_cell(i, cell, grid)?;
        }
        self.clear_padding(grid)
    }

    fn check_grid(&self, grid: &Frame) -> Result<()> {
        if grid.dimensions() != self.size() {
            return Err(Error::GridFrameSize {
                expected: self.size(),
                got: grid.dimensions(),
                rows: self.rows,
                cols: self.cols,
                cell_size: (self.cell_width, self.cell_height),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_baselines3_grids_are_tile_images_grids() {
        for cells in 1..=200 {
            let layout = TileLayout::stable_baselines3(cells, (3, 2)).unwrap();
            // SB3's tile_images: H = ceil(sqrt(n)) rows, W = ceil(n / H) columns.
            let rows = (cells as f64).sqrt().ceil() as u32;
            let cols = cells.div_ceil(rows as usize) as u32;
            assert_eq!(
                (layout.rows(), layout.cols()),
                (rows, cols),
                "{cells} cells"
            );
            assert!(layout.padding_cells() < cols as usize);
        }
    }

    #[test]
    fn impossible_layouts_and_wrong_grid_frames_are_typed() {
        for (cells, cols, cell_size) in [
            (0, 1, (8, 8)),
            (3, 0, (8, 8)),
            (3, 4, (8, 8)),
            (3, 2, (0, 8)),
            (3, 2, (u32::MAX, 8)),
        ] {
            let err = TileLayout::with_columns(cells, cols, cell_size).unwrap_err();
            assert!(
                matches!(err, Error::GridLayout { cells: c, cols: k, cell_size: s }
                    if (c, k, s) == (cells, cols, cell_size)),
                "{err:?}"
            );
        }
        let err = TileLayout::near_square(0, (8, 8)).unwrap_err();
        assert!(err.to_string().contains("at least one cell"), "{err}");

        let layout = TileLayout::with_columns(3, 2, (8, 4)).unwrap();
        let mut grid = Frame::new(10, 10);
        let err = layout.clear_padding(&mut grid).unwrap_err();
        assert!(
            matches!(
                err,
                Error::GridFrameSize {
                    expected: (16, 8),
                    got: (10, 10),
                    rows: 2,
                    cols: 2,
                    cell_size: (8, 4),
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("TileLayout::size"), "{err}");
    }
}

//! Held snapshots: with a keep rule ([`RecordingConfig::keep`](super::RecordingConfig::keep))
//! and a way to draw snapshots, a video's snapshots wait here, neither
//! drawn nor encoded, until the rule decides; only a kept video is drawn
//! and encoded, and a discarded one costs its snapshots alone.
//!
//! Held bytes are bounded for the whole recorder
//! ([`RecordingConfig::held_snapshot_bytes`](super::RecordingConfig::held_snapshot_bytes)):
//! beyond the bound a video's later snapshots go to a temporary file of its
//! own in the video folder (hidden, unlinked at once on Unix), read back in
//! order when the video is drawn. None is ever dropped.

use crate::frame::{Frame, Snapshot};
use crate::video::{Submission, VideoFacts, VideoWriter};
use crate::{Error, Result};
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::thread::JoinHandle;

/// Draws a held snapshot into a frame on the env's thread, at the keep
/// decision ([`Recorder::set_snapshot_replay`](super::Recorder::set_snapshot_replay)):
/// the frame has the size the snapshot was taken for and holds an earlier
/// picture, so every pixel is to be overwritten.
pub type SnapshotReplay = Box<dyn FnMut(&Snapshot, &mut Frame) -> Result<()> + Send>;

/// Bytes of held snapshots a recorder keeps in memory, by default, before
/// it spills them to a temporary file
/// ([`RecordingConfig::held_snapshot_bytes`](super::RecordingConfig::held_snapshot_bytes)):
/// 64 MiB, about 800,000 CartPole snapshots with their bookkeeping, or
/// 16,000 steps of the Python drop-in's HalfCheetah states (about 4 KB each,
/// with the kinematics its renderer reads).
pub const DEFAULT_HELD_SNAPSHOT_BYTES: usize = 64 << 20;

/// Empty snapshots kept for reuse at most.
const POOL: usize = 256;

/// What a held snapshot costs in memory beside its bytes: its entry.
const ENTRY: usize = std::mem::size_of::<(Snapshot, Option<String>)>();

/// Spill files made by this process, for unique names.
static SPILLS: AtomicU64 = AtomicU64::new(0);

/// The recorder's side of holding: the byte bound shared by its videos
/// (and the threads feeding kept ones to their writers), and a pool of
/// empty snapshots.
#[derive(Debug)]
pub(super) struct Holding {
    limit: usize,
    used: Arc<AtomicUsize>,
    pool: Vec<Snapshot>,
}

impl Holding {
    /// Holding with `limit` bytes in memory.
    pub(super) fn new(limit: usize) -> Self {
        Holding {
            limit,
            used: Arc::new(AtomicUsize::new(0)),
            pool: Vec::new(),
        }
    }

    /// Held bytes in memory now, over every video.
    #[cfg(test)]
    fn bytes_in_memory(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }

    /// An empty snapshot, from the pool when it has one.
    pub(super) fn buffer(&mut self) -> Snapshot {
        self.pool.pop().unwrap_or_default()
    }

    /// A video's holding, for frames of `size`, spilling into `folder`
    /// under a name made from `name`.
    pub(super) fn start(&self, size: (u32, u32), folder: &Path, name: &str) -> HeldPictures {
        HeldPictures {
            size,
            memory: Vec::new(),
            memory_bytes: 0,
            spill: None,
            spill_to: folder.join(format!(
                ".{name}.{}-{}.held",
                std::process::id(),
                SPILLS.fetch_add(1, Ordering::Relaxed)
            )),
            limit: self.limit,
            used: Arc::clone(&self.used),
        }
    }

    /// Takes back the snapshots of a video not kept, for reuse.
    pub(super) fn discard(&mut self, mut held: HeldPictures) {
        for (mut snapshot, _) in held.memory.drain(..) {
            if self.pool.len() < POOL {
                snapshot.clear();
                self.pool.push(snapshot);
            }
        }
    }

    /// Takes back a snapshot that was spilled.
    fn recycle(&mut self, mut snapshot: Snapshot) {
        if self.pool.len() < POOL {
            snapshot.clear();
            self.pool.push(snapshot);
        }
    }
}

/// One video's held snapshots with their overlay texts, in order: in
/// memory while the recorder's bound allows, the rest in its spill file.
#[derive(Debug)]
pub(super) struct HeldPictures {
    size: (u32, u32),
    memory: Vec<(Snapshot, Option<String>)>,
    /// Bytes of `memory` counted in `used`.
    memory_bytes: usize,
    /// Once a snapshot is spilled, every later one of the video is too.
    spill: Option<Spill>,
    spill_to: PathBuf,
    limit: usize,
    used: Arc<AtomicUsize>,
}

/// A video's spill file: entries of (snapshot length, text length + 1 or 0
/// for none, snapshot bytes, text bytes), lengths as little-endian u64.
#[derive(Debug)]
struct Spill {
    file: BufWriter<File>,
    path: PathBuf,
    count: u64,
}

impl Drop for Spill {
    fn drop(&mut self) {
        // Unlinked when made on Unix; elsewhere removed now.
        #[cfg(not(unix))]
        let _ = std::fs::remove_file(&self.path);
    }
}

impl HeldPictures {
    /// The frame size the snapshots were taken for.
    pub(super) fn size(&self) -> (u32, u32) {
        self.size
    }

    /// Holds `snapshot` with its overlay `text`: in memory within the
    /// bound, else in the spill file (the snapshot then goes back to
    /// `holding`'s pool). A spill file that cannot be made or written is
    /// an error naming it.
    pub(super) fn push(
        &mut self,
        holding: &mut Holding,
        snapshot: Snapshot,
        text: Option<String>,
    ) -> Result<()> {
        let bytes = snapshot.capacity() + text.as_ref().map_or(0, String::capacity) + ENTRY;
        if self.spill.is_none() && self.reserve(bytes) {
            self.memory_bytes += bytes;
            self.memory.push((snapshot, text));
            return Ok(());
        }
        let spill = match &mut self.spill {
            Some(spill) => spill,
            None => self.spill.insert(Spill::create(&self.spill_to)?),
        };
        spill.write(&snapshot, text.as_deref())?;
        holding.recycle(snapshot);
        Ok(())
    }

    /// Counts `bytes` against the bound; `false` when they do not fit.
    fn reserve(&self, bytes: usize) -> bool {
        let mut used = self.used.load(Ordering::Relaxed);
        loop {
            if used + bytes > self.limit {
                return false;
            }
            match self.used.compare_exchange_weak(
                used,
                used + bytes,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(now) => used = now,
            }
        }
    }

    /// Hands every snapshot, in order, to `each` with its text, releasing
    /// the memory as it goes; spilled ones are read back into `buffer()`s.
    fn drain(
        mut self,
        mut buffer: impl FnMut() -> Snapshot,
        mut each: impl FnMut(Snapshot, Option<String>) -> Result<()>,
    ) -> Result<()> {
        let memory = std::mem::take(&mut self.memory);
        for (snapshot, text) in memory {
            let bytes = snapshot.capacity() + text.as_ref().map_or(0, String::capacity) + ENTRY;
            self.memory_bytes -= bytes;
            self.used.fetch_sub(bytes, Ordering::Relaxed);
            each(snapshot, text)?;
        }
        if let Some(spill) = self.spill.take() {
            spill.read_back(&mut buffer, &mut each)?;
        }
        Ok(())
    }

    /// Feeds the snapshots to `writer`, which draws them with its
    /// renderer.
    pub(super) fn feed_into(self, writer: &mut VideoWriter) -> Result<()> {
        self.drain(Snapshot::new, |snapshot, text| {
            writer.submit(labelled(Submission::from(snapshot), text))
        })
    }

    /// [`feed_into`](Self::feed_into) on a thread of its own, which then
    /// finishes the video.
    pub(super) fn feed_in_background(
        self,
        mut writer: VideoWriter,
    ) -> Result<JoinHandle<Result<VideoFacts>>> {
        let path = writer.path().to_path_buf();
        std::thread::Builder::new()
            .name("gymrec-held".into())
            .spawn(move || {
                let fed = self.feed_into(&mut writer);
                let finished = writer.finish();
                fed.and(finished)
            })
            .map_err(|e| Error::io(&path, e))
    }

    /// Draws the snapshots on this thread through `replay`, each into a
    /// pooled frame of the writer's, and submits them to `writer`.
    pub(super) fn replay_into(
        self,
        writer: &mut VideoWriter,
        replay: &mut (dyn FnMut(&Snapshot, &mut Frame) -> Result<()> + Send),
        holding: &mut Holding,
    ) -> Result<()> {
        self.drain(Snapshot::new, |snapshot, text| {
            let mut frame = writer.recycled_buffer();
            replay(&snapshot, &mut frame)?;
            holding.recycle(snapshot);
            writer.submit(labelled(Submission::from(frame), text))
        })
    }
}

impl Drop for HeldPictures {
    fn drop(&mut self) {
        self.used.fetch_sub(self.memory_bytes, Ordering::Relaxed);
    }
}

/// `submission` with its overlay text, when it has one.
fn labelled(submission: Submission, text: Option<String>) -> Submission {
    match text {
        Some(text) => submission.labelled(text),
        None => submission,
    }
}

impl Spill {
    /// Makes the spill file at `path`, unlinked at once on Unix (the open
    /// file keeps its data; a killed process leaves nothing behind).
    fn create(path: &Path) -> Result<Spill> {
        let file = File::options()
            .read(true)
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|e| Error::io(path, e))?;
        #[cfg(unix)]
        std::fs::remove_file(path).map_err(|e| Error::io(path, e))?;
        log::debug!("held snapshots spilled to {}", path.display());
        Ok(Spill {
            file: BufWriter::with_capacity(1 << 16, file),
            path: path.to_path_buf(),
            count: 0,
        })
    }

    fn write(&mut self, snapshot: &Snapshot, text: Option<&str>) -> Result<()> {
        let text_len = text.map_or(0, |t| t.len() as u64 + 1);
        let mut write = || -> std::io::Result<()> {
            self.file
                .write_all(&(snapshot.len() as u64).to_le_bytes())?;
            self.file.write_all(&text_len.to_le_bytes())?;
            self.file.write_all(snapshot.as_bytes())?;
            self.file.write_all(text.unwrap_or("").as_bytes())
        };
        write().map_err(|e| Error::io(&self.path, e))?;
        self.count += 1;
        Ok(())
    }

    /// Reads the entries back in order into `buffer()`s for `each`.
    fn read_back(
        mut self,
        buffer: &mut impl FnMut() -> Snapshot,
        each: &mut impl FnMut(Snapshot, Option<String>) -> Result<()>,
    ) -> Result<()> {
        let path = self.path.clone();
        let io = |e| Error::io(&path, e);
        self.file.flush().map_err(io)?;
        let file = self.file.get_mut();
        file.rewind().map_err(io)?;
        let mut reader = BufReader::with_capacity(1 << 16, &*file);
        let mut bytes = Vec::new();
        for _ in 0..self.count {
            let mut lengths = [0u8; 16];
            reader.read_exact(&mut lengths).map_err(io)?;
            let [snapshot_len, text_len] = [&lengths[..8], &lengths[8..]]
                .map(|b| u64::from_le_bytes(b.try_into().unwrap_or_default()) as usize);
            bytes.resize(snapshot_len, 0);
            reader.read_exact(&mut bytes).map_err(io)?;
            let mut snapshot = buffer();
            snapshot.clear();
            snapshot.push_bytes(&bytes);
            let text = match text_len {
                0 => None,
                n => {
                    let mut text = vec![0u8; n - 1];
                    reader.read_exact(&mut text).map_err(io)?;
                    Some(String::from_utf8_lossy(&text).into_owned())
                }
            };
            each(snapshot, text)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spilled_snapshots_come_back_in_order_with_their_texts() {
        let dir = std::env::temp_dir().join(format!("gymrec-held-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // Room for about two snapshots in memory; the rest spill.
        let mut holding = Holding::new(2 * (ENTRY + 16));
        let mut held = holding.start((4, 4), &dir, "v");
        for i in 0..10u64 {
            let mut snapshot = holding.buffer();
            snapshot.push_u64(i);
            let text = (i % 2 == 0).then(|| format!("t{i}"));
            held.push(&mut holding, snapshot, text).unwrap();
        }
        assert!(held.spill.is_some() && held.memory.len() < 10);
        assert!(holding.bytes_in_memory() > 0);
        let mut seen = Vec::new();
        held.drain(Snapshot::new, |s, t| {
            seen.push((s.reader().u64()?, t));
            Ok(())
        })
        .unwrap();
        let want: Vec<_> = (0..10u64)
            .map(|i| (i, (i % 2 == 0).then(|| format!("t{i}"))))
            .collect();
        assert_eq!(seen, want);
        assert_eq!(holding.bytes_in_memory(), 0);
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
        std::fs::remove_dir_all(&dir).ok();
    }
}

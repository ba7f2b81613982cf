//! `gymrec recover DIR`: partial videos left by recorders that died get
//! their final names, sidecars and index lines, marked incomplete.

use crate::record::print_summary;
use clap::Args;
use gymrec::catalog::{GALLERY_FILE, Manifest};
use gymrec::record::{RecordingObserver, WORKING_SUFFIX};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct RecoverArgs {
    /// The video folder. Each partial video in it (NAME.mp4.part, ….webm.part,
    /// ….gif.part, a PNG sequence's NAME.part/) whose recorder died is renamed
    /// to its final name (NAME.mp4; NAME~1.mp4, … when that is taken: nothing
    /// is overwritten) and gets a sidecar and an index.jsonl line marked
    /// incomplete, with the frames it holds; index.html is rewritten when there
    /// is one. Files a live recorder is writing are left to it.
    dir: PathBuf,
}

pub fn run(args: &RecoverArgs) -> gymrec::Result<()> {
    let videos = gymrec::record::recover(&args.dir)?;
    let gallery = args.dir.join(GALLERY_FILE).is_file();
    let mut manifest = Manifest::new().gallery(gallery);
    for video in &videos {
        manifest.video_finished(video)?;
    }
    if videos.is_empty() {
        println!(
            "no partial video of a recorder that died in {}",
            args.dir.display()
        );
    } else {
        print_summary(&videos, &[]);
        println!("{} recovered, marked incomplete", videos.len());
    }
    let left = std::fs::read_dir(&args.dir)
        .map_err(|e| gymrec::Error::io(&args.dir, e))?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(WORKING_SUFFIX))
        .count();
    if left > 0 {
        println!(
            "{left} left under working names: being written by a live recorder, or holding no frame"
        );
    }
    Ok(())
}

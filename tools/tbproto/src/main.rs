//! Generates gymrec's TensorBoard message types (src/tensorboard/proto/)
//! from `tensorboard.fds`, the descriptors written by `descriptors.py` from
//! the pinned tensorboard wheel. Needs no protoc.

use prost::Message;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(here.join("tensorboard.fds"))?;
    let fds = prost_types::FileDescriptorSet::decode(bytes.as_slice())?;
    let out = here.join("../../src/tensorboard/proto");
    std::fs::create_dir_all(&out)?;
    prost_build::Config::new()
        // google.protobuf.Struct/Value (the hparams' values) generated too,
        // so that gymrec needs no prost-types.
        .compile_well_known_types()
        .out_dir(&out)
        .compile_fds(fds)?;
    println!("wrote {}", out.canonicalize()?.display());
    Ok(())
}

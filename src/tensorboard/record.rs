//! TFRecord framing, as TensorBoard reads event files: each record is
//!
//! | bytes | what |
//! |---|---|
//! | 8 | the data's length, little-endian `u64` |
//! | 4 | the masked CRC-32C of those 8 bytes, little-endian |
//! | length | the data (one serialized `Event`) |
//! | 4 | the masked CRC-32C of the data, little-endian |
//!
//! The CRC is CRC-32C (Castagnoli), masked as TensorFlow's
//! `crc32c::Mask` does: rotated right by 15 bits plus `0xa282ead8`.
//!
//! ```
//! use gymrec::tensorboard::{encode_record, masked_crc32c, parse_records};
//!
//! assert_eq!(masked_crc32c(b""), 0xa282_ead8);
//! let mut file = encode_record(b"hello");
//! file.extend(encode_record(b""));
//! assert_eq!(file.len(), 16 + 5 + 16);
//! let records = parse_records("in memory".as_ref(), &file)?;
//! assert_eq!(records, [b"hello".to_vec(), Vec::new()]);
//! # Ok::<(), gymrec::Error>(())
//! ```

use crate::{Error, Result};
use std::path::Path;

/// TensorFlow's mask delta (`kMaskDelta` in `tensorflow/core/lib/hash/crc32c.h`).
const MASK_DELTA: u32 = 0xa282_ead8;

/// The masked CRC-32C of `data`, as TFRecord framing stores it.
pub fn masked_crc32c(data: &[u8]) -> u32 {
    let crc = crc32c::crc32c(data);
    crc.rotate_right(15).wrapping_add(MASK_DELTA)
}

/// Appends `data` framed as one record to `out`.
pub(crate) fn append_record(out: &mut Vec<u8>, data: &[u8]) {
    let length = (data.len() as u64).to_le_bytes();
    out.reserve(data.len() + 16);
    out.extend_from_slice(&length);
    out.extend_from_slice(&masked_crc32c(&length).to_le_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(&masked_crc32c(data).to_le_bytes());
}

/// `data` framed as one record (16 bytes more than `data`).
pub fn encode_record(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 16);
    append_record(&mut out, data);
    out
}

/// The records of a whole event file's bytes, checked as TensorBoard's
/// strict reader checks them; `path` only names the file in errors.
///
/// Errors with [`Error::EventRecord`] (its offset the record's start) at a
/// length or data CRC that does not match, and at a record cut short: a
/// file that a writer left mid-record is not accepted.
pub fn parse_records(path: &Path, bytes: &[u8]) -> Result<Vec<Vec<u8>>> {
    let mut records = Vec::new();
    let mut at = 0usize;
    let corrupt = |offset: usize, what: &'static str| Error::EventRecord {
        path: path.to_path_buf(),
        offset: offset as u64,
        what,
    };
    while at < bytes.len() {
        let rest = &bytes[at..];
        if rest.len() < 12 {
            return Err(corrupt(at, "the file ends inside a record's header"));
        }
        let (length, rest) = rest.split_at(8);
        let (length_crc, rest) = rest.split_at(4);
        if masked_crc32c(length).to_le_bytes() != length_crc {
            return Err(corrupt(at, "the length's CRC does not match"));
        }
        let mut le = [0u8; 8];
        le.copy_from_slice(length);
        let length = u64::from_le_bytes(le);
        let Some(length) = usize::try_from(length)
            .ok()
            .filter(|&n| n <= rest.len().saturating_sub(4))
        else {
            return Err(corrupt(at, "the file ends inside a record's data"));
        };
        let (data, rest) = rest.split_at(length);
        if masked_crc32c(data).to_le_bytes() != rest[..4] {
            return Err(corrupt(at, "the data's CRC does not match"));
        }
        records.push(data.to_vec());
        at += 16 + length;
    }
    Ok(records)
}

/// The records of the event file at `path`, checked as by
/// [`parse_records`]; errors with [`Error::Io`] when it cannot be read.
pub fn read_records(path: impl AsRef<Path>) -> Result<Vec<Vec<u8>>> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    parse_records(path, &bytes)
}

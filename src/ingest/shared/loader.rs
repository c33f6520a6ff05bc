//! The one bounded reader behind includes and imports: every file a configuration pulls in is
//! counted, size-checked against its own limit and the total, read, and added to the source
//! map here. The caller turns a refusal into a finding in its product's words ("included",
//! "imported") at the line that named the file.

use crate::source::{FileId, SourceMap, Unread};
use std::path::Path;

/// What one configuration may pull in.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    pub max_files: usize,
    pub max_file_bytes: u64,
    /// The most bytes in all files together; `None`: only each file is bounded.
    pub max_total_bytes: Option<u64>,
}

/// What has been read so far under one [`Budget`].
#[derive(Debug, Default)]
pub struct Spent {
    /// Every file read, in first-read order.
    pub files: Vec<FileId>,
    pub bytes: u64,
}

/// Why a file was not read.
#[derive(Debug)]
pub enum Refused {
    /// `max_files` files were read already.
    TooManyFiles,
    /// The file alone is over `max_file_bytes` (its size).
    FileTooLarge(u64),
    /// The file would take the total over `max_total_bytes`.
    TotalTooLarge,
    /// The file would take the whole scan over its budget ([`SourceMap::bytes_left`]): the
    /// budget.
    ScanBudget(u64),
    /// A FIFO, socket, device or directory: what it is.
    NotRegular(&'static str),
    Unreadable(std::io::Error),
}

/// Reads `canonical` (shown as `shown`, displayed as `display`) into the map within the budget.
pub fn read(
    map: &mut SourceMap,
    budget: &Budget,
    spent: &mut Spent,
    canonical: &Path,
    shown: &Path,
    display: String,
) -> Result<FileId, Refused> {
    if spent.files.len() >= budget.max_files {
        return Err(Refused::TooManyFiles);
    }
    let left = budget
        .max_total_bytes
        .map_or(budget.max_file_bytes, |max| max.saturating_sub(spent.bytes));
    let scan_left = map.bytes_left();
    let cap = budget.max_file_bytes.min(left).min(scan_left);
    let raw = match crate::source::read_regular(canonical, cap) {
        Ok(raw) => raw,
        Err(Unread::TooLarge(size)) if size > budget.max_file_bytes => {
            return Err(Refused::FileTooLarge(size))
        }
        Err(Unread::TooLarge(size)) if size > scan_left && scan_left < left => {
            return Err(Refused::ScanBudget(map.budget().unwrap_or_default()))
        }
        Err(Unread::TooLarge(_)) => return Err(Refused::TotalTooLarge),
        Err(Unread::NotRegular(what)) => return Err(Refused::NotRegular(what)),
        Err(Unread::Io(e)) => return Err(Refused::Unreadable(e)),
    };
    spent.bytes += raw.len() as u64;
    let id = map.add(display, shown.to_path_buf(), &raw);
    if !spent.files.contains(&id) {
        spent.files.push(id);
    }
    Ok(id)
}

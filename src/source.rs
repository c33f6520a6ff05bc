//! The source database shared by every stage.
//!
//! Every scanned file is registered once and gets a [`FileId`]. Parsers keep byte [`Span`]s;
//! line and column are computed on demand from the file's line starts, so any finding can be
//! rendered as `file:line:col` with the source line under it.

use serde::Serialize;
use std::path::{Path, PathBuf};

/// Files larger than this are not read (reported as a finding), wherever they are named.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// The most bytes of configuration one scan reads, unless `tlsproof.toml` says otherwise
/// (`[limits] max_scan_bytes`): the files after it are findings, not read. Far above any
/// real deployment (a 100,000-server nginx estate is 28 MB), it bounds the memory of a scan
/// of a hostile or mistaken root (the model takes about 60 times the bytes of nginx text).
pub const MAX_SCAN_BYTES: u64 = 256 * 1024 * 1024;

/// Why a file that fits its own limits was not read: the scan's budget is spent.
pub fn scan_budget_message(display: &str, budget: u64) -> String {
    format!(
        "{display} was not read: the scan has read its budget of {budget} bytes of configuration ([limits] max_scan_bytes in tlsproof.toml)"
    )
}

/// Why a file was not read.
#[derive(Debug)]
pub enum Unread {
    /// Not a regular file: what it is instead ("a FIFO", "a socket", "a directory", …).
    NotRegular(&'static str),
    /// Larger than the limit: its size.
    TooLarge(u64),
    Io(std::io::Error),
}

impl std::fmt::Display for Unread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unread::NotRegular(what) => write!(f, "{what}, not a regular file"),
            Unread::TooLarge(size) => write!(f, "{size} bytes, over the limit"),
            Unread::Io(e) => write!(f, "{e}"),
        }
    }
}

/// Reads a regular file of at most `max` bytes, following symlinks. The file type is checked
/// before the file is opened: opening a FIFO for reading blocks until a writer comes, and a
/// device can be endless.
pub fn read_regular(path: &Path, max: u64) -> Result<Vec<u8>, Unread> {
    use std::io::Read;
    let meta = std::fs::metadata(path).map_err(Unread::Io)?;
    if !meta.is_file() {
        return Err(Unread::NotRegular(file_type_name(&meta.file_type())));
    }
    if meta.len() > max {
        return Err(Unread::TooLarge(meta.len()));
    }
    let file = std::fs::File::open(path).map_err(Unread::Io)?;
    let mut raw = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(max.saturating_add(1))
        .read_to_end(&mut raw)
        .map_err(Unread::Io)?;
    if raw.len() as u64 > max {
        return Err(Unread::TooLarge(raw.len() as u64));
    }
    Ok(raw)
}

/// What a file type is, in words.
pub fn file_type_name(t: &std::fs::FileType) -> &'static str {
    if t.is_file() {
        "a regular file"
    } else if t.is_dir() {
        "a directory"
    } else if t.is_symlink() {
        "a symlink"
    } else {
        special_file_name(t)
    }
}

#[cfg(unix)]
fn special_file_name(t: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if t.is_fifo() {
        "a FIFO"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else {
        "not a regular file"
    }
}

#[cfg(not(unix))]
fn special_file_name(_: &std::fs::FileType) -> &'static str {
    "not a regular file"
}

/// Whether `path`, with every symlink resolved, lies in one of `roots` (canonical paths). A
/// path that does not resolve (missing, a symlink loop) is not inside.
pub fn resolves_inside(path: &Path, roots: &[PathBuf]) -> bool {
    path.canonicalize()
        .is_ok_and(|p| roots.iter().any(|r| p.starts_with(r)))
}

/// Why a file the scan looks for by name in a scanned root (`tlsproof.toml`, the claims file)
/// must not be read: it is not a regular file, or a symlink resolves outside the root. `None`
/// when it may be read (or does not exist).
pub fn refused_at_root(path: &Path, root: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() {
        return Some(format!(
            "{}, not a regular file",
            file_type_name(&meta.file_type())
        ));
    }
    let root = root.canonicalize().ok()?;
    if !resolves_inside(path, &[root]) {
        return Some("a symlink leading outside the scanned tree".into());
    }
    None
}

/// Index of a file in the [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct FileId(pub u32);

/// A byte range in one registered file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Span {
    pub file: FileId,
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Self {
        Span { file, start, end }
    }
}

/// A resolved position: what JSON, SARIF and humans see. `file` is relative to the scan root
/// with `/` separators; `line` and `column` are 1-based (column counts characters).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize)]
pub struct Location {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

/// One registered file.
#[derive(Debug)]
pub struct SourceFile {
    /// Path as shown in output: relative to the scan root, `/`-separated.
    pub display: String,
    /// Path on disk.
    pub path: PathBuf,
    /// The text (lossily decoded when the file is not UTF-8).
    pub text: String,
    /// SHA-256 of the raw bytes, lowercase hex.
    pub sha256: String,
    /// Size of the raw bytes.
    pub bytes: u64,
    /// Where the first byte that is not UTF-8 was (an offset into `text`, where it became
    /// U+FFFD), if any.
    pub invalid_utf8: Option<usize>,
    line_starts: Vec<usize>,
}

impl SourceFile {
    /// 1-based line and column of a byte offset (clamped to the file).
    pub fn line_col(&self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        let line_idx = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let line_start = self.line_starts.get(line_idx).copied().unwrap_or(0);
        let col = self
            .text
            .get(line_start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(0);
        (line_idx as u32 + 1, col as u32 + 1)
    }

    /// The text of a 1-based line, without its line terminator.
    pub fn line_text(&self, line: u32) -> &str {
        let idx = (line as usize).saturating_sub(1);
        let Some(&start) = self.line_starts.get(idx) else {
            return "";
        };
        let end = self
            .line_starts
            .get(idx + 1)
            .copied()
            .unwrap_or(self.text.len());
        self.text
            .get(start..end)
            .unwrap_or("")
            .trim_end_matches(['\n', '\r'])
    }

    /// Number of lines in the file.
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }
}

/// The set of files a scan has read.
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
    /// The id of each disk path and each display path (first registered wins).
    by_path: std::collections::HashMap<PathBuf, FileId>,
    by_display: std::collections::HashMap<String, FileId>,
    /// The display prefixes of the scanned roots (a multi-path scan shows each root as given).
    prefixes: Vec<String>,
    /// Spans whose text is a credential, marked by the ingesters as they read it: no line shown
    /// in an output carries them ([`SourceMap::shown_line`]). Marked through a shared reference,
    /// as ingesters hold the map.
    secrets: std::sync::Mutex<Vec<Span>>,
    /// Lines already made fit to show (`results::shown_line`), by file and line: one line is
    /// cited by many results, and its redaction is done once.
    shown: std::sync::Mutex<std::collections::HashMap<(FileId, u32), String>>,
    /// Bytes registered so far, and the most the scan may register (`None`: no budget).
    registered: u64,
    budget: Option<u64>,
}

/// What a credential is replaced with wherever tlsproof shows it.
pub const REDACTED: &str = "REDACTED";

impl SourceMap {
    pub fn new() -> Self {
        Self::default()
    }

    /// Limits the bytes all files registered so far and from now on may take together
    /// ([`MAX_SCAN_BYTES`]); `None` lifts the limit.
    pub fn set_budget(&mut self, bytes: Option<u64>) {
        self.budget = bytes;
    }

    /// The scan's budget of bytes, if it has one.
    pub fn budget(&self) -> Option<u64> {
        self.budget
    }

    /// How many more bytes the scan may read.
    pub fn bytes_left(&self) -> u64 {
        self.budget
            .map_or(u64::MAX, |b| b.saturating_sub(self.registered))
    }

    /// Registers the display prefix of a scanned root (see [`SourceMap::relative_display`]).
    pub fn add_display_prefix(&mut self, prefix: &str) {
        let p = prefix.trim_end_matches('/');
        if !p.is_empty() && !self.prefixes.iter().any(|q| q == p) {
            self.prefixes.push(p.to_string());
        }
    }

    /// A file's display path relative to its scanned root: without the longest registered
    /// prefix it starts with (the root as given on the command line of a multi-path scan).
    pub fn relative_display(&self, id: FileId) -> &str {
        let Some(f) = self.get(id) else { return "" };
        self.prefixes
            .iter()
            .filter_map(|p| {
                f.display
                    .strip_prefix(p.as_str())
                    .and_then(|r| r.strip_prefix('/'))
            })
            .min_by_key(|r| r.len())
            .unwrap_or(&f.display)
    }

    /// Number of registered files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Registers a file's raw bytes; returns its id. Registering the same disk path twice
    /// returns the first id.
    pub fn add(&mut self, display: String, path: PathBuf, raw: &[u8]) -> FileId {
        if let Some(id) = self.find(&path) {
            return id;
        }
        use sha2::Digest;
        let sha256 = hex(&sha2::Sha256::digest(raw));
        let invalid_utf8 = std::str::from_utf8(raw).err().map(|e| e.valid_up_to());
        let text = String::from_utf8_lossy(raw).into_owned();
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let id = FileId(self.files.len() as u32);
        self.registered = self.registered.saturating_add(raw.len() as u64);
        self.by_path.insert(path.clone(), id);
        self.by_display.entry(display.clone()).or_insert(id);
        self.files.push(SourceFile {
            display,
            path,
            text,
            sha256,
            bytes: raw.len() as u64,
            invalid_utf8,
            line_starts,
        });
        id
    }

    /// The id of an already registered disk path.
    pub fn find(&self, path: &Path) -> Option<FileId> {
        self.by_path.get(path).copied()
    }

    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    /// The registered file shown as `display`.
    pub fn by_display(&self, display: &str) -> Option<(FileId, &SourceFile)> {
        let id = *self.by_display.get(display)?;
        self.get(id).map(|f| (id, f))
    }

    /// The inverse of [`SourceMap::location`]: the (empty) span at a location's line and
    /// column, when the file is registered.
    pub fn span_at(&self, loc: &Location) -> Option<Span> {
        let (id, f) = self.by_display(&loc.file)?;
        let line = (loc.line as usize).saturating_sub(1);
        let line_start = *f.line_starts.get(line)?;
        let column: usize = f.text[line_start..]
            .chars()
            .take((loc.column as usize).saturating_sub(1))
            .map(char::len_utf8)
            .sum();
        Some(Span::new(id, line_start + column, line_start + column))
    }

    /// Resolves a span to the location of its first byte.
    pub fn location(&self, span: Span) -> Location {
        match self.get(span.file) {
            Some(f) => {
                let (line, column) = f.line_col(span.start);
                Location {
                    file: f.display.clone(),
                    line,
                    column,
                }
            }
            None => Location {
                file: String::from("<unknown>"),
                line: 1,
                column: 1,
            },
        }
    }

    /// Marks a span whose text is a credential (see [`SourceMap::shown_line`]).
    pub fn mark_secret(&self, span: Span) {
        if span.end > span.start {
            if let Ok(mut secrets) = self.secrets.lock() {
                secrets.push(span);
            }
        }
    }

    /// A line made fit to show, if it was made before ([`SourceMap::remember_shown`]).
    pub fn remembered_shown(&self, id: FileId, line: u32) -> Option<String> {
        self.shown.lock().ok()?.get(&(id, line)).cloned()
    }

    /// Keeps a line made fit to show, for the next result that cites it.
    pub fn remember_shown(&self, id: FileId, line: u32, text: &str) {
        if let Ok(mut shown) = self.shown.lock() {
            shown.insert((id, line), text.to_string());
        }
    }

    /// The text of a 1-based line of a file as every output shows it: each credential marked
    /// in it replaced by [`REDACTED`].
    pub fn shown_line(&self, id: FileId, line: u32) -> String {
        let Some(f) = self.get(id) else {
            return String::new();
        };
        let idx = (line as usize).saturating_sub(1);
        let start = f.line_starts.get(idx).copied().unwrap_or(f.text.len());
        let text = f.line_text(line);
        let end = start + text.len();
        let mut cuts: Vec<(usize, usize)> = match self.secrets.lock() {
            Ok(secrets) => secrets
                .iter()
                .filter(|s| s.file == id && s.start < end && s.end > start)
                .map(|s| (s.start.max(start) - start, s.end.min(end) - start))
                .collect(),
            Err(_) => return REDACTED.to_string(),
        };
        cuts.sort_unstable();
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for (from, to) in cuts {
            if to <= at {
                continue;
            }
            out.push_str(text.get(at..from.max(at)).unwrap_or(""));
            out.push_str(REDACTED);
            at = to;
        }
        out.push_str(text.get(at..).unwrap_or(""));
        out
    }

    /// The source text a span covers.
    pub fn snippet(&self, span: Span) -> &str {
        self.get(span.file)
            .and_then(|f| f.text.get(span.start..span.end))
            .unwrap_or("")
    }
}

/// Lowercase hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Standard base64 with padding.
pub fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                s.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                s.push('=');
            }
        }
    }
    s
}

/// Decodes standard base64, ignoring whitespace (as Kubernetes manifests and PEM wrap it).
/// None for anything else.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut acc = 0u32;
    let mut n = 0u32;
    let mut padding = 0;
    for b in text.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                padding += 1;
                continue;
            }
            b' ' | b'\n' | b'\r' | b'\t' => continue,
            _ => return None,
        };
        if padding > 0 {
            return None;
        }
        acc = (acc << 6) | u32::from(v);
        n += 1;
        if n == 4 {
            out.extend_from_slice(&[(acc >> 16) as u8, (acc >> 8) as u8, acc as u8]);
            acc = 0;
            n = 0;
        }
    }
    match n {
        0 => {}
        2 => out.push((acc >> 4) as u8),
        3 => out.extend_from_slice(&[(acc >> 10) as u8, (acc >> 2) as u8]),
        _ => return None,
    }
    if padding > 2 {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes_what_it_encodes() {
        for input in [
            &b""[..],
            b"f",
            b"fo",
            b"foo",
            b"foobar",
            &[0xff, 0x00, 0x80],
        ] {
            assert_eq!(base64_decode(&base64(input)).as_deref(), Some(input));
        }
        assert_eq!(
            base64_decode("Zm9v\nYmFy\n").as_deref(),
            Some(&b"foobar"[..])
        );
        assert_eq!(base64_decode("Zm9v!"), None);
        assert_eq!(base64_decode("Z"), None);
    }

    #[test]
    fn line_and_column_are_one_based_and_count_characters() {
        let mut map = SourceMap::new();
        let id = map.add(
            "a.conf".into(),
            "/x/a.conf".into(),
            "ab\nцвет x;\n".as_bytes(),
        );
        let f = map.get(id).unwrap();
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(3), (2, 1));
        // "цвет " is 5 characters but 9 bytes.
        let x = f.text.find('x').unwrap();
        assert_eq!(f.line_col(x), (2, 6));
        assert_eq!(f.line_text(2), "цвет x;");
        assert_eq!(map.location(Span::new(id, x, x + 1)).line, 2);
        let back = map.span_at(&map.location(Span::new(id, x, x))).unwrap();
        assert_eq!((back.file, back.start), (id, x));
        let past = Location {
            file: "a.conf".into(),
            line: 9,
            column: 1,
        };
        assert_eq!(map.span_at(&past), None);
    }
}

//! tlsproof: decides MCP-NET-03 from configuration, with file:line evidence.
//!
//! Exit codes: 0 no FAIL; 1 a FAIL, or part of the input could not be judged (parse error,
//! include cycle), or `verify`/`policy test` failed; 2 usage, configuration or I/O error, or
//! no configuration recognised (unless `--allow-empty`).

mod cli;

use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // The allocator maps its memory for transparent huge pages; faulting those in (zeroing and
    // compacting 2 MB at a time) cost more than they save here. Best effort: a kernel without
    // the setting leaves it as it was.
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
    match cli::run() {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("tlsproof: error: {e:#}");
            }
            ExitCode::from(2)
        }
    }
}

//! Content tests that more than one format's detection needs: a format that must not claim
//! another's files asks here, never the other format.

/// Directive openings that only nginx configuration has.
const NGINX_MARKERS: &[&str] = &[
    "server {",
    "server{",
    "http {",
    "http{",
    "events {",
    "stream {",
    "location ",
    "upstream ",
    "listen ",
    "server_name ",
    "proxy_pass ",
    "ssl_certificate",
    "ssl_protocols ",
    "worker_processes ",
    "add_header ",
    "return 30",
    "include ",
];

/// Content sniffing: at least one nginx directive opening a line, ending in `;` or `{`, and no
/// INI section header (`[section]`), which nginx syntax cannot contain at line start.
pub fn looks_like_nginx(text: &str) -> bool {
    let mut hits = 0;
    for line in text.lines() {
        let t = line.trim_start();
        if t.starts_with('#') || t.is_empty() {
            continue;
        }
        if t.starts_with('[') && t.trim_end().ends_with(']') {
            return false;
        }
        let ends_ok = t.trim_end().ends_with(';') || t.trim_end().ends_with('{');
        if ends_ok && NGINX_MARKERS.iter().any(|m| t.starts_with(m)) {
            hits += 1;
            if hits >= 1 {
                return true;
            }
        }
    }
    false
}

/// File names that are MCP client configs whatever their content says: no server config is
/// ever read from one.
const NAMES: &[&str] = &[
    "claude_desktop_config.json",
    ".mcp.json",
    ".claude.json",
    "mcp_config.json",
    "mcp.json",
    "mcp_settings.json",
    "cline_mcp_settings.json",
];

/// Whether a (lowercase) file name is one that client configs use (also `server.json`, the
/// MCP registry's).
pub fn is_client_config_name(lower: &str) -> bool {
    NAMES.contains(&lower) || lower == "server.json"
}

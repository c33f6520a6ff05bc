//! What to probe: a target URL, and curl's `--connect-to` mapping of a name to an address.

use std::net::SocketAddr;

/// A URL to probe: `https://host[:port][/path]` or `http://host[:port][/path]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub url: String,
    pub https: bool,
    pub host: String,
    pub port: u16,
    pub path: String,
}

impl Target {
    pub fn parse(url: &str) -> Result<Target, String> {
        let (https, rest) = if let Some(r) = url.strip_prefix("https://") {
            (true, r)
        } else if let Some(r) = url.strip_prefix("http://") {
            (false, r)
        } else {
            return Err(format!(
                "{url}: a target is https://host[:port][/path] or http://…"
            ));
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], rest[i..].to_string()),
            None => (rest, "/".to_string()),
        };
        if authority.contains('@') {
            return Err(format!(
                "{url}: credentials in a target URL are not accepted"
            ));
        }
        let (host, port) = split_host_port(authority, if https { 443 } else { 80 })
            .ok_or_else(|| format!("{url}: not a host[:port]"))?;
        Ok(Target {
            url: url.to_string(),
            https,
            host,
            port,
            path,
        })
    }
}

fn split_host_port(a: &str, default: u16) -> Option<(String, u16)> {
    if let Some(rest) = a.strip_prefix('[') {
        let (h, after) = rest.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().ok()?,
            None if after.is_empty() => default,
            None => return None,
        };
        return Some((h.to_string(), port));
    }
    match a.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => Some((h.to_string(), p.parse().ok()?)),
        _ if !a.is_empty() => Some((a.to_string(), default)),
        _ => None,
    }
}

/// `--connect-to HOST:PORT:ADDR:PORT`, as curl's: the name stays, the connection goes to ADDR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectTo {
    pub host: String,
    pub port: u16,
    pub to: SocketAddr,
}

impl ConnectTo {
    pub fn parse(s: &str) -> Result<ConnectTo, String> {
        let bad = || format!("--connect-to {s}: expected HOST:PORT:ADDR:PORT");
        let (host, rest) = s.split_once(':').ok_or_else(bad)?;
        let (port, to) = rest.split_once(':').ok_or_else(bad)?;
        let (addr, to_port) = to.rsplit_once(':').ok_or_else(bad)?;
        let ip: std::net::IpAddr = addr
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse()
            .map_err(|_| format!("--connect-to {s}: {addr} is not an IP address"))?;
        Ok(ConnectTo {
            host: host.to_string(),
            port: port.parse().map_err(|_| bad())?,
            to: SocketAddr::new(ip, to_port.parse().map_err(|_| bad())?),
        })
    }
}

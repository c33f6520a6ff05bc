//! The TLS facts of `caddy adapt`: sites grouped into servers the way Caddy's HTTP Caddyfile
//! adapter does (by listener address; addresses serving the same set of site blocks share a
//! server), with only the facts tlsproof claims to match Caddy's JSON exactly: `listen`,
//! `automatic_https.{disable,disable_redirects}`, the non-empty TLS connection policies
//! (`protocol_min`, `protocol_max`, `cipher_suites`, `client_authentication.mode`) and the
//! `insecure_skip_verify` of every reverse-proxy transport with TLS.

use super::normalize::{binds, key_tls, listen_port, split_network, tls_directive};
use super::parse::Token;
use super::site::{walk, Config, Directive, Site};
use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};

/// One TLS connection policy's judged settings, as written (no defaults filled in).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Policy {
    pub protocol_min: Option<String>,
    pub protocol_max: Option<String>,
    pub cipher_suites: Option<Vec<String>>,
    pub client_auth_mode: Option<String>,
}

impl Policy {
    pub fn is_empty(&self) -> bool {
        *self == Policy::default()
    }
}

/// One adapted server.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Server {
    pub listen: BTreeSet<String>,
    pub disable: bool,
    pub disable_redirects: bool,
    pub policies: BTreeSet<Policy>,
    /// `insecure_skip_verify` of each reverse-proxy transport that uses TLS, sorted.
    pub proxy_insecure: Vec<bool>,
}

/// Caddy's `JoinNetworkAddress` after `SplitNetworkAddress`, as `listen` shows it.
fn listener(bind: &str, port: u16) -> String {
    let (network, host) = split_network(bind);
    let prefix = if network.is_empty() || network == "tcp" {
        String::new()
    } else {
        format!("{network}/")
    };
    if network.starts_with("unix") || network.starts_with("fd") {
        return format!("{prefix}{host}");
    }
    let host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host
    };
    format!("{prefix}{host}:{port}")
}

fn policy(site: &Site) -> Policy {
    let mut p = Policy::default();
    let Some(t) = tls_directive(site) else {
        return p;
    };
    if let Some(d) = t.children("protocols").last() {
        p.protocol_min = d.arg(0).map(str::to_string);
        p.protocol_max = d.arg(1).map(str::to_string);
    }
    if let Some(d) = t.children("ciphers").last() {
        p.cipher_suites = Some(d.args.iter().map(|a| a.text.clone()).collect());
    }
    if let Some(ca) = t.children("client_auth").last() {
        p.client_auth_mode = ca
            .children("mode")
            .last()
            .and_then(|m| m.arg(0))
            .map(str::to_string);
    }
    p
}

fn proxy_insecure(site: &Site) -> Vec<bool> {
    let mut out = Vec::new();
    walk(&site.body, &mut |d: &Directive| {
        if !d.is("reverse_proxy") {
            return;
        }
        let https = d
            .args
            .iter()
            .chain(d.children("to").flat_map(|t| t.args.iter()))
            .any(|a| a.text.to_ascii_lowercase().starts_with("https://"));
        let opts: Vec<&Directive> = d
            .children("transport")
            .filter(|t| t.arg(0) == Some("http"))
            .flat_map(|t| t.block.iter())
            .filter(|c| c.name.text.starts_with("tls"))
            .collect();
        if https || !opts.is_empty() {
            out.push(opts.iter().any(|c| c.is("tls_insecure_skip_verify")));
        }
    });
    out
}

/// Site keys that an earlier site block also serves on one listener address: Caddy's
/// "ambiguous site definition" (`httptype.go`: one key text in two server blocks of a server).
/// Sites that share a port but bind different addresses listen apart and are not ambiguous.
pub fn ambiguous_keys(cfg: &Config) -> Vec<&Token> {
    let g = &cfg.global;
    let mut owner: BTreeMap<(String, &str), usize> = BTreeMap::new();
    let mut out: Vec<&Token> = Vec::new();
    for (i, site) in cfg.sites.iter().enumerate() {
        for key in &site.keys {
            let port = listen_port(key, g);
            for (bind, _) in binds(site, g) {
                match owner.entry((listener(&bind, port), key.token.text.as_str())) {
                    Entry::Vacant(v) => {
                        v.insert(i);
                    }
                    Entry::Occupied(o) if *o.get() != i => {
                        if !out.iter().any(|t| std::ptr::eq(*t, &key.token)) {
                            out.push(&key.token);
                        }
                    }
                    Entry::Occupied(_) => {}
                }
            }
        }
    }
    out
}

/// Groups the sites into servers like `caddy adapt`.
pub fn servers(cfg: &Config) -> Vec<Server> {
    let g = &cfg.global;
    // listener address → site index → the site's keys (addresses) on that listener, and
    // whether the site uses TLS there. Caddy merges listeners into one server only when they
    // carry the same server blocks with the same keys (`consolidateAddrMappings` compares the
    // per-address blocks, keys included): `http://a, https://a` makes two servers.
    let mut by_addr: BTreeMap<String, BTreeMap<usize, BTreeSet<usize>>> = BTreeMap::new();
    let mut tls_at: BTreeSet<(String, usize)> = BTreeSet::new();
    for (i, site) in cfg.sites.iter().enumerate() {
        for (k, key) in site.keys.iter().enumerate() {
            let port = listen_port(key, g);
            for (bind, _) in binds(site, g) {
                let addr = listener(&bind, port);
                by_addr
                    .entry(addr.clone())
                    .or_default()
                    .entry(i)
                    .or_default()
                    .insert(k);
                if key_tls(key, site, g) {
                    tls_at.insert((addr, i));
                }
            }
        }
    }
    let mut groups: BTreeMap<BTreeMap<usize, BTreeSet<usize>>, BTreeSet<String>> = BTreeMap::new();
    for (addr, blocks) in by_addr {
        groups.entry(blocks).or_default().insert(addr);
    }
    let auto = g.auto_https();
    groups
        .into_iter()
        .map(|(blocks, listen)| {
            let mut policies = BTreeSet::new();
            let mut insecure = Vec::new();
            for &i in blocks.keys() {
                let site = &cfg.sites[i];
                if listen.iter().any(|a| tls_at.contains(&(a.clone(), i))) {
                    let p = policy(site);
                    if !p.is_empty() {
                        policies.insert(p);
                    }
                }
                insecure.extend(proxy_insecure(site));
            }
            insecure.sort();
            Server {
                listen,
                disable: auto == Some("off"),
                disable_redirects: auto == Some("disable_redirects"),
                policies,
                proxy_insecure: insecure,
            }
        })
        .collect()
}

//! Stage 4 — linking, after every format: each app listener learns which proxy hops of the
//! same scan reach it, whatever formats the app and the proxy came from.

use crate::model::{Component, Endpoint, HopTarget, Scope};

/// Notes, on each app listen, the proxy hops in the same scan that reach its port.
pub fn link(endpoints: &mut [Endpoint]) {
    let (apps, proxies): (Vec<usize>, Vec<usize>) =
        (0..endpoints.len()).partition(|&i| endpoints[i].component == Component::App);
    for a in apps {
        let mut notes = Vec::new();
        for (k, l) in endpoints[a].listens.iter().enumerate() {
            let Some(port) = l.port else { continue };
            let mut via = Vec::new();
            for &p in &proxies {
                let p = &endpoints[p];
                for h in &p.hops {
                    if h.targets
                        .iter()
                        .any(|t| reaches(t, &l.address, l.scope, port))
                    {
                        via.push(format!(
                            "{} ({} {} at {}:{})",
                            p.id, h.directive, h.upstream, h.span.file, h.span.line
                        ));
                    }
                }
            }
            if !via.is_empty() {
                notes.push((k, format!("behind {}", via.join(", "))));
            }
        }
        let ep = &mut endpoints[a];
        for (k, text) in notes {
            let Some(l) = ep.listens.get_mut(k) else {
                continue;
            };
            l.note = Some(match l.note.take() {
                Some(n) => format!("{n}; {text}"),
                None => text,
            });
        }
        // The plaintext listeners are copies of the listeners (made when the endpoint was
        // finished): they carry the same notes.
        if !ep.plaintext.listens.is_empty() {
            ep.plaintext.listens = ep.listens.iter().filter(|l| !l.tls).cloned().collect();
        }
    }
}

/// Whether a proxy's upstream target is this app's listener: the same port, and either the
/// same host as written, or a loopback target while the app listens on loopback or on every
/// interface (the proxy runs on the same machine). A target on another host with the same port
/// is a different server.
pub fn reaches(t: &HopTarget, app_address: &str, app_scope: Scope, port: u16) -> bool {
    let Some((host, p)) = t.address.rsplit_once(':') else {
        return false;
    };
    if p.parse::<u16>().ok() != Some(port) {
        return false;
    }
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let app = app_address.trim_start_matches('[').trim_end_matches(']');
    if host.eq_ignore_ascii_case(app) {
        return true;
    }
    let all_interfaces = matches!(app, "0.0.0.0" | "::" | "*" | "");
    t.scope == Scope::Loopback && (app_scope == Scope::Loopback || all_interfaces)
}

//! The traffic chains of `report.html`: for each way into the deployment, the client, the
//! endpoint it reaches and every hop behind it, laid out as boxes and arrows for an inline SVG.
//!
//! Derived from the model alone: an endpoint's `hops` and their targets, the app listeners
//! those targets reach (`link::reaches`, the rule of the link stage), and the configured
//! clients whose URL names an endpoint. A box takes the worst status of its endpoint's
//! results, a hop's arrow the worst of the results that cite the hop's line, and an arrow from
//! a client the worst of the endpoint's other results (those of a configured client: its own).

use crate::model::{Client, Component, Endpoint, Hop, HopTarget, Listen, Model, Scope, Transport};
use crate::results::{Report, RequirementResult, Status};
use serde::Serialize;
use std::collections::BTreeSet;

const BOX_W: i32 = 240;
const BOX_H: i32 = 62;
const GAP: i32 = 200;
const ROW: i32 = 90;
const PAD: i32 = 14;
/// Vertical distance between parallel arrows (one per listener group of an endpoint).
const PARALLEL: i32 = 28;
/// Characters that fit on a line of a box, and on an arrow's label.
const BOX_CHARS: usize = 34;
const LABEL_CHARS: usize = 31;
/// Hops followed from an entry endpoint, so that a cycle of proxies ends.
const MAX_DEPTH: usize = 6;

/// One picture: roots in the first column, then the endpoint they reach and its hops.
#[derive(Serialize)]
pub(crate) struct Figure {
    pub title: String,
    pub width: i32,
    pub height: i32,
    pub boxes: Vec<BoxView>,
    pub arrows: Vec<Arrow>,
    /// The chain in words: one path from a client to the last box, per leaf.
    pub paths: Vec<Vec<Step>>,
}

/// A box: an endpoint, a client or an upstream outside the scan.
#[derive(Serialize)]
pub(crate) struct BoxView {
    pub x: i32,
    pub y: i32,
    pub w: i32,
    pub h: i32,
    /// The CSS class: a status (`FAIL` … `PASS`), `ACTOR` (an unnamed client), `EXTERNAL`
    /// (an upstream outside the scan) or `NONE` (no result judges it).
    pub class: &'static str,
    /// Up to three lines, each short enough for the box.
    pub lines: Vec<String>,
    /// The full text (ids and paths uncut), shown as the tooltip.
    pub tooltip: String,
}

/// An arrow: a hop, or a client's connection to an endpoint.
#[derive(Serialize)]
pub(crate) struct Arrow {
    pub x1: i32,
    pub y1: i32,
    pub x2: i32,
    pub y2: i32,
    /// The arrowhead's triangle (SVG `points`).
    pub head: String,
    pub class: &'static str,
    /// Plaintext on the wire (drawn dashed).
    pub plaintext: bool,
    /// The TLS state, written above the arrow; `detail` (the directive) below it.
    pub label: String,
    pub detail: String,
    pub lx: i32,
    pub ly: i32,
    pub tooltip: String,
}

/// One box or arrow of a path in words.
#[derive(Serialize, Clone)]
pub(crate) struct Step {
    pub arrow: bool,
    pub text: String,
    /// The status word, for boxes and arrows a result judges.
    pub status: Option<&'static str>,
}

/// A box before layout.
struct Node {
    class: &'static str,
    lines: Vec<String>,
    tooltip: String,
    /// The box in words, for the path.
    words: String,
    status: Option<&'static str>,
    children: Vec<(Vec<Link>, Node)>,
}

/// An arrow before layout.
#[derive(Clone)]
struct Link {
    class: &'static str,
    plaintext: bool,
    label: String,
    detail: String,
    tooltip: String,
}

/// Display order of statuses, worst first: a FAIL outweighs everything, NOT_APPLICABLE
/// only shows when nothing else judged the box.
fn rank(s: Status) -> u8 {
    match s {
        Status::Fail => 0,
        Status::Manual => 1,
        Status::Excepted => 2,
        Status::Pass => 3,
        Status::NotApplicable => 4,
    }
}

fn worst<'a>(results: impl Iterator<Item = &'a RequirementResult>) -> Option<Status> {
    results.map(|r| r.status).min_by_key(|s| rank(*s))
}

fn class(s: Option<Status>) -> &'static str {
    s.map_or("NONE", Status::as_str)
}

/// Whether a result cites `file:line` as a location or as evidence.
fn cites(r: &RequirementResult, file: &str, line: u32) -> bool {
    r.locations
        .iter()
        .chain(r.evidence.iter().filter_map(|e| e.location.as_ref()))
        .any(|l| l.file == file && l.line == line)
}

/// `s` cut to `max` characters, the middle elided (paths keep their file name).
fn fit(s: &str, max: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= max {
        return s.to_string();
    }
    let head = (max - 1) / 2;
    let tail = max - 1 - head;
    let mut out: String = chars[..head].iter().collect();
    out.push('…');
    out.extend(&chars[chars.len() - tail..]);
    out
}

/// `s` cut to `max` characters at its end.
fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

struct Ctx<'a> {
    model: &'a Model,
    report: &'a Report,
}

impl<'a> Ctx<'a> {
    fn results(&self, id: &'a str) -> impl Iterator<Item = &'a RequirementResult> + 'a {
        self.report.results.iter().filter(move |r| r.endpoint == id)
    }

    /// The app endpoints (other than `owner`) with a listener that `t` reaches.
    fn apps_reached(&self, t: &HopTarget, owner: &str) -> Vec<&'a Endpoint> {
        self.model
            .endpoints
            .iter()
            .filter(|e| e.component == Component::App && e.id != owner)
            .filter(|e| {
                e.listens.iter().any(|l| {
                    l.port
                        .is_some_and(|p| crate::link::reaches(t, &l.address, l.scope, p))
                })
            })
            .collect()
    }

    /// The box of an endpoint and, below it, every hop and what each reaches.
    fn endpoint(&self, ep: &'a Endpoint, seen: &mut Vec<&'a str>) -> Node {
        let status = worst(self.results(&ep.id));
        let n = self.results(&ep.id).count();
        // An app's name ends its id (`app:server.py:16:tickets`).
        let last = ep
            .id
            .rsplit(':')
            .next()
            .filter(|s| s.parse::<u32>().is_err() && !s.contains('/'));
        let name = ep
            .server_names
            .first()
            .cloned()
            .or_else(|| ep.context.clone())
            .or_else(|| last.map(str::to_string))
            .unwrap_or_default();
        let title = if name.is_empty() {
            ep.component.as_str().to_string()
        } else {
            format!("{} · {name}", ep.component.as_str())
        };
        let verdict = match status {
            Some(s) => format!(
                "{} · {n} result{}",
                s.as_str(),
                if n == 1 { "" } else { "s" }
            ),
            None => "no result".to_string(),
        };
        let at = format!("{}:{}", ep.span.file, ep.span.line);
        let mut node = Node {
            class: class(status),
            lines: vec![fit(&title, BOX_CHARS), fit(&at, BOX_CHARS), verdict],
            tooltip: format!("{} — {}", ep.id, status.map_or("no result", Status::as_str)),
            words: format!("{title} ({at})"),
            status: status.map(Status::as_str),
            children: Vec::new(),
        };
        if seen.contains(&ep.id.as_str()) || seen.len() >= MAX_DEPTH {
            return node;
        }
        seen.push(&ep.id);
        for h in &ep.hops {
            let link = self.hop_link(ep, h);
            let fallback;
            let targets: &[HopTarget] = if h.targets.is_empty() {
                fallback = [HopTarget {
                    address: h.upstream.clone(),
                    scope: h.scope,
                    span: h.span.clone(),
                }];
                &fallback
            } else {
                &h.targets
            };
            for t in targets {
                let apps = self.apps_reached(t, &ep.id);
                if apps.is_empty() {
                    node.children
                        .push((vec![link.clone()], upstream(&t.address, h.determinate)));
                }
                for app in apps {
                    node.children
                        .push((vec![link.clone()], self.endpoint(app, seen)));
                }
            }
        }
        seen.pop();
        node
    }

    fn hop_link(&self, ep: &'a Endpoint, h: &Hop) -> Link {
        let status = worst(
            self.results(&ep.id)
                .filter(|r| cites(r, &h.span.file, h.span.line)),
        );
        let label = if h.tls {
            if h.verify.value {
                h.scheme.clone()
            } else {
                format!("{} (no verification)", h.scheme)
            }
        } else {
            format!("{} (plaintext)", h.scheme)
        };
        Link {
            class: class(status),
            plaintext: !h.tls,
            label,
            detail: h.directive.clone(),
            tooltip: format!(
                "{} {} at {}:{} — {}",
                h.directive,
                h.upstream,
                h.span.file,
                h.span.line,
                status.map_or("no result cites this hop", Status::as_str)
            ),
        }
    }

    /// The arrows from an unnamed client to `ep`: one per group of listeners (TLS or not, and
    /// port), coloured by the endpoint's results that cite none of its hops.
    fn entry_links(&self, ep: &'a Endpoint) -> Vec<Link> {
        let status = worst(
            self.results(&ep.id)
                .filter(|r| !ep.hops.iter().any(|h| cites(r, &h.span.file, h.span.line))),
        );
        let link = |label: String, plaintext: bool, tooltip: String| Link {
            class: class(status),
            plaintext,
            label,
            detail: String::new(),
            tooltip: format!("{tooltip} — {}", status.map_or("no result", Status::as_str)),
        };
        if ep.transport == Transport::Stdio || ep.listens.is_empty() {
            let word = if ep.transport == Transport::Stdio {
                "stdio (no network)"
            } else {
                "no listener"
            };
            return vec![link(word.into(), false, ep.id.clone())];
        }
        let mut groups: Vec<(bool, Option<u16>, bool, Vec<&Listen>)> = Vec::new();
        for l in &ep.listens {
            let unix = l.scope == Scope::Unix;
            match groups
                .iter_mut()
                .find(|g| g.0 == l.tls && g.1 == l.port && g.2 == unix)
            {
                Some(g) => g.3.push(l),
                None => groups.push((l.tls, l.port, unix, vec![l])),
            }
        }
        groups
            .into_iter()
            .map(|(tls, port, unix, listens)| {
                let port = port.map(|p| format!(" :{p}")).unwrap_or_default();
                let label = if unix {
                    "unix socket".to_string()
                } else if tls && ep.transport == Transport::TlsPassthrough {
                    format!("tls passthrough{port}")
                } else if tls {
                    format!("https{port}")
                } else if ep.plaintext.blocked.value {
                    format!("http{port} (refused)")
                } else if ep.plaintext.redirects_to_https.value {
                    format!("http{port}, redirects to https")
                } else {
                    format!("http{port} (plaintext)")
                };
                let at: Vec<String> = listens
                    .iter()
                    .map(|l| {
                        let port = l.port.map(|p| format!(":{p}")).unwrap_or_default();
                        format!("{}{port} at {}:{}", l.address, l.span.file, l.span.line)
                    })
                    .collect();
                link(
                    label,
                    !tls && !unix,
                    format!("listens on {}", at.join(", ")),
                )
            })
            .collect()
    }

    /// The box of a configured client and the arrow of its connection.
    fn client(&self, c: &'a Client) -> (Node, Link) {
        let status = worst(self.results(&c.id));
        let n = self.results(&c.id).count();
        let title = format!("client · {}", c.name);
        let at = format!("{}:{}", c.span.file, c.span.line);
        let verdict = match status {
            Some(s) => format!(
                "{} · {n} result{}",
                s.as_str(),
                if n == 1 { "" } else { "s" }
            ),
            None => "no result".to_string(),
        };
        let node = Node {
            class: class(status),
            lines: vec![fit(&title, BOX_CHARS), fit(&at, BOX_CHARS), verdict],
            tooltip: format!("{} — {}", c.id, status.map_or("no result", Status::as_str)),
            words: format!("{title} ({at})"),
            status: status.map(Status::as_str),
            children: Vec::new(),
        };
        let tls = matches!(c.scheme.as_str(), "https" | "wss");
        let mut label = if tls {
            c.scheme.clone()
        } else {
            format!("{} (plaintext)", c.scheme)
        };
        if tls && !c.verify.value {
            label.push_str(" (no verification)");
        }
        let link = Link {
            class: class(status),
            plaintext: !tls,
            label,
            detail: String::new(),
            tooltip: format!("{} at {}", c.url.value, at),
        };
        (node, link)
    }

    /// The endpoints a client's URL names: a proxy serving its host on its port, or an app
    /// listener the address reaches.
    fn client_targets(&self, c: &Client) -> Vec<&'a Endpoint> {
        if !c.determinate {
            return Vec::new();
        }
        let Some(port) = url_port(&c.url.value, &c.scheme) else {
            return Vec::new();
        };
        let host = if c.host.contains(':') {
            format!("[{}]", c.host)
        } else {
            c.host.clone()
        };
        let target = HopTarget {
            address: format!("{host}:{port}"),
            scope: c.scope,
            span: c.span.clone(),
        };
        self.model
            .endpoints
            .iter()
            .filter(|e| {
                if e.component == Component::App {
                    e.listens.iter().any(|l| {
                        l.port
                            .is_some_and(|p| crate::link::reaches(&target, &l.address, l.scope, p))
                    })
                } else {
                    e.server_names
                        .iter()
                        .any(|n| n.eq_ignore_ascii_case(&c.host))
                        && e.listens.iter().any(|l| l.port == Some(port))
                }
            })
            .collect()
    }
}

/// The port of a URL, or the scheme's default.
fn url_port(url: &str, scheme: &str) -> Option<u16> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    match authority.rsplit_once(':') {
        Some((host, port))
            if !port.contains(']') && (!host.contains(':') || host.ends_with(']')) =>
        {
            port.parse().ok()
        }
        _ => match scheme {
            "https" | "wss" => Some(443),
            "http" | "ws" => Some(80),
            _ => None,
        },
    }
}

fn upstream(address: &str, determinate: bool) -> Node {
    let second = if determinate {
        "not in the scan"
    } else {
        "decided at run time"
    };
    Node {
        class: "EXTERNAL",
        lines: vec!["upstream".into(), fit(address, BOX_CHARS), second.into()],
        tooltip: format!("{address} — {second}"),
        words: format!("upstream {address} ({second})"),
        status: None,
        children: Vec::new(),
    }
}

/// The unnamed client of an endpoint: who can reach it, from its scope.
fn actor(ep: &Endpoint) -> Node {
    let (who, whence) = match ep.scope {
        Scope::Stdio => ("MCP host", "standard input/output"),
        Scope::Loopback | Scope::Unix => ("local client", "on the same host"),
        Scope::Private => ("network client", "private network"),
        Scope::Public => ("network client", "any network"),
        Scope::Unknown => ("network client", "network (address unknown)"),
    };
    Node {
        class: "ACTOR",
        lines: vec![who.into(), whence.into()],
        tooltip: format!("{who}, {whence}"),
        words: format!("{who} ({whence})"),
        status: None,
        children: Vec::new(),
    }
}

/// Every chain of the model, one figure per entry: each endpoint that no hop of the scan
/// reaches (or that listens beyond loopback although one does), then each configured client
/// whose target is not such an entry.
pub(crate) fn figures(model: &Model, report: &Report) -> Vec<Figure> {
    let cx = Ctx { model, report };
    let mut reached: BTreeSet<&str> = BTreeSet::new();
    for e in &model.endpoints {
        for t in e.hops.iter().flat_map(|h| &h.targets) {
            reached.extend(cx.apps_reached(t, &e.id).iter().map(|a| a.id.as_str()));
        }
    }
    let entries: Vec<&Endpoint> = model
        .endpoints
        .iter()
        .filter(|e| !reached.contains(e.id.as_str()) || !e.scope.is_local())
        .collect();
    let clients: Vec<(&Client, Vec<&Endpoint>)> = model
        .clients
        .iter()
        .map(|c| (c, cx.client_targets(c)))
        .collect();

    let mut out = Vec::new();
    for ep in &entries {
        let mut roots = vec![(actor(ep), cx.entry_links(ep))];
        for (c, targets) in &clients {
            if targets.iter().any(|t| t.id == ep.id) {
                let (node, link) = cx.client(c);
                roots.push((node, vec![link]));
            }
        }
        let tree = cx.endpoint(ep, &mut Vec::new());
        out.push(layout(ep.id.clone(), roots, tree));
    }
    for (c, targets) in &clients {
        if targets.iter().any(|t| entries.iter().any(|e| e.id == t.id)) {
            continue;
        }
        let (node, link) = cx.client(c);
        let tree = match targets.first() {
            Some(t) => cx.endpoint(t, &mut Vec::new()),
            None => {
                let address = match url_port(&c.url.value, &c.scheme) {
                    Some(p) if c.determinate => format!("{}:{p}", c.host),
                    _ => c.url.value.clone(),
                };
                upstream(&address, c.determinate)
            }
        };
        out.push(layout(c.id.clone(), vec![(node, vec![link])], tree));
    }
    // One width for all, so that every picture is drawn at the same scale.
    let width = out.iter().map(|f| f.width).max().unwrap_or_default();
    for f in &mut out {
        f.width = width;
    }
    out
}

fn leaves(n: &Node) -> i32 {
    if n.children.is_empty() {
        1
    } else {
        n.children.iter().map(|(_, c)| leaves(c)).sum()
    }
}

fn depth(n: &Node) -> i32 {
    1 + n.children.iter().map(|(_, c)| depth(c)).max().unwrap_or(0)
}

/// Top-left corner of the box in column `col` on row `twice_row / 2` (half rows centre a box
/// between its children).
fn corner(col: i32, twice_row: i32) -> (i32, i32) {
    (PAD + col * (BOX_W + GAP), PAD + twice_row * ROW / 2)
}

fn place_box(out: &mut Vec<BoxView>, n: &Node, (x, y): (i32, i32)) {
    out.push(BoxView {
        x,
        y,
        w: BOX_W,
        h: BOX_H,
        class: n.class,
        lines: n.lines.clone(),
        tooltip: n.tooltip.clone(),
    });
}

/// The vertical offsets of `k` arrows leaving or entering one side of a box.
fn slots(k: usize) -> Vec<i32> {
    let k = k as i32;
    let step = if k > 1 {
        PARALLEL.min((BOX_H - 12) / (k - 1))
    } else {
        0
    };
    (0..k).map(|i| (2 * i - (k - 1)) * step / 2).collect()
}

/// Arrows from the right edge of the box at `from` to the left edge of the box at `to`;
/// `ends` are their offsets on the target's edge (distinct, so that arrows from several
/// boxes into one do not cross).
fn place_arrows(
    out: &mut Vec<Arrow>,
    links: &[Link],
    from: (i32, i32),
    to: (i32, i32),
    ends: &[i32],
) {
    for ((l, start), end) in links.iter().zip(slots(links.len())).zip(ends) {
        let (x1, y1) = (from.0 + BOX_W, from.1 + BOX_H / 2 + start);
        let (tx, ty) = (to.0, to.1 + BOX_H / 2 + end);
        let (dx, dy) = (f64::from(tx - x1), f64::from(ty - y1));
        let len = (dx * dx + dy * dy).sqrt().max(1.0);
        let (ux, uy) = (dx / len, dy / len);
        let (bx, by) = (f64::from(tx) - 10.0 * ux, f64::from(ty) - 10.0 * uy);
        let (px, py) = (-uy * 5.0, ux * 5.0);
        let head = format!(
            "{tx},{ty} {:.1},{:.1} {:.1},{:.1}",
            bx + px,
            by + py,
            bx - px,
            by - py
        );
        out.push(Arrow {
            x1,
            y1,
            x2: bx.round() as i32,
            y2: by.round() as i32,
            head,
            class: l.class,
            plaintext: l.plaintext,
            label: cut(&l.label, LABEL_CHARS),
            detail: cut(&l.detail, LABEL_CHARS),
            lx: (x1 + tx) / 2,
            ly: (y1 + ty) / 2,
            tooltip: l.tooltip.clone(),
        });
    }
}

fn node_step(n: &Node) -> Step {
    Step {
        arrow: false,
        text: n.words.clone(),
        status: n.status,
    }
}

fn link_step(links: &[Link]) -> Step {
    let labels: Vec<&str> = links.iter().map(|l| l.label.as_str()).collect();
    let mut text = labels.join(" / ");
    if let Some(d) = links.first().map(|l| &l.detail).filter(|d| !d.is_empty()) {
        text = format!("{d}: {text}");
    }
    let status = links
        .iter()
        .filter_map(|l| match l.class {
            "NONE" => None,
            c => Some(c),
        })
        .next();
    Step {
        arrow: true,
        text,
        status,
    }
}

/// Lays out a tree from column `col`, one leaf per row from `twice_first / 2`; returns where
/// its box is and the paths in words to its leaves.
fn place_tree(
    n: &Node,
    col: i32,
    twice_first: i32,
    boxes: &mut Vec<BoxView>,
    arrows: &mut Vec<Arrow>,
) -> ((i32, i32), Vec<Vec<Step>>) {
    let span = leaves(n);
    let at = corner(col, twice_first + span - 1);
    place_box(boxes, n, at);
    let mut paths = Vec::new();
    let mut row = twice_first;
    for (links, child) in &n.children {
        let (child_at, child_paths) = place_tree(child, col + 1, row, boxes, arrows);
        place_arrows(arrows, links, at, child_at, &slots(links.len()));
        for p in child_paths {
            let mut path = vec![node_step(n), link_step(links)];
            path.extend(p);
            paths.push(path);
        }
        row += 2 * leaves(child);
    }
    if paths.is_empty() {
        paths.push(vec![node_step(n)]);
    }
    (at, paths)
}

fn layout(title: String, roots: Vec<(Node, Vec<Link>)>, tree: Node) -> Figure {
    let mut boxes = Vec::new();
    let mut arrows = Vec::new();
    let (tree_at, tree_paths) = place_tree(&tree, 1, 0, &mut boxes, &mut arrows);
    // The first root (the unnamed client) level with the endpoint, configured clients below.
    let first = leaves(&tree) - 1;
    let mut paths = Vec::new();
    let mut ends = slots(roots.iter().map(|(_, links)| links.len()).sum()).into_iter();
    for (i, (root, links)) in roots.iter().enumerate() {
        let at = corner(0, first + 2 * i as i32);
        place_box(&mut boxes, root, at);
        let ends: Vec<i32> = ends.by_ref().take(links.len()).collect();
        place_arrows(&mut arrows, links, at, tree_at, &ends);
        for p in &tree_paths {
            let mut path = vec![node_step(root), link_step(links)];
            path.extend(p.iter().cloned());
            paths.push(path);
        }
    }
    let cols = 1 + depth(&tree);
    let bottom = boxes.iter().map(|b| b.y + b.h).max().unwrap_or(BOX_H);
    Figure {
        title,
        width: 2 * PAD + cols * BOX_W + (cols - 1) * GAP,
        height: bottom + PAD,
        boxes,
        arrows,
        paths,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_keeps_both_ends() {
        assert_eq!(fit("short", 10), "short");
        let cut = fit("nginx/conf.d/legacy-tools.conf:13", 16);
        assert_eq!(cut.chars().count(), 16);
        assert!(
            cut.starts_with("nginx/c") && cut.ends_with(".conf:13"),
            "{cut}"
        );
    }

    #[test]
    fn url_port_reads_the_authority_or_the_default() {
        assert_eq!(url_port("https://mcp.example.com/mcp", "https"), Some(443));
        assert_eq!(url_port("http://localhost:8000/mcp", "http"), Some(8000));
        assert_eq!(url_port("https://[::1]:9443/", "https"), Some(9443));
        assert_eq!(url_port("https://[::1]/", "https"), Some(443));
        assert_eq!(url_port("http://u:p@h:81/", "http"), Some(81));
    }
}

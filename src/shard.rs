//! Shards — `scan|evidence --shard K/N` judges one part of a scan, so that N runs (the jobs of
//! a CI matrix) together judge it exactly once and `tlsproof merge` unites their bundles.
//!
//! The part is a set of work units. A unit is the files that an endpoint's facts tie together:
//! every file an endpoint cites (its block, the include chain that reached it, its hops and
//! their settings) joins one unit, so an nginx include tree or a Kubernetes Ingress → Service →
//! Deployment chain is never split; the endpoints a claim covers join the claim's unit. Each
//! unit belongs to the shard its smallest file name hashes to: the same on every machine and
//! whatever the other shards hold. Discovery and parsing repeat in every shard; only judging is
//! shared out.

use crate::model::claims::ClaimRecord;
use crate::model::Model;
use crate::results::FindingRecord;
use crate::source::Location;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// The most shards a scan is cut into.
pub const MAX_COUNT: u32 = 10_000;

/// Shard `index` of `count` (1 ≤ index ≤ count).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl std::str::FromStr for Shard {
    type Err = String;

    /// `K/N`, as `--shard` takes it.
    fn from_str(s: &str) -> Result<Self, String> {
        let usage = || format!("{s}: a shard is K/N with 1 ≤ K ≤ N ≤ {MAX_COUNT}, e.g. 2/7");
        let (k, n) = s.split_once('/').ok_or_else(usage)?;
        let index: u32 = k.trim().parse().map_err(|_| usage())?;
        let count: u32 = n.trim().parse().map_err(|_| usage())?;
        if index == 0 || index > count || count > MAX_COUNT {
            return Err(usage());
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    /// Whether the unit named `key` is this shard's.
    pub fn owns(&self, key: &str) -> bool {
        owner(key, self.count) == self.index
    }
}

/// The shard (1-based) of `count` that the unit named `key` belongs to: the first eight bytes
/// of its SHA-256, modulo `count`.
pub fn owner(key: &str, count: u32) -> u32 {
    let digest = Sha256::digest(key.as_bytes());
    let mut head = [0u8; 8];
    head.copy_from_slice(&digest[..8]);
    let n = u64::from(count.max(1));
    // The remainder is below `count`, a u32.
    u32::try_from(u64::from_be_bytes(head) % n).unwrap_or(0) + 1
}

/// The work units of a model: which unit every file, endpoint and claim belongs to.
#[derive(Default)]
pub struct Units {
    ids: HashMap<String, usize>,
    parent: Vec<usize>,
    names: Vec<String>,
    /// The file of each endpoint, client and flagged endpoint id.
    endpoint_files: HashMap<String, String>,
}

impl Units {
    /// The units of `model` and of the claims checked against it.
    pub fn of(model: &Model, claims: &[ClaimRecord]) -> Self {
        let mut u = Units::default();
        for ep in &model.endpoints {
            u.endpoint_files.insert(ep.id.clone(), ep.span.file.clone());
            u.join_cited(&serde_json::to_value(ep).unwrap_or_default(), &ep.span.file);
        }
        for c in &model.clients {
            u.endpoint_files.insert(c.id.clone(), c.span.file.clone());
            u.join_cited(&serde_json::to_value(c).unwrap_or_default(), &c.span.file);
        }
        for f in &model.red_flags {
            u.join_cited(&serde_json::to_value(f).unwrap_or_default(), &f.span.file);
            if let Some(file) = f.endpoint.as_ref().and_then(|e| u.endpoint_files.get(e)) {
                let file = file.clone();
                u.join(&f.span.file, &file);
            }
        }
        for claim in claims {
            let key = claim_key(&claim.location);
            u.node(&key);
            for s in &claim.subjects {
                if let Some(file) = u.endpoint_files.get(&s.endpoint).cloned() {
                    u.join(&key, &file);
                }
            }
        }
        u
    }

    /// Whether `shard` judges the unit holding `file`.
    pub fn file_in(&self, shard: Shard, file: &str) -> bool {
        shard.owns(&self.unit(file))
    }

    /// Whether `shard` holds the claim recorded at `location`.
    pub fn claim_in(&self, shard: Shard, location: &Location) -> bool {
        shard.owns(&self.unit(&claim_key(location)))
    }

    /// Whether `shard` reports `finding`: by the claim at its first location, else by that
    /// location's file; a finding without a location by its message.
    pub fn finding_in(&self, shard: Shard, finding: &FindingRecord) -> bool {
        match finding.locations.first() {
            Some(at) if self.ids.contains_key(&claim_key(at)) => self.claim_in(shard, at),
            Some(at) => self.file_in(shard, &at.file),
            None => shard.owns(&format!("finding:{}", finding.message)),
        }
    }

    /// The name of the unit holding `key`: its smallest member (a key in no unit is its own).
    fn unit(&self, key: &str) -> String {
        match self.ids.get(key) {
            Some(&id) => self.names[self.root(id)].clone(),
            None => key.to_string(),
        }
    }

    /// Joins `file` with every file cited by a span anywhere in `value`.
    fn join_cited(&mut self, value: &serde_json::Value, file: &str) {
        let mut cited = Vec::new();
        cited_files(value, &mut cited);
        self.node(file);
        for other in cited {
            self.join(file, other);
        }
    }

    fn node(&mut self, key: &str) -> usize {
        if let Some(&id) = self.ids.get(key) {
            return id;
        }
        let id = self.parent.len();
        self.ids.insert(key.to_string(), id);
        self.parent.push(id);
        self.names.push(key.to_string());
        id
    }

    fn root(&self, mut id: usize) -> usize {
        while self.parent[id] != id {
            id = self.parent[id];
        }
        id
    }

    /// Unites the units of `a` and `b`; the united unit is named by the smaller name.
    fn join(&mut self, a: &str, b: &str) {
        let (a, b) = (self.node(a), self.node(b));
        let (ra, rb) = (self.compress(a), self.compress(b));
        if ra == rb {
            return;
        }
        let (keep, child) = if self.names[ra] <= self.names[rb] {
            (ra, rb)
        } else {
            (rb, ra)
        };
        self.parent[child] = keep;
    }

    /// The root of `id`, pointing every node on the way at it.
    fn compress(&mut self, id: usize) -> usize {
        let root = self.root(id);
        let mut at = id;
        while self.parent[at] != root {
            let next = self.parent[at];
            self.parent[at] = root;
            at = next;
        }
        root
    }
}

/// A claim's node: its place in the claims file.
fn claim_key(at: &Location) -> String {
    format!("claim:{}:{}", at.file, at.line)
}

/// Every `file` of a span (an object with `file` and `line`) in `value`.
fn cited_files<'a>(value: &'a serde_json::Value, out: &mut Vec<&'a str>) {
    match value {
        serde_json::Value::Object(map) => {
            if let (Some(serde_json::Value::String(file)), Some(line)) =
                (map.get("file"), map.get("line"))
            {
                if line.is_u64() {
                    out.push(file);
                }
            }
            for v in map.values() {
                cited_files(v, out);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| cited_files(v, out)),
        _ => {}
    }
}

/// Keeps in `model` and `claims` only what `shard` judges.
pub fn keep(shard: Shard, units: &Units, model: &mut Model, claims: &mut Vec<ClaimRecord>) {
    model
        .endpoints
        .retain(|e| units.file_in(shard, &e.span.file));
    model.clients.retain(|c| units.file_in(shard, &c.span.file));
    model
        .red_flags
        .retain(|f| units.file_in(shard, &f.span.file));
    claims.retain(|c| units.claim_in(shard, &c.location));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shard_is_k_of_n() {
        assert_eq!("2/7".parse::<Shard>(), Ok(Shard { index: 2, count: 7 }));
        for bad in ["0/3", "4/3", "3", "a/b", "1/0", "1/10001"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn every_key_has_exactly_one_owner_whatever_the_count() {
        for count in [1, 2, 7] {
            for key in ["nginx/nginx.conf", "k8s/m1.yaml", ""] {
                let owners: Vec<u32> = (1..=count)
                    .filter(|k| Shard { index: *k, count }.owns(key))
                    .collect();
                assert_eq!(owners.len(), 1, "{key} of {count}: {owners:?}");
            }
        }
    }

    #[test]
    fn files_an_endpoint_cites_are_one_unit_named_by_the_smallest() {
        let mut u = Units::default();
        let ep = serde_json::json!({
            "span": {"file": "sites/b.conf", "line": 2, "via": [{"file": "nginx.conf", "line": 9}]},
            "hops": [{"span": {"file": "sites/a.conf", "line": 1}}]
        });
        u.join_cited(&ep, "sites/b.conf");
        u.node("other.conf");
        assert_eq!(u.unit("sites/a.conf"), "nginx.conf");
        assert_eq!(u.unit("sites/b.conf"), "nginx.conf");
        assert_eq!(u.unit("other.conf"), "other.conf");
        assert_eq!(u.unit("never-seen.conf"), "never-seen.conf");
    }
}

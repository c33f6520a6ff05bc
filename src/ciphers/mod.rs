//! OpenSSL cipher strings, expanded to the suites they select, with OpenSSL 3.0 semantics.
//!
//! A cipher string is a list of elements separated by `:`, `,`, `;` or spaces. Each element is
//! one or more terms joined by `+` (their intersection): a cipher name or an alias (`HIGH`,
//! `aNULL`, `ECDHE`, `AESGCM`, …). A prefix picks the operation, as in `ssl_cipher_apply_rule`:
//!
//! - none — add the matching suites not yet selected, at the end, in list order;
//! - `+` — move the matching selected suites to the end;
//! - `-` — deselect the matching suites (a later element may add them back);
//! - `!` — remove the matching suites for good.
//!
//! `@STRENGTH` orders the selection by symmetric key bits (stable), `@SECLEVEL=n` records the
//! security level, and a leading `DEFAULT` stands for `ALL:!COMPLEMENTOFDEFAULT:!eNULL`.
//! Terms OpenSSL does not know make their element match nothing, as in OpenSSL, and are
//! reported in [`Expansion::unknown`]. TLS 1.3 suites are configured apart ([`expand_tls13`]).
//!
//! The table holds what OpenSSL 3.0 builds by default; suites it no longer builds (RC4, DES,
//! 3DES, EXPORT, IDEA, SEED) cannot be selected, so their aliases select nothing.

mod table;

use table::TABLE;

/// One cipher suite and the properties the cipher rule judges. Field words follow
/// `openssl ciphers -v`, with key exchange written as `ECDHE`/`DHE` (OpenSSL prints `ECDH`/`DH`
/// for the same ephemeral exchanges).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suite {
    /// OpenSSL name, e.g. `ECDHE-RSA-AES128-GCM-SHA256`.
    pub name: &'static str,
    /// IANA name, e.g. `TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`.
    pub iana: &'static str,
    pub id: u16,
    /// The oldest protocol version the suite works with: `TLSv1.3`, `TLSv1.2`, `TLSv1`, `SSLv3`.
    pub version: &'static str,
    /// `ECDHE`, `DHE`, `RSA`, `PSK`, `ECDHEPSK`, `DHEPSK`, `RSAPSK`, `SRP`, `any` (TLS 1.3).
    pub kx: &'static str,
    /// `RSA`, `ECDSA`, `DSS`, `PSK`, `SRP`, `None` (anonymous), `any` (TLS 1.3).
    pub au: &'static str,
    /// e.g. `AESGCM(128)`, `CHACHA20/POLY1305(256)`, `AES(256)`, `Camellia(128)`, `None`.
    pub enc: &'static str,
    /// Symmetric key bits (0 for NULL encryption).
    pub bits: u16,
    /// `AEAD`, `SHA1`, `SHA256`, `SHA384`, `MD5`.
    pub mac: &'static str,
    pub aead: bool,
    pub export: bool,
}

/// A table row: the suite and the strength classes OpenSSL gives it.
pub(crate) struct Entry {
    suite: Suite,
    high: bool,
    medium: bool,
    low: bool,
    fips: bool,
    not_default: bool,
}

/// What a cipher string selects.
#[derive(Debug, Clone, Default)]
pub struct Expansion {
    /// The selected suites, in OpenSSL's resulting order.
    pub suites: Vec<&'static Suite>,
    /// Terms that are neither a cipher name nor an alias (OpenSSL ignores them silently).
    pub unknown: Vec<String>,
    /// From `@SECLEVEL=n`.
    pub seclevel: Option<u8>,
}

static TLS13: &[Suite] = &[
    tls13("TLS_AES_256_GCM_SHA384", 0x1302, "AESGCM(256)", 256),
    tls13(
        "TLS_CHACHA20_POLY1305_SHA256",
        0x1303,
        "CHACHA20/POLY1305(256)",
        256,
    ),
    tls13("TLS_AES_128_GCM_SHA256", 0x1301, "AESGCM(128)", 128),
    tls13("TLS_AES_128_CCM_SHA256", 0x1304, "AESCCM(128)", 128),
    tls13("TLS_AES_128_CCM_8_SHA256", 0x1305, "AESCCM8(128)", 128),
];

const fn tls13(name: &'static str, id: u16, enc: &'static str, bits: u16) -> Suite {
    Suite {
        name,
        iana: name,
        id,
        version: "TLSv1.3",
        kx: "any",
        au: "any",
        enc,
        bits,
        mac: "AEAD",
        aead: true,
        export: false,
    }
}

/// OpenSSL's default TLS 1.3 suites, in its order.
pub fn tls13_default() -> Vec<&'static Suite> {
    TLS13.iter().take(3).collect()
}

/// A suite by its OpenSSL name (TLS 1.3 suites by their standard name).
pub fn by_name(name: &str) -> Option<&'static Suite> {
    TABLE
        .iter()
        .map(|e| &e.suite)
        .chain(TLS13.iter())
        .find(|s| s.name == name)
}

/// A suite by its IANA name.
pub fn by_iana(name: &str) -> Option<&'static Suite> {
    TABLE
        .iter()
        .map(|e| &e.suite)
        .chain(TLS13.iter())
        .find(|s| s.iana == name)
}

/// A TLS 1.3 suite list (`ssl_conf_command Ciphersuites …`): names separated by `:`, kept in
/// order, once each.
pub fn expand_tls13(spec: &str) -> Expansion {
    let mut out = Expansion::default();
    for name in spec.split(':').map(str::trim).filter(|n| !n.is_empty()) {
        match TLS13.iter().find(|s| s.name == name) {
            Some(s) if !out.suites.iter().any(|x| x.name == name) => out.suites.push(s),
            Some(_) => {}
            None => out.unknown.push(name.to_string()),
        }
    }
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Add,
    Order,
    Delete,
    Kill,
}

/// The working list of `ssl_create_cipher_list`: table indices in list order, and which are
/// selected. Killed suites leave the list.
struct List {
    order: Vec<usize>,
    active: Vec<bool>,
}

impl List {
    fn new() -> Self {
        List {
            order: (0..TABLE.len()).collect(),
            active: vec![false; TABLE.len()],
        }
    }

    fn apply(&mut self, op: Op, matches: &dyn Fn(&Entry) -> bool) {
        let hit = |i: usize| TABLE.get(i).is_some_and(matches);
        match op {
            Op::Add | Op::Order => {
                let want_active = op == Op::Order;
                let (moved, kept): (Vec<usize>, Vec<usize>) = self
                    .order
                    .iter()
                    .partition(|&&i| hit(i) && self.active[i] == want_active);
                for &i in &moved {
                    self.active[i] = true;
                }
                self.order = kept.into_iter().chain(moved).collect();
            }
            Op::Delete => {
                let (moved, kept): (Vec<usize>, Vec<usize>) =
                    self.order.iter().partition(|&&i| hit(i) && self.active[i]);
                for &i in &moved {
                    self.active[i] = false;
                }
                self.order = moved.into_iter().chain(kept).collect();
            }
            Op::Kill => {
                let active = &mut self.active;
                self.order.retain(|&i| {
                    if hit(i) {
                        active[i] = false;
                        false
                    } else {
                        true
                    }
                });
            }
        }
    }

    /// `@STRENGTH`: selected suites by key bits, strongest first, stable.
    fn strength_sort(&mut self) {
        let mut bits: Vec<u16> = TABLE.iter().map(|e| e.suite.bits).collect();
        bits.sort_unstable();
        bits.dedup();
        for b in bits.into_iter().rev() {
            self.apply(Op::Order, &|e: &Entry| e.suite.bits == b);
        }
    }

    fn selected(&self) -> Vec<&'static Suite> {
        self.order
            .iter()
            .filter(|&&i| self.active[i])
            .filter_map(|&i| TABLE.get(i).map(|e| &e.suite))
            .collect()
    }
}

/// What a term selects.
type Predicate = Box<dyn Fn(&Entry) -> bool>;

/// A term's predicate, or `None` when the term is not known to OpenSSL.
fn term(t: &str) -> Option<Predicate> {
    if let Some(e) = TABLE.iter().find(|e| e.suite.name == t) {
        let name = e.suite.name;
        return Some(Box::new(move |x: &Entry| x.suite.name == name));
    }
    let kx = |k: &'static [&'static str]| -> Option<Predicate> {
        Some(Box::new(move |e: &Entry| k.contains(&e.suite.kx)))
    };
    let au = |a: &'static [&'static str]| -> Option<Predicate> {
        Some(Box::new(move |e: &Entry| a.contains(&e.suite.au)))
    };
    let enc = |prefixes: &'static [&'static str]| -> Option<Predicate> {
        Some(Box::new(move |e: &Entry| {
            prefixes.iter().any(|p| e.suite.enc.starts_with(p))
        }))
    };
    let pred = |f: fn(&Entry) -> bool| -> Option<Predicate> { Some(Box::new(f)) };
    match t {
        "ALL" => pred(|e| e.suite.enc != "None"),
        "COMPLEMENTOFALL" | "eNULL" | "NULL" => pred(|e| e.suite.enc == "None"),
        "COMPLEMENTOFDEFAULT" => pred(|e| e.not_default),
        "HIGH" => pred(|e| e.high),
        "MEDIUM" => pred(|e| e.medium),
        "LOW" => pred(|e| e.low),
        "FIPS" => pred(|e| e.fips),
        "EXPORT" | "EXP" | "EXPORT40" | "EXPORT56" | "RC4" | "RC2" | "DES" | "3DES" | "IDEA"
        | "SEED" | "GOST89MAC" | "GOST94" | "kGOST" | "aGOST" | "kFZA" | "aFZA" | "eFZA"
        | "FZA" | "kECDH" | "kDH" | "aDH" | "aECDH" | "kKRB5" | "aKRB5" | "KRB5" => pred(|_| false),
        "kRSA" | "RSA" => kx(&["RSA"]),
        "aRSA" => au(&["RSA"]),
        "kEDH" | "kDHE" | "DH" => kx(&["DHE"]),
        "EDH" | "DHE" => pred(|e| e.suite.kx == "DHE" && e.suite.au != "None"),
        "ADH" => pred(|e| e.suite.kx == "DHE" && e.suite.au == "None"),
        "kEECDH" | "kECDHE" | "ECDH" => kx(&["ECDHE"]),
        "EECDH" | "ECDHE" => pred(|e| e.suite.kx == "ECDHE" && e.suite.au != "None"),
        "AECDH" => pred(|e| e.suite.kx == "ECDHE" && e.suite.au == "None"),
        "aNULL" => au(&["None"]),
        "aECDSA" | "ECDSA" => au(&["ECDSA"]),
        "aDSS" | "DSS" => au(&["DSS"]),
        "PSK" => kx(&["PSK", "ECDHEPSK", "DHEPSK", "RSAPSK"]),
        "kPSK" => kx(&["PSK"]),
        "kECDHEPSK" => kx(&["ECDHEPSK"]),
        "kDHEPSK" => kx(&["DHEPSK"]),
        "kRSAPSK" => kx(&["RSAPSK"]),
        "aPSK" => au(&["PSK"]),
        "SRP" | "kSRP" => kx(&["SRP"]),
        "aSRP" => au(&["SRP"]),
        "AES" => enc(&["AES"]),
        "AES128" => pred(|e| e.suite.enc.starts_with("AES") && e.suite.bits == 128),
        "AES256" => pred(|e| e.suite.enc.starts_with("AES") && e.suite.bits == 256),
        "AESGCM" => enc(&["AESGCM"]),
        "AESCCM" => enc(&["AESCCM"]),
        "AESCCM8" => enc(&["AESCCM8"]),
        "CAMELLIA" => enc(&["Camellia"]),
        "CAMELLIA128" => pred(|e| e.suite.enc == "Camellia(128)"),
        "CAMELLIA256" => pred(|e| e.suite.enc == "Camellia(256)"),
        "CHACHA20" => enc(&["CHACHA20"]),
        "ARIA" | "ARIAGCM" => enc(&["ARIA"]),
        "ARIA128" => pred(|e| e.suite.enc == "ARIAGCM(128)"),
        "ARIA256" => pred(|e| e.suite.enc == "ARIAGCM(256)"),
        "MD5" => pred(|e| e.suite.mac == "MD5"),
        "SHA1" | "SHA" => pred(|e| e.suite.mac == "SHA1"),
        "SHA256" => pred(|e| e.suite.mac == "SHA256"),
        "SHA384" => pred(|e| e.suite.mac == "SHA384"),
        "TLSv1.2" => pred(|e| e.suite.version == "TLSv1.2"),
        "TLSv1" | "TLSv1.0" => pred(|e| e.suite.version == "TLSv1"),
        "SSLv3" => pred(|e| e.suite.version == "SSLv3"),
        _ => None,
    }
}

/// Expands a TLS 1.2-and-older cipher string (nginx `ssl_ciphers`, `openssl ciphers`).
pub fn expand(spec: &str) -> Expansion {
    let mut out = Expansion::default();
    let mut list = List::new();
    let mut rest = spec.trim_start();
    if let Some(after) = rest.strip_prefix("DEFAULT") {
        if after.is_empty() || after.starts_with([':', ',', ';', ' ']) {
            for element in ["ALL", "!COMPLEMENTOFDEFAULT", "!eNULL"] {
                apply_element(&mut list, element, &mut out);
            }
            rest = after;
        }
    }
    for element in rest.split([':', ',', ';', ' ']).filter(|e| !e.is_empty()) {
        apply_element(&mut list, element, &mut out);
    }
    out.suites = list.selected();
    out
}

/// At most this many unknown terms are kept (hostile strings can hold millions).
const MAX_UNKNOWN: usize = 64;

fn apply_element(list: &mut List, element: &str, out: &mut Expansion) {
    if out.unknown.len() > MAX_UNKNOWN {
        out.unknown.truncate(MAX_UNKNOWN);
    }
    if let Some(cmd) = element.strip_prefix('@') {
        if cmd == "STRENGTH" {
            list.strength_sort();
        } else if let Some(level) = cmd.strip_prefix("SECLEVEL=") {
            match level.parse::<u8>() {
                Ok(n) if n <= 5 => out.seclevel = Some(n),
                _ => out.unknown.push(element.to_string()),
            }
        } else {
            out.unknown.push(element.to_string());
        }
        return;
    }
    let (op, body) = match element.as_bytes().first() {
        Some(b'!') => (Op::Kill, &element[1..]),
        Some(b'-') => (Op::Delete, &element[1..]),
        Some(b'+') => (Op::Order, &element[1..]),
        _ => (Op::Add, element),
    };
    let mut preds = Vec::new();
    for t in body.split('+').filter(|t| !t.is_empty()) {
        match term(t) {
            Some(p) => preds.push(p),
            None => {
                out.unknown.push(t.to_string());
                return;
            }
        }
    }
    if preds.is_empty() {
        return;
    }
    list.apply(op, &|e: &Entry| preds.iter().all(|p| p(e)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(spec: &str) -> Vec<&'static str> {
        expand(spec).suites.iter().map(|s| s.name).collect()
    }

    #[test]
    fn kill_is_permanent_delete_is_not() {
        assert!(names("ALL:!SHA1:SHA1")
            .iter()
            .all(|n| by_name(n).is_some_and(|s| s.mac != "SHA1")));
        assert!(names("ALL:-SHA1:SHA1").contains(&"ECDHE-RSA-AES128-SHA"));
        let order = names("ALL:-SHA1:SHA1");
        let first_sha1 = order
            .iter()
            .position(|n| by_name(n).is_some_and(|s| s.mac == "SHA1"));
        let last_other = order
            .iter()
            .rposition(|n| by_name(n).is_some_and(|s| s.mac != "SHA1"));
        assert!(first_sha1 > last_other, "re-added suites go to the end");
    }

    #[test]
    fn unknown_terms_are_reported_and_select_nothing() {
        let e = expand("ECDHE+AESGCM:BOGUS:kRSA+NOPE");
        assert_eq!(e.unknown, ["BOGUS", "NOPE"]);
        assert!(e.suites.iter().all(|s| s.kx == "ECDHE" && s.aead));
        assert!(expand("RC4:3DES:EXPORT").suites.is_empty());
        assert!(
            expand("RC4").unknown.is_empty(),
            "RC4 is a known alias with no suite left"
        );
    }

    #[test]
    fn seclevel_and_strength() {
        let e = expand("HIGH:@SECLEVEL=2:@STRENGTH");
        assert_eq!(e.seclevel, Some(2));
        let bits: Vec<u16> = e.suites.iter().map(|s| s.bits).collect();
        assert!(bits.windows(2).all(|w| w[0] >= w[1]));
    }

    #[test]
    fn tls13_lists() {
        let e = expand_tls13("TLS_AES_128_GCM_SHA256:TLS_FOO:TLS_AES_128_GCM_SHA256");
        assert_eq!(e.suites.len(), 1);
        assert_eq!(e.unknown, ["TLS_FOO"]);
        assert_eq!(tls13_default()[0].name, "TLS_AES_256_GCM_SHA384");
        assert_eq!(
            by_iana("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256").map(|s| s.name),
            Some("ECDHE-RSA-AES128-GCM-SHA256")
        );
    }

    #[test]
    fn hostile_input_is_bounded() {
        let big = "!+-@:".repeat(200_000);
        let e = expand(&big);
        assert!(e.suites.is_empty());
        let long = "ECDHE+AESGCM:".repeat(20_000);
        assert!(!expand(&long).suites.is_empty());
        let _ = expand("\u{0}+\u{ffff}:@SECLEVEL=999:-");
    }
}

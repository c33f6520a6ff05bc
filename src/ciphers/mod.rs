//! OpenSSL cipher-string expansion, following OpenSSL 3.0 `ssl/ssl_ciph.c`.
//!
//! A cipher string (nginx `ssl_ciphers`, Apache `SSLCipherSuite`,
//! `openssl ciphers`) is a list of rules separated by `:`, `,`, `;` or
//! spaces. Each rule is an optional operator followed by one or more words
//! joined with `+`:
//!
//! * `X` appends every matching suite that is not yet in the list, in the
//!   current internal order.
//! * `+X` moves matching suites that are already in the list to its end.
//! * `-X` removes matching suites; a later rule may add them again, and
//!   they then come before other suites added by that same rule.
//! * `!X` removes matching suites permanently.
//! * `@STRENGTH` stably sorts the list by strength bits, strongest first.
//! * `@SECLEVEL=n` (0–5) sets the security level; `openssl ciphers` lists
//!   suites regardless of it.
//!
//! A word is a suite's OpenSSL name or an alias (`HIGH`, `kECDHE`, `aRSA`,
//! `AESGCM`, `SHA256`, `TLSv1.2`, …). `A+B` matches suites satisfying both.
//! Unknown words are skipped silently by OpenSSL. A string starting with
//! `DEFAULT` first applies `ALL:!COMPLEMENTOFDEFAULT:!eNULL`. A character
//! outside `[A-Za-z0-9._=-]` where a word is expected, an unknown `@`
//! command, or a bad `@SECLEVEL` makes OpenSSL reject the whole string.
//!
//! Before the rules run, every available suite is placed in OpenSSL's
//! built-in preference order: (EC)DHE with AEAD first, then other (EC)DHE,
//! then other AEAD, then the rest; within those, stronger before weaker,
//! TLS 1.2-only before older, ECDHE before DHE, AES-GCM before ChaCha20
//! before other AES, with anonymous, plain-RSA and plain-PSK key exchange
//! moved towards the end.
//!
//! Names are case-sensitive. OpenSSL 3.0 does not accept IANA names in a
//! cipher string; they are reported in [`Expansion::unknown`].

mod table;

use table::*;

/// One cipher suite as `openssl ciphers -V -v` describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suite {
    /// OpenSSL name, e.g. `ECDHE-RSA-AES128-GCM-SHA256`; TLS 1.3 suites use
    /// their IANA name.
    pub name: &'static str,
    /// IANA name, e.g. `TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`.
    pub iana: &'static str,
    /// Two-byte suite identifier, e.g. `0xC02F`.
    pub id: u16,
    /// Lowest protocol version the suite can be used with, as printed by
    /// `openssl ciphers -v`: `TLSv1.3`, `TLSv1.2`, `TLSv1` or `SSLv3`.
    pub version: &'static str,
    /// Key exchange: `ECDHE`, `DHE`, `RSA`, `PSK`, `ECDHEPSK`, `DHEPSK`,
    /// `RSAPSK`, `SRP`, or `any` for TLS 1.3. (`openssl ciphers -v` prints
    /// ephemeral ECDH and DH as `ECDH` and `DH`.)
    pub kx: &'static str,
    /// Server authentication: `RSA`, `ECDSA`, `DSS`, `PSK`, `SRP`, `None`
    /// (anonymous), or `any` for TLS 1.3.
    pub au: &'static str,
    /// Bulk cipher with key size, e.g. `AESGCM(128)`, `3DES(168)`, `None`.
    pub enc: &'static str,
    /// Strength in bits used by `@STRENGTH`; equals the key size except for
    /// 3DES, which counts as 112 bits.
    pub bits: u16,
    /// Record MAC: `AEAD`, `SHA1`, `SHA256`, `SHA384` or `MD5`.
    pub mac: &'static str,
    /// Whether the bulk cipher is an AEAD (GCM, CCM, ChaCha20-Poly1305).
    pub aead: bool,
    /// Whether this is a 40-bit export suite.
    pub export: bool,
}

/// Result of expanding a cipher string.
#[derive(Debug, Clone, Default)]
pub struct Expansion {
    /// The resulting suites, in OpenSSL's order.
    pub suites: Vec<&'static Suite>,
    /// Words that name no suite and no alias (OpenSSL skips them silently),
    /// and, if OpenSSL would reject the whole string, the offending rule.
    pub unknown: Vec<String>,
    /// Security level requested with `@SECLEVEL=n`, if any.
    pub seclevel: Option<u8>,
}

/// Expands a TLS 1.0–1.2 cipher string exactly as OpenSSL 3.0 (default
/// build) does; TLS 1.3 suites are never included. If OpenSSL would reject
/// the string, `suites` is empty.
pub fn expand(spec: &str) -> Expansion {
    let mut st = State::new();
    let mut out = Expansion::default();
    let mut rules = spec.as_bytes();
    let mut ok = true;
    if rules.starts_with(b"DEFAULT") {
        ok = st.process(DEFAULT_RULES.as_bytes(), &mut out);
        rules = &rules[7..];
        if rules.first() == Some(&b':') {
            rules = &rules[1..];
        }
    }
    if ok && !rules.is_empty() {
        ok = st.process(rules, &mut out);
    }
    if ok {
        out.suites = st
            .list
            .iter()
            .filter(|&&i| st.active[i])
            .map(|&i| &CIPHERS[i].suite)
            .collect();
    }
    out
}

/// [`expand`], remembered: an estate repeats a few cipher strings across thousands of
/// servers, and each distinct string is expanded once per process. At most
/// [`REMEMBERED_SPECS`] strings are remembered (a file of a million distinct strings costs
/// time, not memory).
pub fn expand_remembered(spec: &str) -> Expansion {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static SEEN: OnceLock<Mutex<HashMap<String, Expansion>>> = OnceLock::new();
    let seen = SEEN.get_or_init(Default::default);
    if let Some(e) = seen.lock().ok().and_then(|m| m.get(spec).cloned()) {
        return e;
    }
    let e = expand(spec);
    if let Ok(mut m) = seen.lock() {
        if m.len() < REMEMBERED_SPECS {
            m.insert(spec.to_string(), e.clone());
        }
    }
    e
}

/// How many distinct cipher strings [`expand_remembered`] keeps.
pub const REMEMBERED_SPECS: usize = 4096;

/// Parses a TLS 1.3 "Ciphersuites" value: `:`-separated IANA names. Known
/// names are kept in the given order without duplicates; everything else
/// goes to [`Expansion::unknown`].
pub fn expand_tls13(spec: &str) -> Expansion {
    let mut out = Expansion::default();
    for word in spec.split(':').filter(|w| !w.is_empty()) {
        match TLS13.iter().find(|s| s.name == word) {
            Some(s) => {
                if !out.suites.iter().any(|x| x.id == s.id) {
                    out.suites.push(s);
                }
            }
            None => out.unknown.push(word.to_string()),
        }
    }
    out
}

/// OpenSSL 3.0's default TLS 1.3 suites, in preference order.
pub fn tls13_default() -> Vec<&'static Suite> {
    [1usize, 2, 0].iter().map(|&i| &TLS13[i]).collect()
}

/// Looks a suite up by its OpenSSL name (TLS 1.3 suites by IANA name).
pub fn by_name(name: &str) -> Option<&'static Suite> {
    all().find(|s| s.name == name)
}

/// Looks a suite up by its IANA name.
pub fn by_iana(name: &str) -> Option<&'static Suite> {
    all().find(|s| s.iana == name)
}

/// Every suite of the table: TLS 1.3 first, then OpenSSL 3.0's `ssl3_ciphers[]`.
pub fn all() -> impl Iterator<Item = &'static Suite> {
    TLS13.iter().chain(CIPHERS.iter().map(|c| &c.suite))
}

/// Key exchanges a server selects only when the application sets a callback for them: PSK
/// suites need a PSK server callback (OpenSSL 3.0 `ssl3_choose_cipher` skips them without
/// `psk_server_callback`), SRP suites an SRP verifier (`ssl_set_masks` enables kSRP only with
/// `srp_Mask`). `openssl ciphers -s` lists what remains on a context that sets neither.
const CALLBACK_KX: [&str; 5] = ["PSK", "DHEPSK", "RSAPSK", "ECDHEPSK", "SRP"];

/// Whether a suite with this key exchange (`Suite::kx`) is negotiable only on a server that
/// sets a PSK or SRP callback.
pub fn needs_server_callback(kx: &str) -> bool {
    CALLBACK_KX.contains(&kx)
}

/// Key exchanges with forward secrecy.
const FORWARD_SECRET: [&str; 4] = ["ECDHE", "DHE", "ECDHEPSK", "DHEPSK"];

/// Why a suite is weak under the strong-cipher rule of `NET03-CIPHER`, worst reason first, or
/// `None` when it is strong (a TLS 1.3 suite, or forward secrecy with an AEAD cipher and
/// authentication). The rule is `reason` in `policies/net03_cipher.rego`; the live probe judges
/// accepted suites with this copy, and a test checks that the two agree on every suite.
pub fn weakness(s: &Suite) -> Option<&'static str> {
    let fs = FORWARD_SECRET.contains(&s.kx);
    if s.version == "TLSv1.3" || (fs && s.aead && s.au != "None") {
        return None;
    }
    Some(if s.enc == "None" {
        "NULL encryption"
    } else if s.au == "None" {
        "anonymous, no authentication"
    } else if s.export {
        "EXPORT grade"
    } else if ["RC4", "DES", "3DES"].iter().any(|p| s.enc.starts_with(p)) {
        "RC4, DES or 3DES"
    } else if s.mac == "MD5" {
        "MD5"
    } else if !fs {
        "no forward secrecy (static key exchange)"
    } else if !s.aead {
        "CBC mode, no AEAD"
    } else {
        "not strong"
    })
}

/// `OSSL_default_cipher_list()` in OpenSSL 3.0.
const DEFAULT_RULES: &str = "ALL:!COMPLEMENTOFDEFAULT:!eNULL";

/// A selection pattern: zero fields match anything.
#[derive(Debug, Clone, Copy, Default)]
struct Pattern {
    id: u16,
    mkey: u32,
    auth: u32,
    enc: u32,
    mac: u32,
    min_tls: u16,
    strength: u8,
}

impl Pattern {
    fn matches(&self, c: &Cipher) -> bool {
        (self.id == 0 || self.id == c.suite.id)
            && (self.mkey == 0 || self.mkey & c.mkey != 0)
            && (self.auth == 0 || self.auth & c.auth != 0)
            && (self.enc == 0 || self.enc & c.enc != 0)
            && (self.mac == 0 || self.mac & c.mac != 0)
            && (self.min_tls == 0 || self.min_tls == c.min_tls)
            && (self.strength & STRONG_MASK == 0 || self.strength & c.strength & STRONG_MASK != 0)
            && (self.strength & DEFAULT_MASK == 0 || self.strength & c.strength & DEFAULT_MASK != 0)
    }
}

/// An alias from OpenSSL's `cipher_aliases[]`.
struct Alias {
    name: &'static str,
    pat: Pattern,
}

const fn al(name: &'static str, mkey: u32, auth: u32, enc: u32, mac: u32) -> Alias {
    Alias {
        name,
        pat: Pattern {
            id: 0,
            mkey,
            auth,
            enc,
            mac,
            min_tls: 0,
            strength: 0,
        },
    }
}

const fn alv(name: &'static str, min_tls: u16) -> Alias {
    let mut a = al(name, 0, 0, 0, 0);
    a.pat.min_tls = min_tls;
    a
}

const fn als(name: &'static str, enc: u32, strength: u8) -> Alias {
    let mut a = al(name, 0, 0, enc, 0);
    a.pat.strength = strength;
    a
}

static ALIASES: &[Alias] = &[
    al("ALL", 0, 0, !E_NULL, 0),
    al("COMPLEMENTOFALL", 0, 0, E_NULL, 0),
    als("COMPLEMENTOFDEFAULT", 0, NOT_DEFAULT),
    al("kRSA", K_RSA, 0, 0, 0),
    al("kEDH", K_DHE, 0, 0, 0),
    al("kDHE", K_DHE, 0, 0, 0),
    al("DH", K_DHE, 0, 0, 0),
    al("kEECDH", K_ECDHE, 0, 0, 0),
    al("kECDHE", K_ECDHE, 0, 0, 0),
    al("ECDH", K_ECDHE, 0, 0, 0),
    al("kPSK", K_PSK, 0, 0, 0),
    al("kRSAPSK", K_RSAPSK, 0, 0, 0),
    al("kECDHEPSK", K_ECDHEPSK, 0, 0, 0),
    al("kDHEPSK", K_DHEPSK, 0, 0, 0),
    al("kSRP", K_SRP, 0, 0, 0),
    al("kGOST", K_GOST, 0, 0, 0),
    al("kGOST18", K_GOST18, 0, 0, 0),
    al("aRSA", 0, A_RSA, 0, 0),
    al("aDSS", 0, A_DSS, 0, 0),
    al("DSS", 0, A_DSS, 0, 0),
    al("aNULL", 0, A_NULL, 0, 0),
    al("aECDSA", 0, A_ECDSA, 0, 0),
    al("ECDSA", 0, A_ECDSA, 0, 0),
    al("aPSK", 0, A_PSK, 0, 0),
    al("aGOST01", 0, A_GOST01, 0, 0),
    al("aGOST12", 0, A_GOST12, 0, 0),
    al("aGOST", 0, A_GOST01 | A_GOST12, 0, 0),
    al("aSRP", 0, A_SRP, 0, 0),
    al("EDH", K_DHE, !A_NULL, 0, 0),
    al("DHE", K_DHE, !A_NULL, 0, 0),
    al("EECDH", K_ECDHE, !A_NULL, 0, 0),
    al("ECDHE", K_ECDHE, !A_NULL, 0, 0),
    al("NULL", 0, 0, E_NULL, 0),
    al("RSA", K_RSA, A_RSA, 0, 0),
    al("ADH", K_DHE, A_NULL, 0, 0),
    al("AECDH", K_ECDHE, A_NULL, 0, 0),
    al("PSK", K_ANY_PSK, 0, 0, 0),
    al("SRP", K_SRP, 0, 0, 0),
    al("3DES", 0, 0, E_3DES, 0),
    al("RC4", 0, 0, E_RC4, 0),
    al("RC2", 0, 0, E_RC2, 0),
    al("IDEA", 0, 0, E_IDEA, 0),
    al("SEED", 0, 0, E_SEED, 0),
    al("eNULL", 0, 0, E_NULL, 0),
    al("GOST", 0, 0, E_GOST, 0),
    al(
        "AES128",
        0,
        0,
        E_AES128 | E_AES128GCM | E_AES128CCM | E_AES128CCM8,
        0,
    ),
    al(
        "AES256",
        0,
        0,
        E_AES256 | E_AES256GCM | E_AES256CCM | E_AES256CCM8,
        0,
    ),
    al("AES", 0, 0, E_AES, 0),
    al("AESGCM", 0, 0, E_AESGCM, 0),
    al("AESCCM", 0, 0, E_AESCCM, 0),
    al("AESCCM8", 0, 0, E_AES128CCM8 | E_AES256CCM8, 0),
    al("CAMELLIA128", 0, 0, E_CAMELLIA128, 0),
    al("CAMELLIA256", 0, 0, E_CAMELLIA256, 0),
    al("CAMELLIA", 0, 0, E_CAMELLIA, 0),
    al("CHACHA20", 0, 0, E_CHACHA20POLY1305, 0),
    al("GOST2012-GOST8912-GOST8912", 0, 0, E_GOST89_12, 0),
    al("ARIA", 0, 0, E_ARIA, 0),
    al("ARIAGCM", 0, 0, E_ARIA, 0),
    al("ARIA128", 0, 0, E_ARIA128GCM, 0),
    al("ARIA256", 0, 0, E_ARIA256GCM, 0),
    al("CBC", 0, 0, E_CBC, 0),
    al("MD5", 0, 0, 0, M_MD5),
    al("SHA1", 0, 0, 0, M_SHA1),
    al("SHA", 0, 0, 0, M_SHA1),
    al("GOST94", 0, 0, 0, M_GOST94),
    al("GOST89MAC", 0, 0, 0, M_GOST89MAC | M_GOST89MAC12),
    al("SHA256", 0, 0, 0, M_SHA256),
    al("SHA384", 0, 0, 0, M_SHA384),
    al("GOST12", 0, 0, 0, M_GOST12_256),
    alv("SSLv3", SSL3),
    alv("TLSv1", TLS1),
    alv("TLSv1.0", TLS1),
    alv("TLSv1.2", TLS1_2),
    als("LOW", 0, LOW),
    als("MEDIUM", 0, MEDIUM),
    als("HIGH", 0, HIGH),
    als("FIPS", !E_NULL, FIPS),
    Alias {
        name: "EDH-DSS-DES-CBC3-SHA",
        pat: Pattern {
            id: 0,
            mkey: K_DHE,
            auth: A_DSS,
            enc: E_3DES,
            mac: M_SHA1,
            min_tls: 0,
            strength: HIGH | FIPS,
        },
    },
    Alias {
        name: "EDH-RSA-DES-CBC3-SHA",
        pat: Pattern {
            id: 0,
            mkey: K_DHE,
            auth: A_RSA,
            enc: E_3DES,
            mac: M_SHA1,
            min_tls: 0,
            strength: HIGH | FIPS,
        },
    },
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Add,
    Order,
    Del,
    Kill,
    Bump,
    Special,
}

/// What a word in a rule refers to.
enum Word {
    Cipher(&'static Cipher),
    Alias(&'static Alias),
    /// Known to OpenSSL but not offered by the default build.
    Unavailable,
    Unknown,
}

fn lookup(word: &[u8]) -> Word {
    if let Some(c) = CIPHERS.iter().find(|c| c.suite.name.as_bytes() == word) {
        return if c.available {
            Word::Cipher(c)
        } else {
            Word::Unavailable
        };
    }
    match ALIASES.iter().find(|a| a.name.as_bytes() == word) {
        Some(a) => Word::Alias(a),
        None => Word::Unknown,
    }
}

fn is_sep(b: u8) -> bool {
    matches!(b, b':' | b' ' | b';' | b',')
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'=')
}

/// OpenSSL's ordered cipher list: `list` holds table indices in order,
/// `active` marks which are currently selected. Killed suites leave `list`.
struct State {
    list: Vec<usize>,
    active: Vec<bool>,
}

impl State {
    /// Builds the initial, fully inactive list in OpenSSL's preference order
    /// (`ssl_create_cipher_list`).
    fn new() -> State {
        let mut st = State {
            list: (0..CIPHERS.len())
                .filter(|&i| CIPHERS[i].available)
                .collect(),
            active: vec![false; CIPHERS.len()],
        };
        let p = |mkey: u32, auth: u32, enc: u32, mac: u32, min_tls: u16| Pattern {
            mkey,
            auth,
            enc,
            mac,
            min_tls,
            ..Pattern::default()
        };
        st.apply(p(K_ECDHE, A_ECDSA, 0, 0, 0), Op::Add);
        st.apply(p(K_ECDHE, 0, 0, 0, 0), Op::Add);
        st.apply(p(K_ECDHE, 0, 0, 0, 0), Op::Del);
        st.apply(p(0, 0, E_AESGCM, 0, 0), Op::Add);
        st.apply(p(0, 0, E_CHACHA20POLY1305, 0, 0), Op::Add);
        st.apply(p(0, 0, E_AES ^ E_AESGCM, 0, 0), Op::Add);
        st.apply(Pattern::default(), Op::Add);
        st.apply(p(0, 0, 0, M_MD5, 0), Op::Order);
        st.apply(p(0, A_NULL, 0, 0, 0), Op::Order);
        st.apply(p(K_RSA, 0, 0, 0, 0), Op::Order);
        st.apply(p(K_PSK, 0, 0, 0, 0), Op::Order);
        st.apply(p(0, 0, E_RC4, 0, 0), Op::Order);
        st.strength_sort();
        st.apply(p(0, 0, 0, 0, TLS1_2), Op::Bump);
        st.apply(p(0, 0, 0, M_AEAD, 0), Op::Bump);
        st.apply(p(K_DHE | K_ECDHE, 0, 0, 0, 0), Op::Bump);
        st.apply(p(K_DHE | K_ECDHE, 0, 0, M_AEAD, 0), Op::Bump);
        st.apply(Pattern::default(), Op::Del);
        st
    }

    /// `ssl_cipher_apply_rule`: every operation is a stable partition.
    fn apply(&mut self, pat: Pattern, op: Op) {
        let selected = |i: usize| {
            let sel = pat.matches(&CIPHERS[i]);
            match op {
                Op::Add => sel && !self.active[i],
                Op::Order | Op::Del | Op::Bump => sel && self.active[i],
                Op::Kill => sel,
                Op::Special => false,
            }
        };
        let (moved, rest): (Vec<usize>, Vec<usize>) = self.list.iter().partition(|&&i| selected(i));
        if moved.is_empty() {
            return;
        }
        match op {
            Op::Add | Op::Order => {
                for &i in &moved {
                    self.active[i] = true;
                }
                self.list = rest;
                self.list.extend(moved);
            }
            Op::Del | Op::Bump => {
                if op == Op::Del {
                    for &i in &moved {
                        self.active[i] = false;
                    }
                }
                let mut l = moved;
                l.extend(rest);
                self.list = l;
            }
            Op::Kill => {
                for &i in &moved {
                    self.active[i] = false;
                }
                self.list = rest;
            }
            Op::Special => {}
        }
    }

    /// `ssl_cipher_strength_sort`: active suites move to the end, ordered by
    /// strength bits descending (stable); inactive ones keep their place.
    fn strength_sort(&mut self) {
        let (mut act, inact): (Vec<usize>, Vec<usize>) =
            self.list.iter().partition(|&&i| self.active[i]);
        act.sort_by(|&a, &b| CIPHERS[b].suite.bits.cmp(&CIPHERS[a].suite.bits));
        self.list = inact;
        self.list.extend(act);
    }

    /// `ssl_cipher_process_rulestr`. Returns `false` where OpenSSL fails the
    /// whole cipher string.
    fn process(&mut self, s: &[u8], out: &mut Expansion) -> bool {
        let at = |i: usize| s.get(i).copied().unwrap_or(0);
        let mut l = 0usize;
        let mut ok = true;
        loop {
            let ch = at(l);
            if ch == 0 {
                break;
            }
            let start = l;
            let op = match ch {
                b'-' => Op::Del,
                b'+' => Op::Order,
                b'!' => Op::Kill,
                b'@' => Op::Special,
                _ => Op::Add,
            };
            if op != Op::Add {
                l += 1;
            }
            if is_sep(ch) {
                l += 1;
                continue;
            }
            let mut pat = Pattern::default();
            let mut found = false;
            let mut word: &[u8];
            loop {
                let w0 = l;
                while is_word_byte(at(l)) {
                    l += 1;
                }
                word = &s[w0..l];
                if word.is_empty() {
                    let mut end = l;
                    while end < s.len() && !is_sep(s[end]) {
                        end += 1;
                    }
                    out.unknown
                        .push(String::from_utf8_lossy(&s[start..end]).into_owned());
                    return false;
                }
                if op == Op::Special {
                    break;
                }
                let multi = at(l) == b'+';
                if multi {
                    l += 1;
                }
                let (wp, explicit) = match lookup(word) {
                    Word::Cipher(c) => (
                        Pattern {
                            id: c.suite.id,
                            mkey: c.mkey,
                            auth: c.auth,
                            enc: c.enc,
                            mac: c.mac,
                            min_tls: c.min_tls,
                            strength: c.strength,
                        },
                        true,
                    ),
                    Word::Alias(a) => (a.pat, false),
                    Word::Unavailable => {
                        found = false;
                        break;
                    }
                    Word::Unknown => {
                        out.unknown.push(String::from_utf8_lossy(word).into_owned());
                        found = false;
                        break;
                    }
                };
                found = merge(&mut pat, &wp, explicit);
                if !found || !multi {
                    break;
                }
            }
            if op == Op::Special {
                if word == b"STRENGTH" {
                    self.strength_sort();
                } else if word.len() == 10 && word.starts_with(b"SECLEVEL=") {
                    let level = word[9].wrapping_sub(b'0');
                    if level <= 5 {
                        out.seclevel = Some(level);
                    } else {
                        out.unknown
                            .push(String::from_utf8_lossy(&s[start..l]).into_owned());
                        ok = false;
                    }
                } else {
                    out.unknown
                        .push(String::from_utf8_lossy(&s[start..l]).into_owned());
                    ok = false;
                }
                while l < s.len() && !is_sep(s[l]) {
                    l += 1;
                }
            } else if found {
                self.apply(pat, op);
            } else {
                while l < s.len() && !is_sep(s[l]) {
                    l += 1;
                }
            }
            if l >= s.len() {
                break;
            }
        }
        ok
    }
}

/// Combines one word of an `A+B+…` rule into the pattern (intersection).
/// Returns `false` when the combination can match nothing, in which case
/// OpenSSL drops the rule.
fn merge(pat: &mut Pattern, w: &Pattern, explicit: bool) -> bool {
    fn and(acc: &mut u32, new: u32) -> bool {
        if new != 0 {
            if *acc != 0 {
                *acc &= new;
                if *acc == 0 {
                    return false;
                }
            } else {
                *acc = new;
            }
        }
        true
    }
    if !and(&mut pat.mkey, w.mkey)
        || !and(&mut pat.auth, w.auth)
        || !and(&mut pat.enc, w.enc)
        || !and(&mut pat.mac, w.mac)
    {
        return false;
    }
    let ws = w.strength & STRONG_MASK;
    if ws != 0 {
        if pat.strength & STRONG_MASK != 0 {
            pat.strength &= ws | !STRONG_MASK;
            if pat.strength & STRONG_MASK == 0 {
                return false;
            }
        } else {
            pat.strength = (pat.strength & !STRONG_MASK) | ws;
        }
    }
    let wd = w.strength & DEFAULT_MASK;
    if wd != 0 {
        if pat.strength & DEFAULT_MASK != 0 {
            pat.strength &= wd | !DEFAULT_MASK;
            if pat.strength & DEFAULT_MASK == 0 {
                return false;
            }
        } else {
            pat.strength |= wd;
        }
    }
    if explicit {
        // An explicit suite name selects by id; its protocol version does
        // not become part of the pattern.
        pat.id = w.id;
    } else if w.min_tls != 0 {
        if pat.min_tls != 0 && pat.min_tls != w.min_tls {
            return false;
        }
        pat.min_tls = w.min_tls;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(spec: &str) -> Vec<&'static str> {
        expand(spec).suites.iter().map(|s| s.name).collect()
    }

    #[test]
    fn unknown_tokens_are_reported_and_skipped() {
        let e = expand("FOO:HIGH:!BAR+MD5:TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
        assert_eq!(
            e.unknown,
            vec!["FOO", "BAR", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"]
        );
        assert_eq!(e.suites, expand("HIGH").suites);
    }

    #[test]
    fn kill_is_permanent_but_delete_is_not() {
        assert!(names("!SHA1:ALL")
            .iter()
            .all(|n| by_name(n).is_some_and(|s| s.mac != "SHA1")));
        // `SHA1` also matches the NULL-cipher suites that `ALL` excludes.
        let readded = names("ALL:-SHA1:SHA1");
        assert!(names("ALL").iter().all(|n| readded.contains(n)));
        assert!(names("ALL:!SHA1:SHA1").iter().all(|n| !n.ends_with("-SHA")));
    }

    #[test]
    fn explicit_names_keep_rule_order() {
        assert_eq!(
            names("AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256"),
            vec!["AES128-SHA", "ECDHE-RSA-AES128-GCM-SHA256"]
        );
    }

    #[test]
    fn seclevel_and_invalid_commands() {
        assert_eq!(expand("HIGH:@SECLEVEL=2").seclevel, Some(2));
        assert!(expand("HIGH:@SECLEVEL=9").suites.is_empty());
        assert!(expand("HIGH:@FOO").suites.is_empty());
        assert!(expand("HIGH:$x").suites.is_empty());
        assert!(expand("HIGH+").suites.is_empty());
    }

    #[test]
    fn weak_suites_are_known_but_not_offered() {
        let s = by_name("DES-CBC3-SHA");
        assert_eq!(s.map(|s| s.bits), Some(112));
        assert_eq!(
            by_iana("TLS_RSA_WITH_RC4_128_MD5").map(|s| s.name),
            Some("RC4-MD5")
        );
        assert!(by_name("EXP-RC4-MD5").is_some_and(|s| s.export));
        assert!(names("3DES:RC4:DES-CBC3-SHA:SEED").is_empty());
    }

    #[test]
    fn tls13() {
        let e = expand_tls13(
            "TLS_AES_128_GCM_SHA256:bogus:TLS_AES_128_GCM_SHA256:TLS_AES_128_CCM_8_SHA256",
        );
        let n: Vec<_> = e.suites.iter().map(|s| s.name).collect();
        assert_eq!(
            n,
            vec!["TLS_AES_128_GCM_SHA256", "TLS_AES_128_CCM_8_SHA256"]
        );
        assert_eq!(e.unknown, vec!["bogus"]);
        let d: Vec<_> = tls13_default().iter().map(|s| s.name).collect();
        assert_eq!(
            d,
            vec![
                "TLS_AES_256_GCM_SHA384",
                "TLS_CHACHA20_POLY1305_SHA256",
                "TLS_AES_128_GCM_SHA256"
            ]
        );
        assert!(expand("TLS_AES_128_GCM_SHA256").suites.is_empty());
    }

    #[test]
    fn garbage_does_not_panic() {
        for s in [
            "",
            ":",
            "::::",
            "+",
            "-",
            "!",
            "@",
            "@@",
            "+-!@",
            "A+",
            "+A+B+",
            "é",
            "\0",
            "DEFAULT",
            "DEFAULTX",
            "DEFAULT:",
            "@SECLEVEL=",
            "@SECLEVEL=-",
            "ALL+++",
            "ALL:+ALL:-ALL:!ALL:ALL",
            "HIGH!MD5",
            "\u{1F600}:HIGH",
        ] {
            let _ = expand(s);
            let _ = expand_tls13(s);
        }
        let bytes: String = (0u8..128).map(char::from).collect();
        let _ = expand(&bytes);
    }

    #[test]
    fn huge_input_is_fast() {
        let mut s = String::new();
        while s.len() < 1 << 20 {
            s.push_str("HIGH:!MD5:NOPE:-SHA1:+kRSA:");
        }
        let t = std::time::Instant::now();
        let e = expand(&s);
        assert!(!e.suites.is_empty());
        let big = "x".repeat(1 << 20);
        let _ = expand(&big);
        let _ = expand_tls13(&big);
        assert!(t.elapsed().as_secs() < 20, "took {:?}", t.elapsed());
    }
}

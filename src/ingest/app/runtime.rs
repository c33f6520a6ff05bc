//! The TLS defaults of the language runtimes an app server terminates TLS with (Python's `ssl`
//! module, Go's `crypto/tls`), by runtime version, and how option flags that turn protocol
//! versions off (`OP_NO_TLSv1`, `SSL_OP_NO_TLSv1_1`) combine with a minimum version.
//!
//! The scan rarely sees which runtime version runs the server, so the unknown rows are the worst
//! case among the versions in use and say how to make the code decide instead.

use crate::ingest::shared::gotls;
use crate::model::version::{versioned, Defaults, ProductVersion, Since};
use crate::model::{CipherList, Fact, ModelSpan, Origin};

/// The protocols of a Python `ssl.SSLContext` (and so `create_default_context`) whose
/// `minimum_version` is not set. Python 3.10 raised the default minimum to TLS 1.2 ("What's New
/// In Python 3.10", ssl: "SSLContext defaults to minimum protocol version TLS 1.2", bpo-43998).
pub const PYTHON_PROTOCOLS: Defaults<(&str, &str)> = Defaults {
    rows: &[
        Since {
            since: &[3, 10],
            value: ("TLSv1.2", "TLSv1.3"),
            note: "ssl module default: an SSLContext's minimum_version is TLS 1.2 (from Python 3.10)",
        },
        Since {
            since: &[],
            value: ("TLSv1", "TLSv1.3"),
            note: "ssl module default: an SSLContext's minimum_version is TLS 1.0 (before Python 3.10)",
        },
    ],
    unknown: Since {
        since: &[],
        value: ("TLSv1", "TLSv1.3"),
        note: "Python's ssl module: an SSLContext without minimum_version offers TLS 1.0 and 1.1 before Python 3.10 and TLS 1.2 from 3.10 (the Python version is unknown: the worst case is judged)",
    },
};

/// The TLS 1.2 cipher string of a Python `ssl.SSLContext` before `set_ciphers`
/// (`Modules/_ssl.c`, `PY_SSL_DEFAULT_CIPHER_STRING`; 3.10 replaced `DEFAULT:…` with an
/// ECDHE/DHE-only list that still holds CBC suites: `ECDH+AES`, `DHE+AES`).
pub const PYTHON_CIPHERS: Defaults<&str> = Defaults {
    rows: &[
        Since {
            since: &[3, 10],
            value: "@SECLEVEL=2:ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:DHE+AES:!aNULL:!eNULL:!aDSS:!SHA1:!AESCCM",
            note: "ssl module default cipher string (from Python 3.10)",
        },
        Since {
            since: &[],
            value: "DEFAULT:!aNULL:!eNULL:!MD5:!3DES:!DES:!RC4:!IDEA:!SEED:!aDSS:!SRP:!PSK",
            note: "ssl module default cipher string (Python 3.7 to 3.9)",
        },
    ],
    unknown: Since {
        since: &[],
        value: "DEFAULT:!aNULL:!eNULL:!MD5:!3DES:!DES:!RC4:!IDEA:!SEED:!aDSS:!SRP:!PSK",
        note: "Python's ssl module default cipher string (OpenSSL's DEFAULT up to Python 3.9; from 3.10 an ECDHE/DHE list that still holds CBC suites; the Python version is unknown: the worst case is judged)",
    },
};

/// The protocols of a Go `tls.Config` without `MinVersion`, as a server. Go 1.22 raised the
/// server minimum to TLS 1.2 (Go 1.22 release notes, crypto/tls; GODEBUG `tls10server`); the
/// `go` line of `go.mod` picks the GODEBUG defaults, so an older `go` line keeps TLS 1.0.
pub const GO_PROTOCOLS: Defaults<(&str, &str)> = Defaults {
    rows: &[
        Since {
            since: &[1, 22],
            value: ("TLSv1.2", "TLSv1.3"),
            note: "crypto/tls default: servers accept TLS 1.2 and later (from Go 1.22)",
        },
        Since {
            since: &[],
            value: ("TLSv1", "TLSv1.3"),
            note: "crypto/tls default: servers accept TLS 1.0 and later (before Go 1.22)",
        },
    ],
    unknown: Since {
        since: &[],
        value: ("TLSv1", "TLSv1.3"),
        note: "Go's crypto/tls: a server without MinVersion accepts TLS 1.0 and 1.1 before Go 1.22 (and with a go.mod go line older than 1.22, GODEBUG tls10server=1; the Go version is unknown: the worst case is judged)",
    },
};

/// The TLS 1.0–1.2 suites of a Go `tls.Config` without `CipherSuites` (`crypto/tls`
/// `defaults.go`): Go 1.22 dropped the static-RSA suites (GODEBUG `tlsrsakex`), Go 1.23 the 3DES
/// one (`tls3des`); the ECDHE CBC-SHA suites stay.
pub const GO_CIPHERS: Defaults<&[&str]> = Defaults {
    rows: &[
        Since {
            since: &[1, 23],
            value: gotls::CIPHER_SUITES_GO122,
            note: "crypto/tls default cipher suites (from Go 1.23): ECDHE with AES-GCM, ChaCha20 and AES-CBC-SHA",
        },
        Since {
            since: &[1, 22],
            value: GO122_DEFAULT,
            note: "crypto/tls default cipher suites (Go 1.22): ECDHE with AES-GCM, ChaCha20, AES-CBC-SHA and 3DES",
        },
        Since {
            since: &[],
            value: gotls::CIPHER_SUITES_OLD_GO,
            note: "crypto/tls default cipher suites (before Go 1.22): also static-RSA key exchange and 3DES",
        },
    ],
    unknown: Since {
        since: &[],
        value: gotls::CIPHER_SUITES_OLD_GO,
        note: "Go's crypto/tls default cipher suites, which hold CBC suites in every Go version and static-RSA and 3DES suites before Go 1.22 (the Go version is unknown: the worst case is judged)",
    },
};

/// Go 1.22's default TLS 1.0–1.2 suites: the 1.23 list plus ECDHE-RSA 3DES.
const GO122_DEFAULT: &[&str] = &[
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
];

/// The default protocols of a runtime at `span`, capped by an explicit maximum.
pub fn default_protocols(
    runtime: &ProductVersion,
    table: &Defaults<(&str, &str)>,
    max: Option<&str>,
    span: ModelSpan,
) -> Fact<Vec<String>> {
    versioned(runtime, table, span)
        .map(|(min, dmax)| gotls::protocol_range(min, max.unwrap_or(dmax)))
}

/// The default OpenSSL cipher string of a runtime at `span`.
pub fn default_openssl_ciphers(
    runtime: &ProductVersion,
    table: &Defaults<&str>,
    span: ModelSpan,
) -> Fact<CipherList> {
    versioned(runtime, table, span).map(CipherList::openssl)
}

/// Go's default TLS 1.0–1.2 suites at `span`.
pub fn default_go_ciphers(go: &ProductVersion, span: ModelSpan) -> Fact<CipherList> {
    versioned(go, &GO_CIPHERS, span)
        .map(|names| gotls::cipher_list("crypto/tls default cipher suites".into(), names))
}

/// The protocol version an OpenSSL option flag turns off: `OP_NO_TLSv1_1` (Python's `ssl`),
/// `SSL_OP_NO_TLSv1` (Node.js's `crypto.constants`).
pub fn flag_turns_off(name: &str) -> Option<&'static str> {
    let n = name.strip_prefix("SSL_").unwrap_or(name);
    match n.strip_prefix("OP_NO_")? {
        "SSLv3" => Some("SSLv3"),
        "TLSv1" => Some("TLSv1"),
        "TLSv1_1" => Some("TLSv1.1"),
        "TLSv1_2" => Some("TLSv1.2"),
        "TLSv1_3" => Some("TLSv1.3"),
        _ => None,
    }
}

/// A protocol version turned off by an option flag, with the flag as written and where.
#[derive(Debug, Clone)]
pub struct TurnedOff {
    pub version: &'static str,
    pub flag: String,
    pub span: ModelSpan,
}

/// Versions below TLS 1.2 that a TLS library still offers when nothing turns them off (SSL 3 is
/// off in every build the runtimes ship).
const OLD: &[&str] = &["TLSv1", "TLSv1.1"];

/// The protocols `range` offers once the flags of `off` have turned versions off. The flags
/// decide the lowest version offered (the fact then cites the flag and depends on no default)
/// when the minimum is a default and they turn off both TLS 1.0 and 1.1, or when they raise an
/// explicit minimum.
pub fn without_turned_off(range: Fact<Vec<String>>, off: &[TurnedOff]) -> Fact<Vec<String>> {
    let is_off = |p: &str| off.iter().any(|o| o.version == p);
    let kept: Vec<String> = range.value.iter().filter(|p| !is_off(p)).cloned().collect();
    let floor = kept.first().map(|p| rank(p)).unwrap_or(usize::MAX);
    // One flag per version: the last one written.
    let below: Vec<&TurnedOff> = OLD
        .iter()
        .filter(|p| rank(p) < floor)
        .filter_map(|p| off.iter().rev().find(|o| o.version == *p))
        .collect();
    let raised = kept.first() != range.value.first();
    let decides = match range.origin {
        Origin::Explicit => raised,
        // A default minimum is TLS 1.0 or TLS 1.2 depending on the runtime version: only
        // flags that turn both old versions off make the result independent of it.
        _ => OLD.iter().all(|p| is_off(p)),
    };
    let Some(decisive) = below.iter().max_by_key(|o| rank(o.version)) else {
        return Fact {
            value: kept,
            ..range
        };
    };
    if !decides {
        return Fact {
            value: kept,
            ..range
        };
    }
    let flags: Vec<String> = below
        .iter()
        .map(|o| format!("{} at {}:{}", o.flag, o.span.file, o.span.line))
        .collect();
    Fact::explicit(kept, decisive.span.clone())
        .with_note(format!("turned off by {}", flags.join(", ")))
}

fn rank(p: &str) -> usize {
    ["SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
        .iter()
        .position(|x| *x == p)
        .unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(line: u32) -> ModelSpan {
        ModelSpan {
            file: "s.py".into(),
            line,
            column: 1,
            via: vec![],
        }
    }

    fn off(v: &'static str, line: u32) -> TurnedOff {
        TurnedOff {
            version: v,
            flag: format!("OP_NO_{v}"),
            span: span(line),
        }
    }

    #[test]
    fn flags_that_turn_off_every_old_version_decide_over_a_default() {
        let range = Fact::default(gotls::protocol_range("TLSv1.2", "TLSv1.3"), span(1), "d");
        let f = without_turned_off(range, &[off("TLSv1", 4), off("TLSv1.1", 5)]);
        assert_eq!(f.origin, Origin::Explicit);
        assert_eq!(f.span.line, 5);
        assert_eq!(f.value, ["TLSv1.2", "TLSv1.3"]);
        assert!(f.note.unwrap_or_default().contains("s.py:4"));
    }

    #[test]
    fn a_flag_that_leaves_an_old_version_on_decides_nothing() {
        let mut range = Fact::default(gotls::protocol_range("TLSv1", "TLSv1.3"), span(1), "d");
        range.version_dependent = true;
        let f = without_turned_off(range, &[off("TLSv1", 4)]);
        assert_eq!(f.origin, Origin::Default);
        assert!(f.version_dependent);
        assert_eq!(f.value, ["TLSv1.1", "TLSv1.2", "TLSv1.3"]);
    }

    #[test]
    fn flags_below_an_explicit_minimum_leave_it_cited() {
        let range = Fact::explicit(gotls::protocol_range("TLSv1.2", "TLSv1.3"), span(2));
        let f = without_turned_off(range, &[off("TLSv1", 4), off("TLSv1.1", 4)]);
        assert_eq!(f.span.line, 2);
        let raised = Fact::explicit(gotls::protocol_range("TLSv1.1", "TLSv1.3"), span(2));
        let f = without_turned_off(raised, &[off("TLSv1.1", 6)]);
        assert_eq!((f.span.line, f.value.len()), (6, 2));
    }

    #[test]
    fn option_flag_names() {
        assert_eq!(flag_turns_off("OP_NO_TLSv1_1"), Some("TLSv1.1"));
        assert_eq!(flag_turns_off("SSL_OP_NO_TLSv1"), Some("TLSv1"));
        assert_eq!(flag_turns_off("OP_NO_COMPRESSION"), None);
        assert_eq!(flag_turns_off("OP_NO_SSLv2"), None);
    }
}

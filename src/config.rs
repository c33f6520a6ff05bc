//! `tlsproof.toml`: what the configuration files cannot say about themselves.
//!
//! Read from the scan root. Declares the environment, product versions (which decide
//! version-dependent defaults), the profile and exclude globs. Command-line flags override it.

use serde::Deserialize;
use std::path::Path;

/// The parsed `tlsproof.toml`. Unknown keys are rejected so that typos do not silently change
/// a verdict.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// production | development | test | unknown
    pub environment: Option<crate::settings::Environment>,
    /// msss | strict
    pub profile: Option<crate::settings::Profile>,
    /// Globs (relative to the scan root) of files and folders to skip.
    #[serde(default)]
    pub exclude: Vec<String>,
    #[serde(default)]
    pub nginx: ProductSection,
    #[serde(default)]
    pub caddy: ProductSection,
    #[serde(default)]
    pub traefik: ProductSection,
    #[serde(default)]
    pub kubernetes: KubernetesSection,
    #[serde(default)]
    pub exceptions: ExceptionsSection,
    #[serde(default)]
    pub trust: TrustSection,
    #[serde(default)]
    pub limits: LimitsSection,
}

/// How much one scan reads.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsSection {
    /// The most bytes of configuration the scan reads under its roots; the files after it are
    /// LIMIT_EXCEEDED findings, not read. Default [`crate::source::MAX_SCAN_BYTES`] (256 MiB).
    pub max_scan_bytes: Option<u64>,
}

impl LimitsSection {
    pub fn max_scan_bytes(&self) -> u64 {
        self.max_scan_bytes.unwrap_or(crate::source::MAX_SCAN_BYTES)
    }
}

/// How exception claims (`tlsproof-exceptions.yaml`) are judged.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExceptionsSection {
    /// Longest claim lifetime (expires − created) in days; default 365.
    pub max_exception_days: Option<u32>,
    /// Days before expiry from which a claim is reported as expiring; default 30.
    pub warn_days: Option<u32>,
    /// Requirements no waiver (compensating control, risk acceptance, air-gapped or
    /// test-environment attestation) may cover, e.g. `["NET03-E2E"]`.
    #[serde(default)]
    pub non_waivable: Vec<String>,
}

/// What certificate chains are validated against.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustSection {
    /// Use the operating system's CA bundle (default true).
    #[serde(default = "yes")]
    pub system: bool,
    /// PEM files of trusted CAs (or explicitly trusted certificates), relative to the folder of
    /// `tlsproof.toml`.
    #[serde(default)]
    pub ca_files: Vec<String>,
    /// `sha256/<base64>` SPKI pins: a certificate with a pinned key is explicitly trusted.
    #[serde(default)]
    pub pins: Vec<String>,
}

impl Default for TrustSection {
    fn default() -> Self {
        TrustSection {
            system: true,
            ca_files: Vec::new(),
            pins: Vec::new(),
        }
    }
}

fn yes() -> bool {
    true
}

/// What Kubernetes manifests cannot say about the cluster they are applied to.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KubernetesSection {
    /// The ingress-nginx controller version, e.g. "1.11.2" (decides its defaults).
    pub ingress_nginx_version: Option<String>,
    /// The ingress-nginx controller ConfigMap as "namespace/name", when its name is not the
    /// usual `ingress-nginx-controller`.
    pub controller_configmap: Option<String>,
}

/// A product's declared facts.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductSection {
    /// The product version, e.g. "1.27.3".
    pub version: Option<String>,
}

/// The file name looked for at the scan root.
pub const FILE_NAME: &str = "tlsproof.toml";

/// Errors reading `tlsproof.toml`: these stop the scan (exit 2), because a misread declaration
/// would change verdicts.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}:{line}:{column}: {message}")]
    Parse {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
}

impl Config {
    /// Loads `tlsproof.toml` from `root` if it exists.
    pub fn load(root: &Path) -> Result<Option<Config>, ConfigError> {
        let path = root.join(FILE_NAME);
        // A refused file is reported by the scan (`pipeline::settings_file`), never read.
        if !path.is_file() || crate::source::refused_at_root(&path, root).is_some() {
            return Ok(None);
        }
        let raw =
            crate::source::read_regular(&path, crate::source::MAX_FILE_BYTES).map_err(|e| {
                ConfigError::Read {
                    path: path.display().to_string(),
                    source: match e {
                        crate::source::Unread::Io(e) => e,
                        other => std::io::Error::other(other.to_string()),
                    },
                }
            })?;
        let text = String::from_utf8(raw).map_err(|_| ConfigError::Read {
            path: path.display().to_string(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, "not valid UTF-8"),
        })?;
        Self::parse(&text, &path.display().to_string()).map(Some)
    }

    /// Parses the text of a `tlsproof.toml`.
    pub fn parse(text: &str, path: &str) -> Result<Config, ConfigError> {
        toml::from_str::<Config>(text).map_err(|e| {
            let (line, column) = e.span().map(|r| line_col(text, r.start)).unwrap_or((1, 1));
            ConfigError::Parse {
                path: path.to_string(),
                line,
                column,
                message: e.message().to_string(),
            }
        })
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, column)
}

/// Checks that a version string looks like `1.27.3` and returns its numeric parts.
pub fn parse_version(v: &str) -> Option<Vec<u32>> {
    let parts: Option<Vec<u32>> = v.trim().split('.').map(|p| p.parse().ok()).collect();
    parts.filter(|p| !p.is_empty() && p.len() <= 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_unknown_keys_with_position() {
        let err = Config::parse("[nginx]\nversoin = \"1.2\"\n", "tlsproof.toml").unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("tlsproof.toml:2:1:"), "{text}");
    }

    #[test]
    fn reads_trust() {
        let c = Config::parse(
            "[trust]\nsystem = false\nca_files = [\"pki/ca.pem\"]\npins = [\"sha256/AAAA\"]\n",
            "t",
        )
        .unwrap();
        assert!(!c.trust.system);
        assert_eq!(c.trust.ca_files, vec!["pki/ca.pem".to_string()]);
        assert!(Config::parse("", "t").unwrap().trust.system);
    }

    #[test]
    fn reads_versions() {
        let c = Config::parse(
            "environment = \"production\"\n[nginx]\nversion = \"1.27.3\"\n",
            "t",
        )
        .unwrap();
        assert_eq!(c.nginx.version.as_deref(), Some("1.27.3"));
        assert_eq!(parse_version("1.27.3"), Some(vec![1, 27, 3]));
        assert_eq!(parse_version("latest"), None);
    }
}

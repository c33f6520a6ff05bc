//! Real servers for the live probe tests, on loopback high ports: a private PKI made with
//! `openssl` (root CA, intermediate, leaves with chosen validity dates), nginx on a given
//! configuration and Caddy on a given Caddyfile. Every server is stopped when its guard drops;
//! startup is awaited by polling its ports against a deadline.

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The longest a server may take to start (polled, so a fast start costs no more).
const STARTUP: Duration = Duration::from_secs(20);

use crate::common::openssl;

/// A new P-256 key `<name>.key` and a signing request `<name>.csr` for `subject`.
fn key_and_request(dir: &Path, name: &str, subject: &str) {
    let (key, csr) = (format!("{name}.key"), format!("{name}.csr"));
    openssl(
        dir,
        &[
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            &key,
            "-out",
            &csr,
            "-subj",
            subject,
        ],
    );
}

/// When a certificate is valid.
pub(super) enum Validity {
    /// From now for this many days.
    Days(u32),
    /// Between two times, `YYYYMMDDHHMMSSZ` (`openssl ca -startdate/-enddate`).
    Between(&'static str, &'static str),
}

/// A private PKI in a folder: a self-signed root CA (`root.pem`), an intermediate CA it issues
/// (`intermediate.pem`), and the server certificates the intermediate issues with `openssl ca`,
/// which, unlike `openssl x509 -req`, takes any validity dates (an expired leaf).
pub(super) struct Pki {
    dir: PathBuf,
}

/// A server certificate issued by the intermediate.
pub(super) struct Leaf {
    pub cert: PathBuf,
    pub key: PathBuf,
    /// The leaf, then the intermediate: what a server sends.
    pub chain: PathBuf,
}

const CA_CONF: &str = "[ca]\ndefault_ca = test\n[test]\ndatabase = ca/index.txt\nnew_certs_dir = ca\nserial = ca/serial\ndefault_md = sha256\npolicy = any\nunique_subject = no\n[any]\ncommonName = supplied\n";
const CA_EXT: &str =
    "basicConstraints = critical, CA:TRUE, pathlen:0\nkeyUsage = critical, keyCertSign, cRLSign\n";

impl Pki {
    pub fn new(dir: &Path) -> Pki {
        let ca = dir.join("ca");
        std::fs::create_dir_all(&ca).unwrap();
        std::fs::write(ca.join("index.txt"), "").unwrap();
        std::fs::write(ca.join("serial"), "01\n").unwrap();
        std::fs::write(dir.join("ca.cnf"), CA_CONF).unwrap();
        std::fs::write(dir.join("ca.ext"), CA_EXT).unwrap();
        openssl(
            dir,
            &[
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                "root.key",
                "-out",
                "root.pem",
                "-days",
                "30",
                "-subj",
                "/CN=tlsproof test root CA",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
        );
        key_and_request(dir, "intermediate", "/CN=tlsproof test intermediate CA");
        let pki = Pki {
            dir: dir.to_path_buf(),
        };
        pki.issue("root", "intermediate", "ca.ext", &Validity::Days(30));
        pki
    }

    pub fn root(&self) -> PathBuf {
        self.dir.join("root.pem")
    }

    pub fn intermediate(&self) -> PathBuf {
        self.dir.join("intermediate.pem")
    }

    /// `<name>.pem` for the request `<name>.csr`, issued by the CA `<issuer>.pem`.
    fn issue(&self, issuer: &str, name: &str, ext: &str, validity: &Validity) {
        let (cert, key) = (format!("{issuer}.pem"), format!("{issuer}.key"));
        let (csr, out) = (format!("{name}.csr"), format!("{name}.pem"));
        let mut args = vec![
            "ca", "-batch", "-notext", "-config", "ca.cnf", "-cert", &cert, "-keyfile", &key,
            "-in", &csr, "-out", &out, "-extfile", ext,
        ];
        let days;
        match validity {
            Validity::Days(n) => {
                days = n.to_string();
                args.extend(["-days", &days]);
            }
            Validity::Between(from, to) => args.extend(["-startdate", from, "-enddate", to]),
        }
        openssl(&self.dir, &args);
    }

    /// A server certificate for `host` (subjectAltName, serverAuth), saved as `<name>.pem`
    /// with its key and the chain `<name>-chain.pem`.
    pub fn leaf(&self, name: &str, host: &str, validity: Validity) -> Leaf {
        key_and_request(&self.dir, name, &format!("/CN={host}"));
        let ext = format!("{name}.ext");
        std::fs::write(
            self.dir.join(&ext),
            format!("basicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = serverAuth\nsubjectAltName = DNS:{host}\n"),
        )
        .unwrap();
        self.issue("intermediate", name, &ext, &validity);
        let cert = self.dir.join(format!("{name}.pem"));
        let chain = self.dir.join(format!("{name}-chain.pem"));
        let mut pem = std::fs::read_to_string(&cert).unwrap();
        pem.push_str(&std::fs::read_to_string(self.intermediate()).unwrap());
        std::fs::write(&chain, pem).unwrap();
        Leaf {
            cert,
            key: self.dir.join(format!("{name}.key")),
            chain,
        }
    }
}

/// `sha256/<base64>` of a certificate's SubjectPublicKeyInfo, computed by `openssl` alone:
/// the reference for the pins the probe reports.
pub(super) fn pin_of(cert: &Path) -> String {
    let out = Command::new("sh")
        .args([
            "-c",
            "openssl x509 -in \"$1\" -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256 -binary | openssl base64 -A",
            "sh",
        ])
        .arg(cert)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    format!("sha256/{}", String::from_utf8(out.stdout).unwrap().trim())
}

/// Polls until `ready` holds, failing the test with `log()` after [`STARTUP`].
fn await_ready(what: &str, mut ready: impl FnMut() -> bool, log: impl Fn() -> String) {
    let start = Instant::now();
    while !ready() {
        assert!(
            start.elapsed() < STARTUP,
            "{what} did not start within {} s: {}",
            STARTUP.as_secs(),
            log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn accepts(port: u16) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
}

/// A child process killed (and reaped) when dropped.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// nginx in the foreground on a configuration file, without a master process (a killed master
/// leaves its workers serving); stopped when dropped.
pub(super) struct Nginx {
    _child: Guard,
}

/// An nginx configuration whose pid file and error log are in `dir`, with `servers` (server
/// blocks, indented by four) in its `http` block. The servers start at line 6.
pub(super) fn nginx_conf(dir: &Path, servers: &str) -> String {
    let d = dir.display();
    format!("pid {d}/nginx.pid;\nerror_log {d}/error.log;\nevents {{}}\nhttp {{\n  access_log off;\n{servers}}}\n")
}

impl Nginx {
    /// Starts nginx on `conf` (its prefix `dir`) and waits until each of `ports` accepts on
    /// 127.0.0.1.
    pub fn start(dir: &Path, conf: &Path, ports: &[u16]) -> Nginx {
        let child = Command::new("nginx")
            .arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(conf)
            // One process: killing it leaves no worker behind, still listening.
            .args(["-g", "daemon off; master_process off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let n = Nginx {
            _child: Guard(child),
        };
        await_ready(
            "nginx",
            || ports.iter().all(|p| accepts(*p)),
            || std::fs::read_to_string(dir.join("error.log")).unwrap_or_default(),
        );
        n
    }
}

/// Caddy in the foreground on a Caddyfile, its data (the internal CA among it) and
/// configuration under its own folder; stopped when dropped.
pub(super) struct Caddy {
    _child: Guard,
    home: PathBuf,
}

impl Caddy {
    /// Starts Caddy on `caddyfile` with `HOME`, `XDG_DATA_HOME` and `XDG_CONFIG_HOME` in
    /// `home`, and waits until it serves a certificate for `host` on 127.0.0.1:`https` (Caddy
    /// listens before its internal CA has issued the certificate) and `http` accepts.
    pub fn start(home: &Path, caddyfile: &Path, host: &str, https: u16, http: u16) -> Caddy {
        let log = home.join("caddy.log");
        let child = Command::new("caddy")
            .args(["run", "--adapter", "caddyfile", "--config"])
            .arg(caddyfile)
            .env("HOME", home)
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_CONFIG_HOME", home.join("config"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let c = Caddy {
            _child: Guard(child),
            home: home.to_path_buf(),
        };
        let addr = SocketAddr::from(([127, 0, 0, 1], https));
        await_ready(
            "caddy",
            || {
                accepts(http)
                    && tlsproof::probe::served_chain(addr, Some(host), Duration::from_millis(500))
                        .is_ok_and(|c| !c.is_empty())
            },
            || std::fs::read_to_string(&log).unwrap_or_default(),
        );
        c
    }

    /// Starts Caddy on a Caddyfile that serves plaintext only, and waits until `http` accepts.
    pub fn start_plain(home: &Path, caddyfile: &Path, http: u16) -> Caddy {
        let log = home.join("caddy.log");
        let child = Command::new("caddy")
            .args(["run", "--adapter", "caddyfile", "--config"])
            .arg(caddyfile)
            .env("HOME", home)
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_CONFIG_HOME", home.join("config"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let c = Caddy {
            _child: Guard(child),
            home: home.to_path_buf(),
        };
        await_ready(
            "caddy",
            || accepts(http),
            || std::fs::read_to_string(&log).unwrap_or_default(),
        );
        c
    }

    /// The root certificate of Caddy's internal CA (`tls internal`).
    pub fn root(&self) -> PathBuf {
        self.home.join("data/caddy/pki/authorities/local/root.crt")
    }

    /// The intermediate certificate of Caddy's internal CA, which issues the leaves.
    pub fn intermediate(&self) -> PathBuf {
        self.home
            .join("data/caddy/pki/authorities/local/intermediate.crt")
    }

    /// The certificate the internal CA issued for `host` (leaf first).
    pub fn certificate(&self, host: &str) -> PathBuf {
        self.home
            .join(format!("data/caddy/certificates/local/{host}/{host}.crt"))
    }
}

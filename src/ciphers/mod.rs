pub struct Suite {
    pub name: &'static str,
    pub iana: &'static str,
    pub id: u16,
    pub version: &'static str,
    pub kx: &'static str,
    pub au: &'static str,
    pub enc: &'static str,
    pub bits: u16,
    pub mac: &'static str,
    pub aead: bool,
    pub export: bool,
}
pub struct Expansion {
    pub suites: Vec<&'static Suite>,
    pub unknown: Vec<String>,
    pub seclevel: Option<u8>,
}
pub fn expand(_spec: &str) -> Expansion {
    Expansion {
        suites: vec![],
        unknown: vec![],
        seclevel: None,
    }
}
pub fn expand_tls13(_spec: &str) -> Expansion {
    Expansion {
        suites: vec![],
        unknown: vec![],
        seclevel: None,
    }
}
pub fn tls13_default() -> Vec<&'static Suite> {
    vec![]
}

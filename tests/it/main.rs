//! The integration tests: one binary (each test module links the whole library once).

#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod common;

mod attest;
mod caddy;
mod caddy_oracle;
mod certificates;
mod ci_examples;
mod cli;
mod cli_cases;
mod corpus;
mod exceptions;
mod fixtures;
mod fuzz_regressions;
mod hostile;
mod html;
mod kubernetes;
mod mcp_app_configs;
mod mcp_apps;
mod mcp_clients;
mod merge;
mod messages;
mod nginx_requirements;
mod observations;
mod openssl_ciphers;
mod oscal;
mod parse_errors;
mod policy_rego;
mod probe;
mod probe_servers;
mod project_root;
mod replay;
mod requirements_registry;
mod secrets;
mod servers;
mod snapshots;
mod traefik;
mod traefik_keys;
mod views;

//! The policy input cut into independent pieces, each evaluated on its own (and in parallel).
//!
//! Every requirement judges endpoints one at a time: a result about an endpoint depends on that
//! endpoint and on the scan-wide tables (suites, trust, products, time), never on another
//! endpoint. So the endpoints are cut into pieces of a few dozen, and each piece carries the
//! whole input except the other endpoints, and the observations and certificate facts that
//! belong to them (policies join those to an endpoint by its id or its certificate paths).
//! One more piece, with no endpoint at all, carries what is judged apart from endpoints: the
//! client configs and the red flags. A result therefore comes from exactly one piece, and the
//! results of all pieces are the results of the whole input (`policies/README.md` states this
//! contract for added policies; a test compares both ways over every fixture).
//!
//! A piece costs time proportional to its own size, so the whole stays linear in the number of
//! endpoints however a policy joins them, and the engine's result sets stay small.

use regorus::Value;

/// Endpoints per piece, unless `TLSPROOF_POLICY_PIECE` says otherwise (the tests set it to 1
/// to prove that pieces do not change results).
const DEFAULT_SIZE: usize = 64;

/// What each piece holds of the scan-wide lists that are judged apart from endpoints: only the
/// piece without endpoints keeps them.
const APART_FROM_ENDPOINTS: &[&str] = &["clients", "red_flags"];

/// Lists whose items belong to one endpoint, by its id (`endpoint`).
const BY_ENDPOINT_ID: &[&str] = &["observations"];

/// Lists whose items describe a certificate file named by endpoints, by its path (`path`).
const BY_CERTIFICATE_PATH: &[&str] = &["certificates", "unread_certificates"];

/// The number of endpoints per piece.
pub fn size() -> usize {
    std::env::var("TLSPROOF_POLICY_PIECE")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(DEFAULT_SIZE)
}

/// How the input is cut: the scan-wide part made once, and the lists joined to endpoints
/// indexed by their key. The endpoints themselves are made into engine values piece by piece
/// ([`Plan::piece`]), when a piece is judged, so that only the pieces being judged are held as
/// values, never the whole model a second time.
pub struct Plan {
    /// The input without its endpoints.
    whole: regorus::value::Object,
    by_id: Vec<Joined>,
    by_path: Vec<Joined>,
}

impl Plan {
    /// `whole`: the input without endpoints (an object; anything else makes an empty plan).
    pub fn new(whole: &Value) -> Plan {
        let mut object = whole.as_object().cloned().unwrap_or_default();
        object.remove(&Value::from("endpoints"));
        // Each joined list indexed once by its key, so that a piece costs its own size.
        Plan {
            by_id: BY_ENDPOINT_ID
                .iter()
                .map(|key| Joined::new(whole, key, "endpoint"))
                .collect(),
            by_path: BY_CERTIFICATE_PATH
                .iter()
                .map(|key| Joined::new(whole, key, "path"))
                .collect(),
            whole: object,
        }
    }

    /// The piece without endpoints: what is judged apart from them.
    pub fn apart(&self) -> Value {
        let mut apart = self.whole.clone();
        apart.insert(Value::from("endpoints"), Value::from(Vec::new()));
        Value::from(apart)
    }

    /// The piece of `endpoints` (engine values of the model's endpoints): the scan-wide tables,
    /// those endpoints and the items of the joined lists that belong to them.
    pub fn piece(&self, endpoints: Vec<Value>) -> Value {
        let mut piece = self.whole.clone();
        for key in APART_FROM_ENDPOINTS {
            if piece.contains_key(&Value::from(*key)) {
                piece.insert(Value::from(*key), Value::from(Vec::new()));
            }
        }
        let ids: Vec<&Value> = endpoints.iter().map(|ep| &ep["id"]).collect();
        for joined in &self.by_id {
            joined.keep(&mut piece, &ids);
        }
        let paths = certificate_paths(&endpoints);
        for joined in &self.by_path {
            joined.keep(&mut piece, &paths);
        }
        piece.insert(Value::from("endpoints"), Value::from(endpoints));
        Value::from(piece)
    }
}

/// A list of the input whose items belong to endpoints by one field, indexed by that field.
struct Joined {
    /// The list's name in the input.
    list: &'static str,
    /// The list as the input holds it; `None` when the input has no such list.
    items: Option<Vec<Value>>,
    /// The positions of the items, by the value of their field.
    positions: std::collections::BTreeMap<Value, Vec<usize>>,
}

impl Joined {
    fn new(input: &Value, list: &'static str, field: &str) -> Self {
        let items = input[list].as_array().ok().map(|a| a.to_vec());
        let mut positions: std::collections::BTreeMap<Value, Vec<usize>> = Default::default();
        for (i, item) in items.iter().flatten().enumerate() {
            positions.entry(item[field].clone()).or_default().push(i);
        }
        Joined {
            list,
            items,
            positions,
        }
    }

    /// Gives `piece` the items whose field is one of `keys`, in the input's order.
    fn keep(&self, piece: &mut regorus::value::Object, keys: &[&Value]) {
        let Some(items) = &self.items else {
            return;
        };
        let mut kept: Vec<usize> = keys
            .iter()
            .filter_map(|k| self.positions.get(*k))
            .flatten()
            .copied()
            .collect();
        kept.sort_unstable();
        kept.dedup();
        let kept: Vec<Value> = kept
            .into_iter()
            .filter_map(|i| items.get(i).cloned())
            .collect();
        piece.insert(Value::from(self.list), Value::from(kept));
    }
}

/// The certificate paths the endpoints of a piece name.
fn certificate_paths(endpoints: &[Value]) -> Vec<&Value> {
    endpoints
        .iter()
        .filter_map(|ep| ep["tls"]["certificates"].as_array().ok())
        .flat_map(|certs| certs.iter().map(|c| &c["path"]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whole input cut as the policy module cuts it: the piece without endpoints first.
    fn cut(input: &Value, size: usize) -> Vec<Value> {
        let plan = Plan::new(input);
        let endpoints = input["endpoints"]
            .as_array()
            .map(|a| a.to_vec())
            .unwrap_or_default();
        std::iter::once(plan.apart())
            .chain(endpoints.chunks(size).map(|c| plan.piece(c.to_vec())))
            .collect()
    }

    fn input() -> Value {
        Value::from_json_str(
            r#"{
              "endpoints": [
                {"id": "a", "tls": {"certificates": [{"path": "a.pem"}]}},
                {"id": "b", "tls": {"certificates": []}},
                {"id": "c", "tls": {"certificates": [{"path": "c.pem"}]}}
              ],
              "clients": [{"id": "client"}],
              "red_flags": [{"id": "flag"}],
              "observations": [{"endpoint": "a"}, {"endpoint": "c"}, {"endpoint": "gone"}],
              "certificates": [{"path": "a.pem"}, {"path": "c.pem"}],
              "cipher_suites": {"X": {"name": "X"}}
            }"#,
        )
        .unwrap()
    }

    fn ids(piece: &Value, key: &str, field: &str) -> Vec<String> {
        piece[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i[field].as_string().unwrap().to_string())
            .collect()
    }

    #[test]
    fn each_endpoint_is_in_one_piece_with_what_belongs_to_it() {
        let pieces = cut(&input(), 2);
        assert_eq!(pieces.len(), 3);
        let apart = &pieces[0];
        assert!(apart["endpoints"].as_array().unwrap().is_empty());
        assert_eq!(ids(apart, "clients", "id"), ["client"]);
        assert_eq!(ids(apart, "observations", "endpoint"), ["a", "c", "gone"]);

        assert_eq!(ids(&pieces[1], "endpoints", "id"), ["a", "b"]);
        assert_eq!(ids(&pieces[1], "observations", "endpoint"), ["a"]);
        assert_eq!(ids(&pieces[1], "certificates", "path"), ["a.pem"]);
        assert!(pieces[1]["clients"].as_array().unwrap().is_empty());
        assert!(pieces[1]["red_flags"].as_array().unwrap().is_empty());

        assert_eq!(ids(&pieces[2], "endpoints", "id"), ["c"]);
        assert_eq!(ids(&pieces[2], "observations", "endpoint"), ["c"]);
        assert_eq!(ids(&pieces[2], "certificates", "path"), ["c.pem"]);
        assert_eq!(pieces[2]["cipher_suites"], input()["cipher_suites"]);
    }

    #[test]
    fn an_input_without_endpoints_is_the_piece_apart() {
        let v = Value::from_json_str(r#"{"clients": [{"id": "client"}]}"#).unwrap();
        let pieces = cut(&v, 2);
        assert_eq!(pieces.len(), 1);
        assert_eq!(ids(&pieces[0], "clients", "id"), ["client"]);
        assert!(pieces[0]["endpoints"].as_array().unwrap().is_empty());
    }
}

//! The policies' input, built straight from the model: a `serde` serializer whose output is the
//! engine's value, so that the model is never held a second time as a JSON document or text.
//! Long lists of strings that repeat (the suite names of a cipher configuration that hundreds
//! of endpoints share) become one shared value, and so does every string that repeats (object
//! keys, file names, origins): the input of 10,000 endpoints holds each once.

use regorus::Value;
use serde::ser::{self, Serialize};
use std::collections::{BTreeMap, HashMap};

/// A list of strings this long or longer is shared with every equal list.
const SHARED_LIST_MIN: usize = 8;

/// `value` as the engine's input value: the same value as parsing `serde_json::to_string(value)`.
pub fn to_input<T: Serialize + ?Sized>(value: &T) -> Result<Value, Error> {
    to_input_without(value, &[])
}

/// [`to_input`] without the fields `skip` of `value` (a struct): the model without its
/// endpoints, never made into values only to be dropped.
pub fn to_input_without<T: Serialize + ?Sized>(
    value: &T,
    skip: &'static [&'static str],
) -> Result<Value, Error> {
    let mut shared = Shared::default();
    value.serialize(ToValue {
        shared: &mut shared,
        skip,
    })
}

/// The values made so far that equal values share.
#[derive(Default)]
struct Shared {
    /// Long string lists, by their items joined with NUL.
    lists: HashMap<String, Value>,
    /// Every string made.
    strings: std::collections::HashSet<regorus::Rc<str>>,
}

impl Shared {
    /// `s` as a value, sharing the text with every equal string made before.
    fn string(&mut self, s: &str) -> Value {
        if let Some(made) = self.strings.get(s) {
            return Value::String(made.clone());
        }
        let made: regorus::Rc<str> = regorus::Rc::from(s);
        self.strings.insert(made.clone());
        Value::String(made)
    }
}

/// Why a value could not be converted (a map key that is not a string, a number JSON cannot
/// hold).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Error(String);

impl ser::Error for Error {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

/// Serializes one value; `shared` holds the long string lists already made, `skip` the fields
/// of this value (a struct) to leave out.
struct ToValue<'a> {
    shared: &'a mut Shared,
    skip: &'static [&'static str],
}

impl<'a> ser::Serializer for ToValue<'a> {
    type Ok = Value;
    type Error = Error;
    type SerializeSeq = Seq<'a>;
    type SerializeTuple = Seq<'a>;
    type SerializeTupleStruct = Seq<'a>;
    type SerializeTupleVariant = Variant<Seq<'a>>;
    type SerializeMap = Map<'a>;
    type SerializeStruct = Map<'a>;
    type SerializeStructVariant = Variant<Map<'a>>;

    fn serialize_bool(self, v: bool) -> Result<Value, Error> {
        Ok(Value::from(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Value, Error> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i16(self, v: i16) -> Result<Value, Error> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i32(self, v: i32) -> Result<Value, Error> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i64(self, v: i64) -> Result<Value, Error> {
        // As serde_json reads numbers: non-negative integers as unsigned.
        Ok(match u64::try_from(v) {
            Ok(u) => Value::from(u),
            Err(_) => Value::from(v),
        })
    }
    fn serialize_u8(self, v: u8) -> Result<Value, Error> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u16(self, v: u16) -> Result<Value, Error> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u32(self, v: u32) -> Result<Value, Error> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u64(self, v: u64) -> Result<Value, Error> {
        Ok(Value::from(v))
    }
    fn serialize_f32(self, v: f32) -> Result<Value, Error> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<Value, Error> {
        if !v.is_finite() {
            // JSON has no NaN or infinity: serde_json writes null.
            return Ok(Value::Null);
        }
        Ok(Value::from(v))
    }
    fn serialize_char(self, v: char) -> Result<Value, Error> {
        Ok(Value::from(v.to_string().as_str()))
    }
    fn serialize_str(self, v: &str) -> Result<Value, Error> {
        Ok(self.shared.string(v))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Value, Error> {
        Ok(Value::from(
            v.iter()
                .map(|b| Value::from(u64::from(*b)))
                .collect::<Vec<_>>(),
        ))
    }
    fn serialize_none(self) -> Result<Value, Error> {
        Ok(Value::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Value, Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Value, Error> {
        Ok(Value::Null)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Value, Error> {
        Ok(Value::Null)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<Value, Error> {
        Ok(Value::from(variant))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<Value, Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Value, Error> {
        let inner = value.serialize(self)?;
        Ok(Value::from(BTreeMap::from([(Value::from(variant), inner)])))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Seq<'a>, Error> {
        Ok(Seq {
            shared: self.shared,
            items: Vec::with_capacity(len.unwrap_or(0)),
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Seq<'a>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Seq<'a>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Variant<Seq<'a>>, Error> {
        Ok(Variant {
            variant,
            inner: self.serialize_seq(Some(len))?,
        })
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Map<'a>, Error> {
        Ok(Map {
            shared: self.shared,
            entries: BTreeMap::new(),
            key: None,
            skip: self.skip,
        })
    }
    fn serialize_struct(self, _: &'static str, len: usize) -> Result<Map<'a>, Error> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Variant<Map<'a>>, Error> {
        Ok(Variant {
            variant,
            inner: self.serialize_map(Some(len))?,
        })
    }
}

/// A list being built.
pub struct Seq<'a> {
    shared: &'a mut Shared,
    items: Vec<Value>,
}

impl Seq<'_> {
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let item = value.serialize(ToValue {
            shared: self.shared,
            skip: &[],
        })?;
        self.items.push(item);
        Ok(())
    }

    fn finish(self) -> Value {
        let Some(key) = string_list_key(&self.items) else {
            return Value::from(self.items);
        };
        self.shared
            .lists
            .entry(key)
            .or_insert_with(|| Value::from(self.items))
            .clone()
    }
}

/// The identity of a long list of strings, or `None` for any other list.
fn string_list_key(items: &[Value]) -> Option<String> {
    if items.len() < SHARED_LIST_MIN {
        return None;
    }
    let mut key = String::with_capacity(items.len() * 24);
    for item in items {
        let Value::String(s) = item else {
            return None;
        };
        key.push_str(s);
        key.push('\u{0}');
    }
    Some(key)
}

/// The three list-like forms serde knows (sequence, tuple, tuple struct) are one list here.
macro_rules! list_form {
    ($trait:ident, $method:ident) => {
        impl ser::$trait for Seq<'_> {
            type Ok = Value;
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                self.push(value)
            }
            fn end(self) -> Result<Value, Error> {
                Ok(self.finish())
            }
        }
    };
}

list_form!(SerializeSeq, serialize_element);
list_form!(SerializeTuple, serialize_element);
list_form!(SerializeTupleStruct, serialize_field);

/// An object being built.
pub struct Map<'a> {
    shared: &'a mut Shared,
    entries: BTreeMap<Value, Value>,
    key: Option<Value>,
    /// Fields left out (of the top-level struct only).
    skip: &'static [&'static str],
}

impl Map<'_> {
    fn insert<T: Serialize + ?Sized>(&mut self, key: Value, value: &T) -> Result<(), Error> {
        let value = value.serialize(ToValue {
            shared: self.shared,
            skip: &[],
        })?;
        self.entries.insert(key, value);
        Ok(())
    }
}

impl ser::SerializeMap for Map<'_> {
    type Ok = Value;
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        // JSON object keys are strings: serde_json writes numbers and booleans as their text.
        let key = match key.serialize(ToValue {
            shared: self.shared,
            skip: &[],
        })? {
            s @ Value::String(_) => s,
            Value::Number(n) => match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => Value::from(u.to_string().as_str()),
                (None, Some(i)) => Value::from(i.to_string().as_str()),
                _ => return Err(Error("a map key must be an integer or a string".into())),
            },
            Value::Bool(b) => Value::from(if b { "true" } else { "false" }),
            other => return Err(Error(format!("a map key must be a string, got {other}"))),
        };
        self.key = Some(key);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let key = self
            .key
            .take()
            .ok_or_else(|| Error("a map value without its key".into()))?;
        self.insert(key, value)
    }
    fn end(self) -> Result<Value, Error> {
        Ok(Value::from(self.entries))
    }
}

impl ser::SerializeStruct for Map<'_> {
    type Ok = Value;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        if self.skip.contains(&key) {
            return Ok(());
        }
        self.insert(Value::from(key), value)
    }
    fn end(self) -> Result<Value, Error> {
        Ok(Value::from(self.entries))
    }
}

/// An enum variant with content, written as `{variant: content}` (serde's default).
pub struct Variant<T> {
    variant: &'static str,
    inner: T,
}

impl ser::SerializeTupleVariant for Variant<Seq<'_>> {
    type Ok = Value;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.inner.push(value)
    }
    fn end(self) -> Result<Value, Error> {
        let inner = self.inner.finish();
        Ok(Value::from(BTreeMap::from([(
            Value::from(self.variant),
            inner,
        )])))
    }
}

impl ser::SerializeStructVariant for Variant<Map<'_>> {
    type Ok = Value;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.inner.insert(Value::from(key), value)
    }
    fn end(self) -> Result<Value, Error> {
        Ok(Value::from(BTreeMap::from([(
            Value::from(self.variant),
            Value::from(self.inner.entries),
        )])))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[derive(serde::Serialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        Plain,
        Wrapped(u8),
        Pair(u8, i32),
        Named { a: bool },
    }

    #[derive(serde::Serialize)]
    struct Sample {
        list: Vec<&'static str>,
        again: Vec<&'static str>,
        short: Vec<&'static str>,
        n: i64,
        u: u64,
        f: f64,
        nan: f64,
        none: Option<u8>,
        kinds: Vec<Kind>,
        map: BTreeMap<u16, bool>,
        unit: (),
        tuple: (u8, &'static str),
    }

    /// The input is exactly what parsing the model's JSON gives, and equal long string lists
    /// are one value.
    #[test]
    fn equals_parsing_the_json_and_shares_long_string_lists() {
        let names = vec!["A", "B", "C", "D", "E", "F", "G", "H"];
        let sample = Sample {
            list: names.clone(),
            again: names,
            short: vec!["x"],
            n: -3,
            u: u64::MAX,
            f: 1.5,
            nan: f64::NAN,
            none: None,
            kinds: vec![
                Kind::Plain,
                Kind::Wrapped(7),
                Kind::Pair(1, -1),
                Kind::Named { a: true },
            ],
            map: BTreeMap::from([(443, true)]),
            unit: (),
            tuple: (1, "t"),
        };
        let mut shared = Shared::default();
        let converted = sample
            .serialize(ToValue {
                shared: &mut shared,
                skip: &[],
            })
            .unwrap();
        let parsed = Value::from_json_str(&serde_json::to_string(&sample).unwrap()).unwrap();
        assert_eq!(converted, parsed);
        assert_eq!(shared.lists.len(), 1, "the repeated list is made once");
    }
}

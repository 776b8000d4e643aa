//! Every string of a claim or withdrawal, checked for length and control characters by its JSON
//! path: one generic walk over what serde serializes, so a field added later is limited too.
//!
//! The walk is a serde `Serializer` that keeps only the path and the strings: the exporter checks
//! every claim before sending, and the server every claim it receives, so no JSON tree is built
//! for it. Problems are told in the order of the JSON object's keys (sorted, as `serde_json`'s
//! maps are), then of array positions: the order they always had.

use std::fmt::Write as _;

use serde::ser::{self, Serialize};

use super::{MAX_NAME, MAX_TEXT};

/// The problems of every string in `v`, added to `out`.
pub(super) fn texts<T: Serialize>(v: &T, out: &mut Vec<String>) {
    let mut walk = Walk::default();
    v.serialize(&mut walk).expect("schema types serialise");
    // Stable: two problems of one string keep their order.
    walk.found.sort_by(|a, b| a.0.cmp(&b.0));
    out.extend(walk.found.into_iter().map(|(_, problem)| problem));
}

/// The problems of one string at `path`.
fn check(s: &str, path: &str, mut found: impl FnMut(String)) {
    let n = s.chars().count();
    if path.ends_with(".name") && n > MAX_NAME {
        found(format!("{path} is longer than {MAX_NAME} characters ({n})"));
    } else if n > MAX_TEXT {
        found(format!("{path} is longer than {MAX_TEXT} characters ({n})"));
    }
    if s.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        found(format!("{path} holds a control character"));
    }
}

/// One step of a JSON path; ordered as a JSON object's keys, then array positions.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Key(String),
    Index(usize),
}

/// The walk: where it is, and what it found there.
#[derive(Default)]
struct Walk {
    /// The path as told (`debtor.address.street`, `items[2].number`).
    path: String,
    /// The same path by steps, to order what was found.
    steps: Vec<Step>,
    /// The length of `path` before each step.
    marks: Vec<usize>,
    /// The next position in each array being walked.
    next: Vec<usize>,
    /// A value shown as text (a decimal, a date), written here to be checked.
    shown: String,
    found: Vec<(Vec<Step>, String)>,
}

impl Walk {
    fn enter(&mut self, step: Step) {
        self.marks.push(self.path.len());
        match &step {
            Step::Key(k) => {
                if !self.path.is_empty() {
                    self.path.push('.');
                }
                self.path.push_str(k);
            }
            Step::Index(i) => {
                let _ = write!(self.path, "[{i}]");
            }
        }
        self.steps.push(step);
    }

    fn leave(&mut self) {
        self.steps.pop();
        self.path.truncate(self.marks.pop().unwrap_or(0));
    }

    fn text(&mut self, s: &str) {
        let (path, steps, found) = (&self.path, &self.steps, &mut self.found);
        check(s, path, |problem| found.push((steps.clone(), problem)));
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Error> {
        self.enter(Step::Key(key.to_string()));
        value.serialize(&mut *self)?;
        self.leave();
        Ok(())
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let at = self.next.last_mut().map_or(0, |n| {
            *n += 1;
            *n - 1
        });
        self.enter(Step::Index(at));
        value.serialize(&mut *self)?;
        self.leave();
        Ok(())
    }
}

type Error = serde_json::Error;

impl<'a> ser::Serializer for &'a mut Walk {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = &'a mut Walk;
    type SerializeTuple = &'a mut Walk;
    type SerializeTupleStruct = &'a mut Walk;
    type SerializeTupleVariant = &'a mut Walk;
    type SerializeMap = &'a mut Walk;
    type SerializeStruct = &'a mut Walk;
    type SerializeStructVariant = &'a mut Walk;

    fn serialize_bool(self, _: bool) -> Result<(), Error> {
        Ok(())
    }
    fn serialize_i8(self, _: i8) -> Result<(), Error> {
        Ok(())
    }
    fn serialize_i16(self, _: i16) -> Result<(), Error> {
        Ok(())
    }
    fn serialize_i32(self, _: i32) -> Result<(), Error> {
        Ok(())
    }
    fn serialize_i64(self, _: i64) -> Result<(), Error> {
        Ok(())
    }
    fn serialize_u8(self, _: u8) -> Result<(), Error> {
        Ok(())
    }
    fn serialize_u16(self, _: u16) -> Result<(), Error> {
        Ok(())
    }
    fn serialize_u32(self, _: u32) -> Result<(), Error> {
        Ok(())
    }
    fn serialize_u64(self, _: u64) -> Result<(), Error> {
        Ok(())
    }
    fn serialize_f32(self, _: f32) -> Result<(), Error> {
        Ok(())
    }
    fn serialize_f64(self, _: f64) -> Result<(), Error> {
        Ok(())
    }
    fn serialize_char(self, c: char) -> Result<(), Error> {
        self.text(c.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, s: &str) -> Result<(), Error> {
        self.text(s);
        Ok(())
    }
    fn collect_str<T: std::fmt::Display + ?Sized>(self, value: &T) -> Result<(), Error> {
        let mut shown = std::mem::take(&mut self.shown);
        shown.clear();
        let _ = write!(shown, "{value}");
        self.text(&shown);
        self.shown = shown;
        Ok(())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Error> {
        Ok(())
    }
    fn serialize_none(self) -> Result<(), Error> {
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        Ok(())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.text(variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.field(variant, value)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self, Error> {
        self.next.push(0);
        Ok(self)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self, Error> {
        self.serialize_seq(None)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self, Error> {
        self.serialize_seq(None)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self, Error> {
        self.enter(Step::Key(variant.to_string()));
        self.serialize_seq(None)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self, Error> {
        Ok(self)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, Error> {
        Ok(self)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self, Error> {
        self.enter(Step::Key(variant.to_string()));
        Ok(self)
    }
}

/// The sequence-like parts of the walk: each element one position further; a variant's
/// elements were under its name, left at the end.
macro_rules! positions {
    ($($part:ident :: $each:ident, leaving $leave:literal);*) => {$(
        impl ser::$part for &mut Walk {
            type Ok = ();
            type Error = Error;
            fn $each<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                self.element(value)
            }
            fn end(self) -> Result<(), Error> {
                self.next.pop();
                if $leave {
                    self.leave();
                }
                Ok(())
            }
        }
    )*};
}

positions!(
    SerializeSeq::serialize_element, leaving false;
    SerializeTuple::serialize_element, leaving false;
    SerializeTupleStruct::serialize_field, leaving false;
    SerializeTupleVariant::serialize_field, leaving true
);

impl ser::SerializeMap for &mut Walk {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        // Keys are told as JSON tells them: a string as it is, a number as its digits.
        let key = match serde_json::to_value(key)? {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        };
        self.enter(Step::Key(key));
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        value.serialize(&mut **self)?;
        self.leave();
        Ok(())
    }
    fn end(self) -> Result<(), Error> {
        Ok(())
    }
}

/// The struct-like parts of the walk: each field by its name; a variant's fields were under
/// its name, left at the end.
macro_rules! fields {
    ($($part:ident, leaving $leave:literal);*) => {$(
        impl ser::$part for &mut Walk {
            type Ok = ();
            type Error = Error;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), Error> {
                self.field(key, value)
            }
            fn end(self) -> Result<(), Error> {
                if $leave {
                    self.leave();
                }
                Ok(())
            }
        }
    )*};
}

fields!(SerializeStruct, leaving false; SerializeStructVariant, leaving true);

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;
    use crate::validate::tests::sample;

    /// The walk as it was: the value made into a JSON tree first, its strings checked by path.
    fn by_tree<T: Serialize>(v: &T) -> Vec<String> {
        fn walk(value: &serde_json::Value, path: &mut String, out: &mut Vec<String>) {
            match value {
                serde_json::Value::String(s) => check(s, path, |p| out.push(p)),
                serde_json::Value::Array(items) => {
                    for (i, v) in items.iter().enumerate() {
                        let len = path.len();
                        path.push_str(&format!("[{i}]"));
                        walk(v, path, out);
                        path.truncate(len);
                    }
                }
                serde_json::Value::Object(map) => {
                    for (k, v) in map {
                        let len = path.len();
                        if !path.is_empty() {
                            path.push('.');
                        }
                        path.push_str(k);
                        walk(v, path, out);
                        path.truncate(len);
                    }
                }
                _ => {}
            }
        }
        let mut out = Vec::new();
        walk(
            &serde_json::to_value(v).unwrap(),
            &mut String::new(),
            &mut out,
        );
        out
    }

    fn walked<T: Serialize>(v: &T) -> Vec<String> {
        let mut out = Vec::new();
        texts(v, &mut out);
        out
    }

    /// Text as claims carry it, and as they go wrong: control characters, names and texts
    /// around their limits.
    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-zA-Z0-9 .-]{0,8}",
            "[a-z]{0,3}[\\x00-\\x1f\\x7f][a-z]{0,3}",
            (MAX_NAME - 2..MAX_NAME + 3).prop_map(|n| "é".repeat(n)),
            (MAX_TEXT - 2..MAX_TEXT + 3).prop_map(|n| "x".repeat(n)),
        ]
    }

    proptest! {
        /// Whatever the strings, the walk finds what the JSON tree walk found, in its order
        /// (keys sorted, then array positions: item 10 after item 9).
        #[test]
        fn finds_what_the_tree_walk_found_in_its_order(
            id in text(),
            name in text(),
            street in proptest::option::of(text()),
            numbers in proptest::collection::vec(text(), 0..14),
            reference in text(),
            note in proptest::option::of(text()),
            basis in text(),
        ) {
            let mut c = sample();
            c.claim_id = id;
            c.debtor.name = name.clone();
            c.creditor.name = Some(name);
            c.debtor.address.street = street;
            let item = c.items[0].clone();
            c.items = numbers
                .iter()
                .map(|n| crate::schema::Item { number: n.clone(), ..item.clone() })
                .collect();
            c.payments[0].reference = reference;
            c.costs.note = note;
            c.default_basis = basis;
            prop_assert_eq!(walked(&c), by_tree(&c));
        }
    }

    /// Maps, enums and tuples, which claims do not use today, are walked as their JSON is.
    #[test]
    fn maps_enums_and_tuples_are_walked_as_their_json_is() {
        #[derive(serde::Serialize)]
        enum Shape {
            Plain,
            Wrapped(String),
            Pair(String, String),
            Named { name: String },
        }
        #[derive(serde::Serialize)]
        struct Odd {
            zeta: BTreeMap<String, String>,
            by_number: BTreeMap<u32, String>,
            shapes: Vec<Shape>,
            pair: (String, char),
        }
        let bad = "a\u{1}b".to_string();
        let long = "n".repeat(MAX_NAME + 1);
        let odd = Odd {
            zeta: [("b".into(), bad.clone()), ("a-b".into(), bad.clone())].into(),
            by_number: [(10, bad.clone()), (9, bad.clone())].into(),
            shapes: vec![
                Shape::Plain,
                Shape::Wrapped(bad.clone()),
                Shape::Pair("ok".into(), bad.clone()),
                Shape::Named { name: long },
            ],
            pair: (bad, '\u{2}'),
        };
        let found = walked(&odd);
        assert_eq!(found, by_tree(&odd));
        assert_eq!(found.len(), 9, "{found:?}");
        assert!(found.contains(&"shapes[3].Named.name is longer than 300 characters (301)".into()));
    }
}

//! Parameters as they go on the wire, and lenient readers for response fields.

use std::fmt;

use crate::sensitive::REDACTED;

/// One request parameter, named as on the wire, with its value already formatted.
#[derive(Clone, PartialEq, Eq)]
pub struct WireParam {
    /// The wire name, `DestinationEndpointPassword`.
    pub name: &'static str,
    /// The value exactly as sent and signed.
    pub value: String,
    /// The spec marks it sensitive: printed redacted.
    pub sensitive: bool,
}

impl WireParam {
    /// The value for display: redacted when sensitive.
    pub fn shown_value(&self) -> &str {
        if self.sensitive {
            REDACTED
        } else {
            &self.value
        }
    }
}

impl fmt::Debug for WireParam {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={:?}", self.name, self.shown_value())
    }
}

/// Serializes a JSON parameter once; the bytes are then sent exactly as signed.
#[doc(hidden)]
pub fn to_json<T: serde::Serialize>(value: &T) -> String {
    // Generated JSON shapes hold only strings, numbers and booleans, which always serialize.
    serde_json::to_string(value).expect("JSON parameter shapes always serialize")
}

/// Lenient readers for response fields: the service is not always consistent about whether a
/// number is sent as a number or a string, and int64 values must stay exact.
#[doc(hidden)]
pub mod de {
    use serde::{Deserialize, Deserializer};
    use serde_json::Value;

    fn scalar<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
        Ok(Option::<Value>::deserialize(deserializer)?.filter(|v| !v.is_null()))
    }

    /// A string, also accepting a number or boolean. A number is its JSON text, so an integer
    /// past `u64` (read as a float, its last digits lost) is refused rather than misread: an ID
    /// sent as `123456789012345678901234` would otherwise read as `1.2345678901234568e23`.
    pub fn string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
        const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
        match scalar(deserializer)? {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(Value::Number(n))
                if n.as_f64().is_some_and(|x| n.is_f64() && x.abs() >= EXACT) =>
            {
                Err(serde::de::Error::custom(format!(
                    "expected a string, found a number too large to read exactly ({n})"
                )))
            }
            Some(v @ (Value::Number(_) | Value::Bool(_))) => Ok(Some(v.to_string())),
            Some(other) => Err(serde::de::Error::custom(format!(
                "expected a string, found {other}"
            ))),
        }
    }

    fn integer<'de, D: Deserializer<'de>, T>(
        deserializer: D,
        what: &str,
    ) -> Result<Option<T>, D::Error>
    where
        T: TryFrom<i64>,
    {
        let invalid = |v: &dyn std::fmt::Display| {
            serde::de::Error::custom(format!("expected {what}, found {v}"))
        };
        match scalar(deserializer)? {
            None => Ok(None),
            // `as_i64` reads the integer exactly; an integral float (`200.0`) is that integer;
            // a fraction, or a number out of range or past f64's exact integers, is an error.
            Some(Value::Number(n)) => n
                .as_i64()
                .or_else(|| n.as_f64().and_then(integral))
                .and_then(|i| T::try_from(i).ok())
                .map(Some)
                .ok_or_else(|| invalid(&n)),
            // `"200"`, and `"200.0"` read as `200`, exactly: the zero fraction is cut as text.
            Some(Value::String(s)) => whole(s.trim())
                .parse::<i64>()
                .ok()
                .and_then(|i| T::try_from(i).ok())
                .map(Some)
                .ok_or_else(|| invalid(&s)),
            Some(other) => Err(invalid(&other)),
        }
    }

    /// The integer an integral float stands for, when f64 holds it exactly (|x| ≤ 2^53).
    fn integral(x: f64) -> Option<i64> {
        const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
        // The bound keeps the cast exact; `as` saturates, it never wraps.
        (x.fract() == 0.0 && x.abs() <= EXACT).then_some(x as i64)
    }

    /// `"200.000"` → `"200"`; anything else unchanged (and left to `parse` to judge).
    fn whole(text: &str) -> &str {
        match text.split_once('.') {
            Some((int, fraction))
                if !int.is_empty()
                    && !fraction.is_empty()
                    && fraction.bytes().all(|b| b == b'0') =>
            {
                int
            }
            _ => text,
        }
    }

    /// An int32, from a number or a numeric string; `200.0` and `"200.0"` read as `200`.
    pub fn int32<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i32>, D::Error> {
        integer(deserializer, "an int32")
    }

    /// An int64, from a number or a numeric string, exactly; an integral float (`200.0`) reads
    /// as its integer when f64 holds it exactly.
    pub fn int64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
        integer(deserializer, "an int64")
    }

    /// A boolean, from `true`/`false` or the strings `"true"`/`"false"`.
    pub fn boolean<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
        match scalar(deserializer)? {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(Value::String(s)) if s.trim().eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(Value::String(s)) if s.trim().eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(other) => Err(serde::de::Error::custom(format!(
                "expected a boolean, found {other}"
            ))),
        }
    }

    /// A deserializer that only reads a JSON object (or `null`, for an `Option`), whatever it is
    /// asked for.
    ///
    /// serde's derived structure readers also take a JSON array, member by member in spec
    /// order: `[["db"]]` would read as `[{"DBName":"db"}]` and `Items: [[...]]` as
    /// `Items: {"RestoreTaskDetail": [...]}`, a wrong shape read silently as a right one. Generated
    /// structures read themselves through this, so an array is an error naming the structure.
    #[derive(Debug)]
    pub struct ObjectOnly<D>(pub D);

    impl<'de, D: Deserializer<'de>> Deserializer<'de> for ObjectOnly<D> {
        type Error = D::Error;

        fn deserialize_any<V: serde::de::Visitor<'de>>(
            self,
            visitor: V,
        ) -> Result<V::Value, Self::Error> {
            self.0.deserialize_map(visitor)
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map struct
            enum identifier ignored_any
        }
    }

    /// A list of scalars, each read by `read`; `null` elements are left out.
    fn list<'de, D: Deserializer<'de>, T>(
        deserializer: D,
        read: fn(Value) -> Result<Option<T>, serde_json::Error>,
    ) -> Result<Option<Vec<T>>, D::Error> {
        let Some(items) = Option::<Vec<Value>>::deserialize(deserializer)? else {
            return Ok(None);
        };
        items
            .into_iter()
            .filter_map(|item| read(item).transpose())
            .collect::<Result<Vec<T>, _>>()
            .map(Some)
            .map_err(serde::de::Error::custom)
    }

    /// A list of strings, each also accepting a number or boolean.
    pub fn strings<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Vec<String>>, D::Error> {
        list(deserializer, string)
    }

    /// A list of int32s, each from a number or a numeric string.
    pub fn int32s<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Vec<i32>>, D::Error> {
        list(deserializer, int32)
    }

    /// A list of int64s, each from a number or a numeric string, exactly.
    pub fn int64s<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Vec<i64>>, D::Error> {
        list(deserializer, int64)
    }

    /// A list of booleans, each from `true`/`false` or their strings.
    pub fn booleans<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Vec<bool>>, D::Error> {
        list(deserializer, boolean)
    }

    #[cfg(test)]
    mod tests {
        // Tests fail by panicking: `unwrap` on the fixed inputs is the clearest way to say so.
        #![allow(clippy::unwrap_used)]

        use serde::Deserialize;

        #[derive(Deserialize)]
        struct Lists {
            #[serde(default, deserialize_with = "super::strings")]
            ips: Option<Vec<String>>,
            #[serde(default, deserialize_with = "super::int64s")]
            ids: Option<Vec<i64>>,
        }

        #[test]
        fn lists_of_scalars_read_each_element_leniently() {
            let lists: Lists = serde_json::from_str(
                r#"{"ips": ["10.0.0.1", 7, null], "ids": ["9007199254740993", 2]}"#,
            )
            .unwrap();
            assert_eq!(lists.ips.unwrap(), ["10.0.0.1", "7"]);
            assert_eq!(lists.ids.unwrap(), [9_007_199_254_740_993, 2]);
            let lists: Lists = serde_json::from_str(r#"{"ips": null}"#).unwrap();
            assert_eq!((lists.ips, lists.ids), (None, None));
            assert!(serde_json::from_str::<Lists>(r#"{"ids": ["x"]}"#).is_err());
        }
    }
}

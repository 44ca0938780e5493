//! How a procedure is partitioned: the `REMARKS` JSON of a
//! `@SystemCatalog PROCEDURES` row.

use serde_json::{Map, Value as JsonValue};

use crate::error::ProtocolError;
use crate::wire::types::VoltType;

/// How a procedure is partitioned: the `REMARKS` JSON of a
/// `@SystemCatalog PROCEDURES` row.
///
/// ```
/// use voltdb::client::topology::ProcedureInfo;
/// use voltdb::VoltType;
/// let info = ProcedureInfo::from_remarks(
///     r#"{"compound":false,"partitionParameter":0,"partitionParameterType":6,"readOnly":true,"singlePartition":true}"#,
/// ).unwrap();
/// assert!(info.single_partition && info.read_only && !info.compound);
/// assert_eq!(info.partition_parameter, Some(0));
/// assert_eq!(info.partition_type(), Some(VoltType::BigInt));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProcedureInfo {
    /// `readOnly` (false when absent).
    pub read_only: bool,
    /// `singlePartition` (false when absent).
    pub single_partition: bool,
    /// `partitionParameter`: the index of the partitioning parameter; `None`
    /// when absent (multi-partition procedures), `Some(-1)` for a *directed*
    /// procedure (the caller picks the partition with `PARTITION_DESTINATION`).
    pub partition_parameter: Option<i32>,
    /// `partitionParameterType`: the wire type code of the partitioning
    /// parameter, as sent (`-1` for directed procedures; `None` when absent).
    pub partition_parameter_type: Option<i8>,
    /// `compound` (false when absent). Compound procedures are round-robined.
    pub compound: bool,
}

impl ProcedureInfo {
    /// Parses a `REMARKS` cell: a JSON object. Keys may come in any order,
    /// unknown keys are ignored (whatever their values), whitespace is
    /// allowed; the last of duplicate keys wins. A known key whose value is
    /// `null` counts as absent.
    ///
    /// Errors ([`ProtocolError::Malformed`]), never a panic: input that is
    /// not one JSON object (nesting deeper than 128 levels included), a
    /// known key with a value of the wrong type (e.g.
    /// `"readOnly":1`), or a partition parameter index outside `i32` / type
    /// code outside `i8`.
    ///
    /// ```
    /// use voltdb::client::topology::ProcedureInfo;
    /// let mp = ProcedureInfo::from_remarks(r#"{ "singlePartition" : false, "x": [1, {"y": 2}] }"#).unwrap();
    /// assert!(!mp.single_partition);
    /// assert_eq!(mp.partition_parameter, None);
    /// assert!(ProcedureInfo::from_remarks(r#"{"readOnly":"yes"}"#).is_err());
    /// assert!(ProcedureInfo::from_remarks("not json").is_err());
    /// ```
    pub fn from_remarks(json: &str) -> Result<ProcedureInfo, ProtocolError> {
        let object: Map<String, JsonValue> = serde_json::from_str(json)
            .map_err(|_| ProtocolError::Malformed("REMARKS: invalid JSON object"))?;
        let flag = |key: &str, what: &'static str| match object.get(key) {
            None | Some(JsonValue::Null) => Ok(false),
            Some(JsonValue::Bool(b)) => Ok(*b),
            Some(_) => Err(ProtocolError::Malformed(what)),
        };
        let int = |key: &str, what: &'static str| match object.get(key) {
            None | Some(JsonValue::Null) => Ok(None),
            Some(JsonValue::Number(n)) => {
                n.as_i64().map(Some).ok_or(ProtocolError::Malformed(what))
            }
            Some(_) => Err(ProtocolError::Malformed(what)),
        };
        Ok(ProcedureInfo {
            read_only: flag("readOnly", "REMARKS: readOnly")?,
            single_partition: flag("singlePartition", "REMARKS: singlePartition")?,
            compound: flag("compound", "REMARKS: compound")?,
            partition_parameter: int("partitionParameter", "REMARKS: partitionParameter")?
                .map(i32::try_from)
                .transpose()
                .map_err(|_| {
                    ProtocolError::Malformed("REMARKS: partitionParameter out of range")
                })?,
            partition_parameter_type: int(
                "partitionParameterType",
                "REMARKS: partitionParameterType",
            )?
            .map(i8::try_from)
            .transpose()
            .map_err(|_| {
                ProtocolError::Malformed("REMARKS: partitionParameterType out of range")
            })?,
        })
    }

    /// True for a directed procedure: single-partition with partition
    /// parameter `-1` (callers must send `PARTITION_DESTINATION`).
    ///
    /// ```
    /// use voltdb::client::topology::ProcedureInfo;
    /// let info = ProcedureInfo::from_remarks(
    ///     r#"{"singlePartition":true,"partitionParameter":-1,"partitionParameterType":-1}"#,
    /// ).unwrap();
    /// assert!(info.is_directed());
    /// assert_eq!(info.routing_parameter(), None);
    /// ```
    pub fn is_directed(&self) -> bool {
        self.single_partition && self.partition_parameter == Some(-1)
    }

    /// The partitioning parameter's type, if it is a known wire type code.
    ///
    /// ```
    /// use voltdb::client::topology::ProcedureInfo;
    /// use voltdb::VoltType;
    /// let info = ProcedureInfo { partition_parameter_type: Some(9), ..Default::default() };
    /// assert_eq!(info.partition_type(), Some(VoltType::String));
    /// ```
    pub fn partition_type(&self) -> Option<VoltType> {
        self.partition_parameter_type
            .and_then(|code| VoltType::from_code(code).ok())
    }

    /// For routing: the index and type of the parameter to
    /// hash, when the procedure is single-partition (not directed, not
    /// compound) with a known partition parameter and type.
    ///
    /// ```
    /// use voltdb::client::topology::ProcedureInfo;
    /// use voltdb::VoltType;
    /// let info = ProcedureInfo::from_remarks(
    ///     r#"{"compound":false,"partitionParameter":2,"partitionParameterType":9,"readOnly":false,"singlePartition":true}"#,
    /// ).unwrap();
    /// assert_eq!(info.routing_parameter(), Some((2, VoltType::String)));
    /// ```
    pub fn routing_parameter(&self) -> Option<(usize, VoltType)> {
        if !self.single_partition || self.compound {
            return None;
        }
        let index = usize::try_from(self.partition_parameter?).ok()?;
        Some((index, self.partition_type()?))
    }
}

// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remarks_ok() {
        let info = ProcedureInfo::from_remarks(
            " {\n\t\"partitionParameterType\" : 9 , \"singlePartition\":true,\"extra\":{\"a\":[1,2,{\"b\":\"]}\"}]},\
             \"partitionParameter\":2,\"readOnly\":false,\"compound\":false,\"note\":\"x\\\"\\u00e9\\ud83d\\ude00\",\"n\":-1.5e3,\"z\":null } ",
        )
        .unwrap();
        assert_eq!(
            info,
            ProcedureInfo {
                read_only: false,
                single_partition: true,
                partition_parameter: Some(2),
                partition_parameter_type: Some(9),
                compound: false,
            }
        );
        assert_eq!(info.routing_parameter(), Some((2, VoltType::String)));
        assert_eq!(
            ProcedureInfo::from_remarks("{}").unwrap(),
            ProcedureInfo::default()
        );
        let nulls = ProcedureInfo::from_remarks(
            r#"{"partitionParameter":null,"readOnly":null,"partitionParameterType":null}"#,
        )
        .unwrap();
        assert_eq!(nulls, ProcedureInfo::default());
        // Escaped key names are unescaped before matching; last duplicate wins.
        let esc = ProcedureInfo::from_remarks(
            r#"{"read\u004fnly":true,"compound":true,"compound":false}"#,
        )
        .unwrap();
        assert!(esc.read_only && !esc.compound);
        // Compound or multi-partition procedures have no routing parameter.
        let c = ProcedureInfo::from_remarks(
            r#"{"compound":true,"partitionParameter":0,"partitionParameterType":6,"singlePartition":true}"#,
        )
        .unwrap();
        assert_eq!(c.routing_parameter(), None);
        // Unknown type codes are kept raw but give no VoltType.
        let u = ProcedureInfo::from_remarks(r#"{"partitionParameterType":99}"#).unwrap();
        assert_eq!(
            (u.partition_parameter_type, u.partition_type()),
            (Some(99), None)
        );
    }

    #[test]
    fn remarks_malformed() {
        let bad = [
            "",
            "   ",
            "null",
            "[]",
            "{",
            "}",
            "{\"readOnly\":true",
            "{\"readOnly\":true,}",
            "{,}",
            "{\"readOnly\" true}",
            "{readOnly:true}",
            "{'readOnly':true}",
            "{\"readOnly\":tru}",
            "{\"readOnly\":True}",
            "{\"readOnly\":1}",
            "{\"readOnly\":\"true\"}",
            "{\"singlePartition\":0}",
            "{\"compound\":[]}",
            "{\"partitionParameter\":\"0\"}",
            "{\"partitionParameter\":true}",
            "{\"partitionParameter\":1.0}",
            "{\"partitionParameter\":1e2}",
            "{\"partitionParameter\":01}",
            "{\"partitionParameter\":-}",
            "{\"partitionParameter\":+1}",
            "{\"partitionParameter\":2147483648}",
            "{\"partitionParameter\":99999999999999999999}",
            "{\"partitionParameterType\":128}",
            "{\"x\":1.}",
            "{\"x\":1e}",
            "{\"x\":\"unterminated}",
            "{\"x\":\"bad escape \\q\"}",
            "{\"x\":\"bad unicode \\u12g4\"}",
            "{\"x\":\"lone surrogate \\ud800\"}",
            "{\"x\":\"raw\ncontrol\"}",
            "{\"x\":[1,2}",
            "{\"x\":[[[[",
            "{\"x\":{\"y\":]}",
            "{} {}",
            "{}x",
            "{\"a\":1 \"b\":2}",
        ];
        for s in bad {
            assert!(
                ProcedureInfo::from_remarks(s).is_err(),
                "should reject {s:?}"
            );
        }
        // Nesting is read up to serde_json's depth limit (128), and deeper
        // nesting is an error, not a stack overflow.
        let nested = format!("{{\"x\":{}{}}}", "[".repeat(100), "]".repeat(100));
        assert!(ProcedureInfo::from_remarks(&nested).is_ok());
        let deep = format!("{{\"x\":{}{}}}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(ProcedureInfo::from_remarks(&deep).is_err());
        let unbalanced = format!("{{\"x\":{}}}", "[".repeat(100_000));
        assert!(ProcedureInfo::from_remarks(&unbalanced).is_err());
    }

    /// Deterministic junk (xorshift) through the REMARKS parser: errors, no
    /// panics.
    #[test]
    fn junk_never_panics() {
        let mut next = crate::client::junk::xorshift();
        let alphabet = crate::client::junk::alphabet();
        let good = r#"{"compound":false,"partitionParameter":0,"partitionParameterType":6,"readOnly":false,"singlePartition":true}"#;
        for _ in 0..20_000 {
            let s = crate::client::junk::junk_string(&mut next, &alphabet);
            let _ = ProcedureInfo::from_remarks(&s);
            // Mutate one char of a valid REMARKS string.
            let mut chars: Vec<char> = good.chars().collect();
            let i = (next() % chars.len() as u64) as usize;
            chars[i] = alphabet[(next() % alphabet.len() as u64) as usize];
            let _ = ProcedureInfo::from_remarks(&chars.iter().collect::<String>());
        }
    }
}

//! Values from the caller that cannot be encoded.

use crate::wire::types::VoltType;

/// A value from the caller that cannot be encoded. Reported before any byte
/// is sent; the connection stays usable.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// An integer outside the usable range of its Volt type (whose minimum is NULL).
    #[error("{value} is out of range for {ty} (allowed {min}..={max})")]
    OutOfRange {
        /// The declared type.
        ty: VoltType,
        /// The value given.
        value: i128,
        /// Smallest allowed.
        min: i128,
        /// Largest allowed.
        max: i128,
    },
    /// A value equal to its type's NULL sentinel, given as a value (use NULL instead).
    #[error("{0} value equals the type's NULL sentinel; pass NULL explicitly instead")]
    NullSentinel(VoltType),
    /// A DECIMAL with more than 12 fractional digits.
    #[error("decimal has scale {0}; the maximum is 12")]
    DecimalScale(u32),
    /// A DECIMAL with more than 26 integer digits.
    #[error("decimal has {0} digits left of the decimal point; the maximum is 26")]
    DecimalPrecision(u32),
    /// A value of the wrong kind for the declared type.
    #[error("a {got} value cannot be sent as {expected}")]
    TypeMismatch {
        /// The declared type.
        expected: VoltType,
        /// What was given.
        got: &'static str,
    },
    /// The number of parameters does not match the declared types.
    #[error("procedure {procedure} declares {expected} parameters, {got} given")]
    ParamCount {
        /// The procedure.
        procedure: String,
        /// Declared count.
        expected: usize,
        /// Given count.
        got: usize,
    },
    /// A string, binary or array longer than the protocol allows.
    #[error("{what} is {len} {unit} long; the maximum is {max} {unit}", unit = length_unit(what))]
    TooLong {
        /// What was too long.
        what: &'static str,
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A type that cannot be sent in this position (e.g. an array of VARBINARY).
    #[error("{ty} is not supported {context}")]
    Unsupported {
        /// The type.
        ty: VoltType,
        /// Where.
        context: &'static str,
    },
    /// Text that does not parse (a decimal string, WKT, ...).
    #[error("cannot parse {what}: {input:?}")]
    Parse {
        /// What was being parsed.
        what: &'static str,
        /// The offending input (truncated to 80 characters).
        input: String,
    },
    /// A date and time outside what a VoltDB TIMESTAMP holds
    /// ([`Timestamp::SQL_MIN`](crate::Timestamp::SQL_MIN)..=[`Timestamp::SQL_MAX`](crate::Timestamp::SQL_MAX)).
    #[error("timestamp {value} is outside VoltDB's TIMESTAMP range 1583-01-01T00:00:00.000000Z..=9999-12-31T23:59:59.999999Z")]
    TimestampRange {
        /// The date and time given, as text.
        value: String,
    },
    /// A value serialized as parameters that no parameter can hold, in
    /// what `to_params` was given (feature `serde`).
    #[error("cannot make parameters: {0}")]
    Params(String),
    /// A parameter of a call that cannot be encoded: says which (`index`
    /// counts from 0, as the server's messages do), of which procedure, and
    /// its declared type (`None`: the value was sent as its own type).
    /// [`problem`](EncodeError::problem) gives the error inside.
    #[error("parameter {index} of procedure {procedure} ({}): {problem}", declared_text(*declared))]
    Param {
        /// The procedure called.
        procedure: String,
        /// The parameter's index, from 0.
        index: usize,
        /// Its declared type (`None` when the call declared none).
        declared: Option<VoltType>,
        /// What is wrong with it.
        problem: Box<EncodeError>,
    },
    /// A message larger than the frame cap.
    #[error("message of {len} bytes exceeds the frame cap of {cap} bytes")]
    FrameTooLarge {
        /// The message length.
        len: usize,
        /// The cap.
        cap: usize,
    },
}

/// The unit of a [`EncodeError::TooLong`] length.
fn length_unit(what: &str) -> &'static str {
    if what == "parameter list" {
        "parameters"
    } else if what.ends_with("array") && !what.starts_with("TINYINT") {
        "elements"
    } else {
        "bytes"
    }
}

fn declared_text(declared: Option<VoltType>) -> String {
    match declared {
        Some(ty) => format!("declared {ty}"),
        None => "no declared type".to_string(),
    }
}

impl EncodeError {
    /// The error itself, without the parameter it was found in: for
    /// matching on what is wrong whether or not it came from a call.
    ///
    /// ```
    /// use voltdb::testing::{encode_invocation, InvocationOptions};
    /// use voltdb::{EncodeError, Value, VoltType};
    /// let params = [Value::from(1), Value::from("a"), Value::BigInt(5_000_000_000)];
    /// let types = [VoltType::Integer, VoltType::String, VoltType::Integer];
    /// let err = encode_invocation(&mut Vec::new(), "X", 1, &InvocationOptions::default(),
    ///                             &params, Some(&types), 1 << 20).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "parameter 2 of procedure X (declared INTEGER): 5000000000 is out of range \
    ///      for INTEGER (allowed -2147483647..=2147483647)"
    /// );
    /// assert!(matches!(err.problem(), EncodeError::OutOfRange { value: 5_000_000_000, .. }));
    /// ```
    pub fn problem(&self) -> &EncodeError {
        match self {
            EncodeError::Param { problem, .. } => problem.problem(),
            other => other,
        }
    }

    /// Places this error in parameter `index` of a call of `procedure`.
    #[cold]
    pub(crate) fn in_param(
        self,
        procedure: &str,
        index: usize,
        declared: Option<VoltType>,
    ) -> EncodeError {
        EncodeError::Param {
            procedure: procedure.to_string(),
            index,
            declared,
            problem: Box::new(self),
        }
    }

    pub(crate) fn parse(what: &'static str, input: &str) -> EncodeError {
        EncodeError::Parse {
            what,
            input: input.chars().take(80).collect(),
        }
    }
}

//! Volt type codes, NULL sentinels and fixed sizes (docs/protocol.md#type-codes).

use crate::error::ProtocolError;

/// A Volt wire type. The discriminant is the type code sent on the wire.
///
/// ```
/// use voltdb::VoltType;
/// assert_eq!(VoltType::BigInt.code(), 6);
/// assert_eq!(VoltType::from_code(25).unwrap(), VoltType::Varbinary);
/// assert_eq!(VoltType::Integer.fixed_size(), Some(4));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(i8)]
pub enum VoltType {
    /// Untyped NULL (parameter only).
    Null = 1,
    /// 8-bit signed integer.
    TinyInt = 3,
    /// 16-bit signed integer.
    SmallInt = 4,
    /// 32-bit signed integer.
    Integer = 5,
    /// 64-bit signed integer.
    BigInt = 6,
    /// IEEE-754 double.
    Float = 8,
    /// UTF-8 string (VARCHAR).
    String = 9,
    /// Microseconds since the Unix epoch, UTC.
    Timestamp = 11,
    /// Date (`year << 16 | month << 8 | day`); newer servers only, not VoltDB 11.
    Date = 12,
    /// A VoltTable (parameter only).
    Table = 21,
    /// DECIMAL(38, 12) as an `i128`.
    Decimal = 22,
    /// Boolean (parameter only).
    Boolean = 23,
    /// Raw bytes.
    Varbinary = 25,
    /// A (longitude, latitude) point.
    GeographyPoint = 26,
    /// A polygon.
    Geography = 27,
}

/// The array marker byte (`0x9d`, −99) that precedes an array parameter.
pub const ARRAY_MARKER: i8 = -99;

/// The NULL sentinels of the fixed-size types.
pub mod null {
    /// TINYINT NULL.
    pub const TINYINT: i8 = i8::MIN;
    /// SMALLINT NULL.
    pub const SMALLINT: i16 = i16::MIN;
    /// INTEGER NULL.
    pub const INTEGER: i32 = i32::MIN;
    /// BIGINT NULL.
    pub const BIGINT: i64 = i64::MIN;
    /// TIMESTAMP NULL.
    pub const TIMESTAMP: i64 = i64::MIN;
    /// DATE NULL.
    pub const DATE: i32 = i32::MIN;
    /// FLOAT NULL: exactly this bit pattern (−1.7E308).
    pub const FLOAT_BITS: u64 = 0xffee_42d1_3077_3b76;
    /// DECIMAL NULL.
    pub const DECIMAL: i128 = i128::MIN;
    /// GEOGRAPHY_POINT NULL coordinate (both coordinates).
    pub const POINT_COORD: f64 = 360.0;
    /// Length prefix of a NULL STRING, VARBINARY or GEOGRAPHY.
    pub const LENGTH: i32 = -1;
}

/// The largest VARCHAR or VARBINARY value the server accepts (1 MiB).
pub const MAX_VALUE_LENGTH: usize = 1024 * 1024;

impl VoltType {
    /// Every type, in code order.
    pub const ALL: [VoltType; 15] = [
        VoltType::Null,
        VoltType::TinyInt,
        VoltType::SmallInt,
        VoltType::Integer,
        VoltType::BigInt,
        VoltType::Float,
        VoltType::String,
        VoltType::Timestamp,
        VoltType::Date,
        VoltType::Table,
        VoltType::Decimal,
        VoltType::Boolean,
        VoltType::Varbinary,
        VoltType::GeographyPoint,
        VoltType::Geography,
    ];

    /// The wire type code.
    pub fn code(self) -> i8 {
        self as i8
    }

    /// The type for a wire code.
    pub fn from_code(code: i8) -> Result<VoltType, ProtocolError> {
        Ok(match code {
            1 => VoltType::Null,
            3 => VoltType::TinyInt,
            4 => VoltType::SmallInt,
            5 => VoltType::Integer,
            6 => VoltType::BigInt,
            8 => VoltType::Float,
            9 => VoltType::String,
            11 => VoltType::Timestamp,
            12 => VoltType::Date,
            21 => VoltType::Table,
            22 => VoltType::Decimal,
            23 => VoltType::Boolean,
            25 => VoltType::Varbinary,
            26 => VoltType::GeographyPoint,
            27 => VoltType::Geography,
            c => return Err(ProtocolError::UnknownType(c)),
        })
    }

    /// The encoded size of a value of this type, if fixed.
    pub fn fixed_size(self) -> Option<usize> {
        match self {
            VoltType::Null => Some(0),
            VoltType::TinyInt | VoltType::Boolean => Some(1),
            VoltType::SmallInt => Some(2),
            VoltType::Integer | VoltType::Date => Some(4),
            VoltType::BigInt | VoltType::Float | VoltType::Timestamp => Some(8),
            VoltType::Decimal | VoltType::GeographyPoint => Some(16),
            VoltType::String | VoltType::Varbinary | VoltType::Geography | VoltType::Table => None,
        }
    }

    /// The SQL-ish name used by VoltDB (`"BIGINT"`, `"VARCHAR"`...).
    pub fn name(self) -> &'static str {
        match self {
            VoltType::Null => "NULL",
            VoltType::TinyInt => "TINYINT",
            VoltType::SmallInt => "SMALLINT",
            VoltType::Integer => "INTEGER",
            VoltType::BigInt => "BIGINT",
            VoltType::Float => "FLOAT",
            VoltType::String => "STRING",
            VoltType::Timestamp => "TIMESTAMP",
            VoltType::Date => "DATE",
            VoltType::Table => "VOLTTABLE",
            VoltType::Decimal => "DECIMAL",
            VoltType::Boolean => "BOOLEAN",
            VoltType::Varbinary => "VARBINARY",
            VoltType::GeographyPoint => "GEOGRAPHY_POINT",
            VoltType::Geography => "GEOGRAPHY",
        }
    }

    /// Parses a type name as used by the vectors and by VoltDB (`"VARCHAR"` and
    /// `"STRING"` are the same type).
    pub fn from_name(name: &str) -> Option<VoltType> {
        let upper = name.to_ascii_uppercase();
        if upper == "VARCHAR" {
            return Some(VoltType::String);
        }
        VoltType::ALL.iter().copied().find(|t| t.name() == upper)
    }

    /// True for TINYINT, SMALLINT, INTEGER and BIGINT.
    pub fn is_integer(self) -> bool {
        matches!(
            self,
            VoltType::TinyInt | VoltType::SmallInt | VoltType::Integer | VoltType::BigInt
        )
    }

    /// The usable (non-NULL) range of an integer type.
    pub fn integer_range(self) -> Option<(i64, i64)> {
        match self {
            VoltType::TinyInt => Some((i8::MIN as i64 + 1, i8::MAX as i64)),
            VoltType::SmallInt => Some((i16::MIN as i64 + 1, i16::MAX as i64)),
            VoltType::Integer => Some((i32::MIN as i64 + 1, i32::MAX as i64)),
            VoltType::BigInt => Some((i64::MIN + 1, i64::MAX)),
            _ => None,
        }
    }
}

impl std::fmt::Display for VoltType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

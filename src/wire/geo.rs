//! GEOGRAPHY_POINT and GEOGRAPHY (polygons), with WKT both ways (docs/protocol.md#scalar-encodings).

use std::fmt;

use crate::error::{EncodeError, ProtocolError};
use crate::wire::reader::Reader;
use crate::wire::writer::WireWrite;

/// The NULL coordinate of a point, and the placeholder of an empty bound.
pub const NULL_COORD: f64 = 360.0;
/// Coordinates closer to zero than this print as `0.0` (as the Java and Python clients do).
pub const EPSILON: f64 = 1e-12;

/// A GEOGRAPHY_POINT: longitude then latitude, in degrees.
///
/// ```
/// use voltdb::GeographyPoint;
/// let p: GeographyPoint = "POINT(-122.4194 37.7749)".parse().unwrap();
/// assert_eq!(p, GeographyPoint::new(-122.4194, 37.7749));
/// assert_eq!(p.to_string(), "POINT (-122.4194 37.7749)");
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeographyPoint {
    /// Longitude in degrees.
    pub lng: f64,
    /// Latitude in degrees.
    pub lat: f64,
}

impl GeographyPoint {
    /// A point from longitude and latitude in degrees.
    pub fn new(lng: f64, lat: f64) -> GeographyPoint {
        GeographyPoint { lng, lat }
    }

    /// True when this is the NULL sentinel (both coordinates 360.0).
    pub fn is_null_sentinel(&self) -> bool {
        self.lng == NULL_COORD && self.lat == NULL_COORD
    }
}

fn fmt_coord(v: f64) -> String {
    let v = if v.abs() < EPSILON { 0.0 } else { v };
    let mut s = format!("{v:.12}");
    while s.ends_with('0') {
        s.pop();
    }
    if s.ends_with('.') {
        s.push('0');
    }
    s
}

fn fmt_point(p: GeographyPoint) -> String {
    format!("{} {}", fmt_coord(p.lng), fmt_coord(p.lat))
}

impl fmt::Display for GeographyPoint {
    /// WKT, `POINT (lng lat)`, with up to 12 decimals as the Java client prints.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "POINT ({})", fmt_point(*self))
    }
}

impl std::str::FromStr for GeographyPoint {
    type Err = EncodeError;
    /// Parses `POINT(lng lat)` (case-insensitive, any spacing).
    fn from_str(s: &str) -> Result<GeographyPoint, EncodeError> {
        let err = || EncodeError::parse("WKT point", s);
        let toks = tokenize(s).ok_or_else(err)?;
        match toks.as_slice() {
            [Tok::Word(w), Tok::LParen, Tok::Num(lng), Tok::Num(lat), Tok::RParen]
                if w.eq_ignore_ascii_case("point") =>
            {
                Ok(GeographyPoint::new(*lng, *lat))
            }
            _ => Err(err()),
        }
    }
}

/// A vertex on the unit sphere, as stored on the wire.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct XyzPoint {
    /// x
    pub x: f64,
    /// y
    pub y: f64,
    /// z
    pub z: f64,
}

impl XyzPoint {
    /// From longitude/latitude in degrees (the Python client's formula).
    pub fn from_point(p: GeographyPoint) -> XyzPoint {
        let lng = p.lng * (std::f64::consts::PI / 180.0);
        let lat = p.lat * (std::f64::consts::PI / 180.0);
        let cos_lat = lat.cos();
        XyzPoint {
            x: lng.cos() * cos_lat,
            y: lng.sin() * cos_lat,
            z: lat.sin(),
        }
    }

    /// Back to longitude/latitude in degrees.
    pub fn to_point(self) -> GeographyPoint {
        let lat = self.z.atan2((self.x * self.x + self.y * self.y).sqrt());
        let lng = self.y.atan2(self.x);
        GeographyPoint::new(
            lng * (180.0 / std::f64::consts::PI),
            lat * (180.0 / std::f64::consts::PI),
        )
    }
}

/// A GEOGRAPHY polygon: a shell and optional holes, each a loop of vertices
/// stored as on the wire (counter-clockwise, without the closing vertex).
///
/// ```
/// use voltdb::Geography;
/// let g: Geography = "POLYGON((0 0, 1 0, 0 1, 0 0))".parse().unwrap();
/// assert_eq!(g.loops().len(), 1);
/// assert_eq!(g.to_string(), "POLYGON ((0.0 0.0, 1.0 0.0, 0.0 1.0, 0.0 0.0))");
/// let mut body = Vec::new();
/// g.encode_body(&mut body);
/// assert_eq!(body.len(), 155);
/// assert_eq!(Geography::decode_body(&body).unwrap(), g);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Geography {
    loops: Vec<Vec<XyzPoint>>,
}

const POLYGON_OVERHEAD: usize = 7 + 33;
const LOOP_OVERHEAD: usize = 43;
const VERTEX_SIZE: usize = 24;

impl Geography {
    /// A polygon from loops in wire order (first the shell).
    pub fn from_loops(loops: Vec<Vec<XyzPoint>>) -> Geography {
        Geography { loops }
    }

    /// The loops in wire order.
    pub fn loops(&self) -> &[Vec<XyzPoint>] {
        &self.loops
    }

    /// Parses WKT `POLYGON((lng lat, ...), (hole...), ...)`. Rings are closed
    /// (last point = first), with at least 4 points; holes are clockwise.
    pub fn from_wkt(wkt: &str) -> Result<Geography, EncodeError> {
        let err = || EncodeError::parse("WKT polygon", wkt);
        let toks = tokenize(wkt).ok_or_else(err)?;
        let mut it = toks.into_iter();
        match (it.next(), it.next()) {
            (Some(Tok::Word(w)), Some(Tok::LParen)) if w.eq_ignore_ascii_case("polygon") => {}
            _ => return Err(err()),
        }
        let mut loops = Vec::new();
        loop {
            if it.next() != Some(Tok::LParen) {
                return Err(err());
            }
            let mut ring = Vec::new();
            loop {
                let (Some(Tok::Num(lng)), Some(Tok::Num(lat))) = (it.next(), it.next()) else {
                    return Err(err());
                };
                ring.push(GeographyPoint::new(lng, lat));
                match it.next() {
                    Some(Tok::Comma) => continue,
                    Some(Tok::RParen) => break,
                    _ => return Err(err()),
                }
            }
            if ring.len() < 4 || ring.first() != ring.last() {
                return Err(err());
            }
            ring.pop();
            if !loops.is_empty() {
                ring[1..].reverse();
            }
            loops.push(ring.into_iter().map(XyzPoint::from_point).collect());
            match it.next() {
                Some(Tok::Comma) => continue,
                Some(Tok::RParen) => break,
                _ => return Err(err()),
            }
        }
        if it.next().is_some() {
            return Err(err());
        }
        Ok(Geography { loops })
    }

    /// The loops as WKT rings of (lng, lat) points, closed, holes clockwise.
    pub fn rings(&self) -> Vec<Vec<GeographyPoint>> {
        self.loops
            .iter()
            .enumerate()
            .filter(|(_, l)| !l.is_empty())
            .map(|(i, l)| {
                let mut ring = vec![l[0].to_point()];
                if i == 0 {
                    ring.extend(l[1..].iter().map(|p| p.to_point()));
                } else {
                    ring.extend(l[1..].iter().rev().map(|p| p.to_point()));
                }
                ring.push(l[0].to_point());
                ring
            })
            .collect()
    }

    /// The encoded body size (without the `i32` length prefix).
    pub fn serialized_size(&self) -> usize {
        POLYGON_OVERHEAD
            + self
                .loops
                .iter()
                .map(|l| LOOP_OVERHEAD + VERTEX_SIZE * l.len())
                .sum::<usize>()
    }

    /// Appends the body (client form: version 0, empty bounds), without the
    /// length prefix.
    pub fn encode_body(&self, out: &mut Vec<u8>) {
        out.put_u8(0); // encoding version
        out.put_u8(1); // owns loops
        out.put_u8(u8::from(self.loops.len() > 1)); // has holes
        out.put_i32(self.loops.len() as i32);
        for (i, l) in self.loops.iter().enumerate() {
            out.put_u8(0);
            out.put_i32(l.len() as i32);
            for p in l {
                out.put_f64(p.x);
                out.put_f64(p.y);
                out.put_f64(p.z);
            }
            out.put_u8(0); // origin inside
            out.put_i32(i32::from(i > 0)); // depth
            empty_bound(out);
        }
        empty_bound(out);
    }

    /// Decodes a body (without the length prefix). Accepts encoding versions
    /// 0 and 1 and skips bounds without validating them.
    pub fn decode_body(body: &[u8]) -> Result<Geography, ProtocolError> {
        let mut r = Reader::new(body);
        r.skip(3, "geography header")?;
        let n = r.read_i32("geography loop count")?;
        let n = r.check_count(n as i64, LOOP_OVERHEAD, "geography loop count")?;
        let mut loops = Vec::with_capacity(n);
        for _ in 0..n {
            r.skip(1, "loop version")?;
            let nv = r.read_i32("loop vertex count")?;
            let nv = r.check_count(nv as i64, VERTEX_SIZE, "loop vertex count")?;
            let mut l = Vec::with_capacity(nv);
            for _ in 0..nv {
                let x = r.read_f64("vertex")?;
                let y = r.read_f64("vertex")?;
                let z = r.read_f64("vertex")?;
                l.push(XyzPoint { x, y, z });
            }
            r.skip(1 + 4 + 33, "loop trailer")?;
            loops.push(l);
        }
        r.skip(33, "polygon bound")?;
        r.finish("geography")?;
        Ok(Geography { loops })
    }
}

fn empty_bound(out: &mut Vec<u8>) {
    out.put_u8(0);
    for _ in 0..4 {
        out.put_f64(NULL_COORD);
    }
}

impl fmt::Display for Geography {
    /// WKT as the Java and Python clients print it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("POLYGON (")?;
        for (i, ring) in self.rings().iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str("(")?;
            for (j, p) in ring.iter().enumerate() {
                if j > 0 {
                    f.write_str(", ")?;
                }
                f.write_str(&fmt_point(*p))?;
            }
            f.write_str(")")?;
        }
        f.write_str(")")
    }
}

impl std::str::FromStr for Geography {
    type Err = EncodeError;
    fn from_str(s: &str) -> Result<Geography, EncodeError> {
        Geography::from_wkt(s)
    }
}

#[derive(Debug, PartialEq)]
enum Tok {
    Word(String),
    Num(f64),
    LParen,
    RParen,
    Comma,
}

fn tokenize(s: &str) -> Option<Vec<Tok>> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'(' => {
                out.push(Tok::LParen);
                i += 1
            }
            b')' => {
                out.push(Tok::RParen);
                i += 1
            }
            b',' => {
                out.push(Tok::Comma);
                i += 1
            }
            b'a'..=b'z' | b'A'..=b'Z' => {
                let st = i;
                while i < b.len() && b[i].is_ascii_alphabetic() {
                    i += 1;
                }
                out.push(Tok::Word(s[st..i].to_string()));
            }
            b'-' | b'+' | b'.' | b'0'..=b'9' => {
                let st = i;
                i += 1;
                while i < b.len()
                    && (b[i].is_ascii_digit() || matches!(b[i], b'.' | b'e' | b'E' | b'-' | b'+'))
                {
                    i += 1;
                }
                let v: f64 = s[st..i].parse().ok()?;
                if !v.is_finite() {
                    return None;
                }
                out.push(Tok::Num(v));
            }
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wkt_round_trip_with_hole() {
        let wkt = "POLYGON ((0.0 0.0, 10.0 0.0, 10.0 10.0, 0.0 10.0, 0.0 0.0), (2.0 2.0, 2.0 4.0, 4.0 4.0, 4.0 2.0, 2.0 2.0))";
        let g = Geography::from_wkt(wkt).unwrap();
        assert_eq!(g.to_string(), wkt);
        let mut body = Vec::new();
        g.encode_body(&mut body);
        assert_eq!(body.len(), g.serialized_size());
        assert_eq!(Geography::decode_body(&body).unwrap(), g);
    }

    #[test]
    fn bad_wkt() {
        for bad in [
            "",
            "POLYGON",
            "POLYGON((0 0, 1 0, 0 0))",
            "POLYGON((0 0, 1 0, 0 1, 1 1))",
            "POLYGON((0 0, 1 0, 0 1, 0 0)",
            "POLYGON((0 0, 1 0, 0 1, 0 0)) x",
            "POINT(1 2)",
            "POLYGON((0 0, 1 0, 0 1, 0 nan))",
        ] {
            assert!(Geography::from_wkt(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn decode_rejects_huge_counts() {
        let mut b = vec![0, 1, 0];
        b.extend_from_slice(&i32::MAX.to_be_bytes());
        assert!(Geography::decode_body(&b).is_err());
    }
}

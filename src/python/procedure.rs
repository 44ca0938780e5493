//! [`VoltProcedure`]: a named procedure with declared parameter types, as in Python.

use std::time::Duration;

use super::serializer::FastSerializer;
use crate::error::{EncodeError, Error, Result};
use crate::response::VoltResponse;
use crate::wire::invocation::InvocationOptions;
use crate::wire::types::VoltType;
use crate::wire::value::Value;

/// A stored procedure bound to a [`FastSerializer`], with declared parameter
/// types (Python `VoltProcedure(fser, name, paramtypes)`). Array parameters
/// are declared by their element type.
///
/// Several procedures can share one serializer and be called interleaved.
///
/// ```no_run
/// use voltdb::{FastSerializer, VoltProcedure, VoltType, Value};
/// let fser = FastSerializer::new("localhost", 21212)?;
/// let insert = VoltProcedure::new(&fser, "Insert", vec![VoltType::String; 3]);
/// let select = VoltProcedure::new(&fser, "Select", vec![VoltType::String]);
/// insert.call(&["Hello".into(), "World".into(), "English".into()], true, None)?;
/// let r = select.call(&["English".into()], true, None)?.expect("asked for a response");
/// println!("{r}");
/// # Ok::<(), voltdb::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct VoltProcedure {
    fser: FastSerializer,
    name: String,
    paramtypes: Vec<VoltType>,
    options: InvocationOptions,
}

impl VoltProcedure {
    /// A procedure `name` on `fser` with these parameter types.
    pub fn new(fser: &FastSerializer, name: &str, paramtypes: Vec<VoltType>) -> VoltProcedure {
        VoltProcedure {
            fser: fser.clone(),
            name: name.to_string(),
            paramtypes,
            options: InvocationOptions::default(),
        }
    }

    /// Sets server-side options (query timeout, priority) for every call:
    /// the invocation is then sent as version 2.
    pub fn with_options(mut self, options: InvocationOptions) -> VoltProcedure {
        self.options = options;
        self
    }

    /// The procedure name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The declared parameter types.
    pub fn paramtypes(&self) -> &[VoltType] {
        &self.paramtypes
    }

    /// Calls the procedure (Python `call(params, response, timeout)`).
    ///
    /// The parameter count and every value are checked against the declared
    /// types before any byte is sent. `timeout` (or else the serializer's
    /// procedure timeout) bounds the wait; a timeout is [`Error::Timeout`](crate::Error::Timeout).
    /// With `response = false` the response is still awaited (as in Python)
    /// and `Ok(None)` is returned.
    ///
    /// As in Python, a response with a failure status is still `Ok`: read
    /// its [`status`](VoltResponse::status), or call [`VoltResponse::ok`].
    /// The Rust-native calls ([`FastSerializer::call`],
    /// [`FastSerializer::invoke`], [`Client::call`](crate::Client::call))
    /// return it as [`Error::Server`](crate::Error::Server) instead (see
    /// [which calls do this](crate::error#which-calls-return-a-failure-status-as-an-error)).
    ///
    /// # Errors
    ///
    /// A wrong parameter count or a value that does not fit its declared
    /// type → [`Error::Encode`](crate::Error::Encode) (nothing is sent); a
    /// timeout, a lost or closed connection.
    pub fn call(
        &self,
        params: &[Value],
        response: bool,
        timeout: Option<Duration>,
    ) -> Result<Option<VoltResponse>> {
        if params.len() != self.paramtypes.len() {
            return Err(EncodeError::ParamCount {
                procedure: self.name.clone(),
                expected: self.paramtypes.len(),
                got: params.len(),
            }
            .into());
        }
        let r = match self.fser.invoke(
            &self.name,
            params,
            Some(&self.paramtypes),
            &self.options,
            timeout,
        ) {
            Ok(r) => r,
            // Python's contract: a failure status is a response.
            Err(Error::Server { response, .. }) => *response,
            Err(e) => return Err(e),
        };
        Ok(response.then_some(r))
    }
}

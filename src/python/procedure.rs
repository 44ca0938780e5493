//! [`VoltProcedure`]: a named procedure with declared parameter types, as in Python.

use std::time::Duration;

use super::serializer::FastSerializer;
use crate::client::CallOptions;
use crate::error::{EncodeError, Result};
use crate::response::VoltResponse;
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
/// // The short form: the response, and a failure status as an error.
/// let r = select.invoke(&["English".into()])?;
/// println!("{r:#}");
/// # Ok::<(), voltdb::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct VoltProcedure {
    fser: FastSerializer,
    name: String,
    paramtypes: Vec<VoltType>,
    options: CallOptions,
}

impl VoltProcedure {
    /// A procedure `name` on `fser` with these parameter types.
    pub fn new(fser: &FastSerializer, name: &str, paramtypes: Vec<VoltType>) -> VoltProcedure {
        VoltProcedure {
            fser: fser.clone(),
            name: name.to_string(),
            paramtypes,
            options: CallOptions::default(),
        }
    }

    /// Sets options for every call: the same [`CallOptions`] as
    /// [`Client::call_with`](crate::Client::call_with) takes. Their `timeout`
    /// applies when a call passes none; server-side options (query timeout,
    /// priority) make the invocation version 2. The procedure's declared
    /// parameter types are always used (the options' `types` are ignored).
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use voltdb::{client::CallOptions, FastSerializer, VoltProcedure, VoltType};
    /// let fser = FastSerializer::new("localhost", 21212)?;
    /// let select = VoltProcedure::new(&fser, "Select", vec![VoltType::String])
    ///     .with_options(CallOptions::new().query_timeout(Duration::from_millis(500)).priority(2));
    /// let r = select.invoke(&["English".into()])?;
    /// # Ok::<(), voltdb::Error>(())
    /// ```
    pub fn with_options(mut self, options: CallOptions) -> VoltProcedure {
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
    /// types before any byte is sent. `timeout` (or else the options'
    /// timeout, or the serializer's procedure timeout) bounds the wait; a
    /// timeout is [`Error::Timeout`](crate::Error::Timeout). With
    /// `response = false` the response is still awaited (as in Python) and
    /// `Ok(None)` is returned.
    ///
    /// As in Python, a response with a failure status is still `Ok`: read
    /// its [`status`](VoltResponse::status). [`invoke`](Self::invoke) is the
    /// short, Rust-native form; [`FastSerializer::call`] and
    /// [`Client::call`](crate::Client::call) also return a failure status as
    /// [`Error::Server`](crate::Error::Server) (see
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
        let r = self.send(params, timeout)?;
        Ok(response.then_some(r))
    }

    /// Calls the procedure and returns its response: the common case of
    /// [`call`](Self::call) (`call(params, true, None)`), as a Rust caller
    /// expects it.
    ///
    /// # Errors
    ///
    /// A status other than `SUCCESS` → [`Error::Server`](crate::Error::Server)
    /// (checked with [`VoltResponse::ok`]); a wrong parameter count or a
    /// value that does not fit its declared type → [`Error::Encode`](crate::Error::Encode)
    /// (nothing is sent); a timeout, a lost or closed connection.
    pub fn invoke(&self, params: &[Value]) -> Result<VoltResponse> {
        self.send(params, None).and_then(VoltResponse::ok)
    }

    /// Checks the parameter count, sends the call and waits for the
    /// response, whatever its status.
    fn send(&self, params: &[Value], timeout: Option<Duration>) -> Result<VoltResponse> {
        if params.len() != self.paramtypes.len() {
            return Err(EncodeError::ParamCount {
                procedure: self.name.clone(),
                expected: self.paramtypes.len(),
                got: params.len(),
            }
            .into());
        }
        self.fser.invoke_raw(
            &self.name,
            params,
            Some(&self.paramtypes),
            &self.options.invocation,
            timeout.or(self.options.timeout),
        )
    }
}

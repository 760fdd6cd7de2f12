//! Direct N-API calls for the hot paths (binding arguments, building rows),
//! where napi-rs' typed wrappers would add a conversion per value.

use std::ffi::{c_char, c_void};
use std::ptr;

use napi::sys::{self, napi_env, napi_value};
use napi::{Error, Result, Status};

fn check(status: sys::napi_status) -> Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(Error::from_status(Status::from(status)))
    }
}

/// The current call's environment. Values created here live until the call returns.
#[derive(Clone, Copy)]
pub struct Js {
    env: napi_env,
}

macro_rules! out {
    ($call:ident($($arg:expr),*)) => {{
        let mut out = std::mem::MaybeUninit::uninit();
        // SAFETY: `env` is the live environment of the current call and `out` is a valid out-pointer.
        check(unsafe { sys::$call($($arg,)* out.as_mut_ptr()) })?;
        // SAFETY: N-API wrote the value when it returned napi_ok.
        Ok::<_, Error>(unsafe { out.assume_init() })
    }};
}

impl Js {
    pub fn new(env: napi_env) -> Self {
        Self { env }
    }

    pub fn env(&self) -> napi_env {
        self.env
    }

    pub fn null(&self) -> Result<napi_value> {
        out!(napi_get_null(self.env))
    }

    pub fn undefined(&self) -> Result<napi_value> {
        out!(napi_get_undefined(self.env))
    }

    pub fn double(&self, v: f64) -> Result<napi_value> {
        out!(napi_create_double(self.env, v))
    }

    pub fn boolean(&self, v: bool) -> Result<napi_value> {
        out!(napi_get_boolean(self.env, v))
    }

    pub fn bigint(&self, v: i64) -> Result<napi_value> {
        out!(napi_create_bigint_int64(self.env, v))
    }

    pub fn string(&self, utf8: &[u8]) -> Result<napi_value> {
        // ASCII is valid Latin-1: V8 then copies the bytes instead of decoding UTF-8.
        if utf8.is_ascii() {
            return out!(napi_create_string_latin1(self.env, utf8.as_ptr() as *const c_char, utf8.len() as isize));
        }
        out!(napi_create_string_utf8(self.env, utf8.as_ptr() as *const c_char, utf8.len() as isize))
    }

    /// A string meant as a property key. Node-API 10 internalizes it up front, which
    /// makes defining it on every row of a result markedly cheaper; where the running
    /// Node lacks that call, a plain string does the same job.
    pub fn key(&self, utf8: &[u8]) -> Result<napi_value> {
        let mut value = ptr::null_mut();
        // SAFETY: live env; the bytes are valid UTF-8 of the given length.
        let status = unsafe {
            sys::node_api_create_property_key_utf8(self.env, utf8.as_ptr() as *const c_char, utf8.len() as isize, &mut value)
        };
        if status == sys::Status::napi_ok {
            Ok(value)
        } else {
            self.string(utf8)
        }
    }

    pub fn array_buffer(&self, bytes: &[u8]) -> Result<napi_value> {
        let mut data: *mut c_void = ptr::null_mut();
        let value: napi_value = out!(napi_create_arraybuffer(self.env, bytes.len(), &mut data))?;
        if !bytes.is_empty() {
            // SAFETY: N-API allocated `bytes.len()` writable bytes at `data`.
            unsafe { ptr::copy_nonoverlapping(bytes.as_ptr(), data.cast::<u8>(), bytes.len()) };
        }
        Ok(value)
    }

    pub fn array(&self, len: usize) -> Result<napi_value> {
        out!(napi_create_array_with_length(self.env, len))
    }

    pub fn object(&self) -> Result<napi_value> {
        out!(napi_create_object(self.env))
    }

    pub fn set_element(&self, array: napi_value, index: u32, value: napi_value) -> Result<()> {
        // SAFETY: live env and values of this call.
        check(unsafe { sys::napi_set_element(self.env, array, index, value) })
    }

    pub fn get_element(&self, array: napi_value, index: u32) -> Result<napi_value> {
        out!(napi_get_element(self.env, array, index))
    }

    pub fn set_named(&self, object: napi_value, name: &std::ffi::CStr, value: napi_value) -> Result<()> {
        // SAFETY: live env and values; NUL-terminated name.
        check(unsafe { sys::napi_set_named_property(self.env, object, name.as_ptr(), value) })
    }

    pub fn get_named(&self, object: napi_value, name: &std::ffi::CStr) -> Result<napi_value> {
        out!(napi_get_named_property(self.env, object, name.as_ptr()))
    }

    pub fn define_properties(&self, object: napi_value, props: &[sys::napi_property_descriptor]) -> Result<()> {
        // SAFETY: descriptors point at values of this call.
        check(unsafe { sys::napi_define_properties(self.env, object, props.len(), props.as_ptr()) })
    }

    pub fn type_of(&self, v: napi_value) -> Result<sys::napi_valuetype> {
        out!(napi_typeof(self.env, v))
    }

    pub fn get_double(&self, v: napi_value) -> Result<f64> {
        out!(napi_get_value_double(self.env, v))
    }

    pub fn get_bool(&self, v: napi_value) -> Result<bool> {
        out!(napi_get_value_bool(self.env, v))
    }

    /// The BigInt's value and whether it fit in an i64 without loss.
    pub fn get_bigint(&self, v: napi_value) -> Result<(i64, bool)> {
        let mut lossless = false;
        let mut value = 0i64;
        // SAFETY: live env; both out-pointers are valid.
        check(unsafe { sys::napi_get_value_bigint_int64(self.env, v, &mut value, &mut lossless) })?;
        Ok((value, lossless))
    }

    /// Copies a JS string as UTF-8 into `buf` (replacing its contents). One N-API call
    /// when the string fits the buffer's spare room, two when it has to grow.
    pub fn get_string_into(&self, v: napi_value, buf: &mut Vec<u8>) -> Result<()> {
        buf.clear();
        if buf.capacity() < 64 {
            buf.reserve(64);
        }
        let mut written = 0usize;
        // SAFETY: the buffer has `capacity` writable bytes; N-API writes at most capacity - 1 plus a NUL.
        check(unsafe {
            sys::napi_get_value_string_utf8(self.env, v, buf.as_mut_ptr() as *mut c_char, buf.capacity(), &mut written)
        })?;
        if written + 1 < buf.capacity() {
            // SAFETY: N-API initialised `written` bytes, and the string was not cut short.
            unsafe { buf.set_len(written) };
            return Ok(());
        }
        let len: usize = out!(napi_get_value_string_utf8(self.env, v, ptr::null_mut(), 0))?;
        buf.reserve(len + 1);
        // SAFETY: the buffer now has room for len bytes plus the NUL.
        check(unsafe {
            sys::napi_get_value_string_utf8(self.env, v, buf.as_mut_ptr() as *mut c_char, len + 1, &mut written)
        })?;
        // SAFETY: N-API initialised `written` bytes.
        unsafe { buf.set_len(written) };
        Ok(())
    }

    /// Copies a JS string into `buf` and returns it as text.
    pub fn get_str_into<'b>(&self, v: napi_value, buf: &'b mut Vec<u8>) -> Result<&'b str> {
        self.get_string_into(v, buf)?;
        // SAFETY: napi_get_value_string_utf8 writes UTF-8 (lone surrogates become U+FFFD), and
        // `get_string_into` only keeps whole strings, never a cut one. Skipping the check
        // matters: it ran on every statement's SQL text.
        Ok(unsafe { std::str::from_utf8_unchecked(buf) })
    }

    pub fn is_array(&self, v: napi_value) -> Result<bool> {
        out!(napi_is_array(self.env, v))
    }

    pub fn array_len(&self, v: napi_value) -> Result<u32> {
        out!(napi_get_array_length(self.env, v))
    }

    /// Milliseconds since the epoch, when `v` is a Date.
    pub fn date_value(&self, v: napi_value) -> Result<Option<f64>> {
        let is_date: bool = out!(napi_is_date(self.env, v))?;
        if !is_date {
            return Ok(None);
        }
        out!(napi_get_date_value(self.env, v)).map(Some)
    }

    /// The bytes of an ArrayBuffer or of any ArrayBuffer view (Buffer, Uint8Array, DataView...).
    pub fn bytes<'a>(&self, v: napi_value) -> Result<Option<&'a [u8]>> {
        let mut data: *mut c_void = ptr::null_mut();
        let mut len = 0usize;
        let is_ab: bool = out!(napi_is_arraybuffer(self.env, v))?;
        if is_ab {
            // SAFETY: v is an ArrayBuffer.
            check(unsafe { sys::napi_get_arraybuffer_info(self.env, v, &mut data, &mut len) })?;
        } else if out!(napi_is_typedarray(self.env, v))? {
            let mut kind = 0;
            let mut count = 0usize;
            let mut offset = 0usize;
            let mut buffer = ptr::null_mut();
            // SAFETY: v is a typed array.
            check(unsafe {
                sys::napi_get_typedarray_info(self.env, v, &mut kind, &mut count, &mut data, &mut buffer, &mut offset)
            })?;
            len = count * typed_array_element_size(kind);
        } else if out!(napi_is_dataview(self.env, v))? {
            let mut buffer = ptr::null_mut();
            let mut offset = 0usize;
            // SAFETY: v is a DataView.
            check(unsafe { sys::napi_get_dataview_info(self.env, v, &mut len, &mut data, &mut buffer, &mut offset) })?;
        } else {
            return Ok(None);
        }
        if data.is_null() || len == 0 {
            return Ok(Some(&[]));
        }
        // SAFETY: the JS value keeps the memory alive for the duration of this call.
        Ok(Some(unsafe { std::slice::from_raw_parts(data as *const u8, len) }))
    }

    /// Own enumerable string keys of an object.
    pub fn keys(&self, v: napi_value) -> Result<napi_value> {
        out!(napi_get_property_names(self.env, v))
    }

    pub fn get_property(&self, object: napi_value, key: napi_value) -> Result<napi_value> {
        out!(napi_get_property(self.env, object, key))
    }

    /// `String(v)`, running the value's `toString`.
    pub fn coerce_to_string(&self, v: napi_value) -> Result<napi_value> {
        out!(napi_coerce_to_string(self.env, v))
    }

    /// Creates (without throwing) a `RangeError`.
    pub fn range_error(&self, msg: &str) -> Result<napi_value> {
        let msg = self.string(msg.as_bytes())?;
        out!(napi_create_range_error(self.env, ptr::null_mut(), msg))
    }

    /// Throws a `TypeError` and returns the error that tells napi-rs one is pending.
    pub fn throw_type_error(&self, msg: &str) -> Error {
        let msg = c_message(msg);
        // SAFETY: live env, NUL-terminated message.
        unsafe { sys::napi_throw_type_error(self.env, ptr::null(), msg.as_ptr()) };
        Error::from_status(Status::PendingException)
    }

    /// Throws a `RangeError`, as [`Js::throw_type_error`].
    pub fn throw_range_error(&self, msg: &str) -> Error {
        let msg = c_message(msg);
        // SAFETY: live env, NUL-terminated message.
        unsafe { sys::napi_throw_range_error(self.env, ptr::null(), msg.as_ptr()) };
        Error::from_status(Status::PendingException)
    }
}

fn c_message(msg: &str) -> std::ffi::CString {
    std::ffi::CString::new(msg.replace('\0', " ")).unwrap_or_default()
}

fn typed_array_element_size(kind: sys::napi_typedarray_type) -> usize {
    use sys::TypedarrayType as T;
    if [T::int8_array, T::uint8_array, T::uint8_clamped_array].contains(&kind) {
        1
    } else if [T::int16_array, T::uint16_array].contains(&kind) {
        2
    } else if [T::int32_array, T::uint32_array, T::float32_array].contains(&kind) {
        4
    } else {
        8
    }
}

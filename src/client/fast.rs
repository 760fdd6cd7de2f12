//! The per-statement hot path, `fastExecute(handle, sql, args, flags)`, as a raw N-API
//! callback. napi-rs methods track native borrows through a process-wide mutex and hash
//! map on every call; for a statement that itself takes under a microsecond that was a
//! fifth of the time (measured with perf). Here the connection comes from a type-tagged
//! external and exclusive access is checked by `Shared::enter` instead.

use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::rc::Rc;

use napi::bindgen_prelude::*;
use napi::sys::{self, napi_callback_info, napi_env, napi_value};
use napi_derive::napi;

use super::guard::Shared;
use super::error::Failure;
use super::raw::Js;

/// Marks externals that carry a connection (random, fixed).
const TAG: sys::napi_type_tag = sys::napi_type_tag { lower: 0x6173_7472_6f2d_6462, upper: 0x0c1e_7fa2_94d3_5b1f };

/// A type-tagged external holding one reference to the connection.
pub(crate) fn handle(js: Js, shared: &Rc<Shared>) -> Result<napi_value> {
    let data = Rc::into_raw(Rc::clone(shared)) as *mut c_void;
    let mut value = ptr::null_mut();
    // SAFETY: live env; `release` takes the reference back when the external is collected.
    let status = unsafe { sys::napi_create_external(js.env(), data, Some(release), ptr::null_mut(), &mut value) };
    if status != sys::Status::napi_ok {
        // SAFETY: the external was not created, so the reference is still ours.
        drop(unsafe { Rc::from_raw(data as *const Shared) });
        return Err(Error::from_status(Status::from(status)));
    }
    // SAFETY: live env and a fresh external.
    let status = unsafe { sys::napi_type_tag_object(js.env(), value, &TAG) };
    if status != sys::Status::napi_ok {
        return Err(Error::from_status(Status::from(status)));
    }
    Ok(value)
}

unsafe extern "C" fn release(_env: napi_env, data: *mut c_void, _hint: *mut c_void) {
    // SAFETY: `data` is the reference `handle` gave the external, released exactly once.
    drop(unsafe { Rc::from_raw(data as *const Shared) });
}

/// Returns `fastExecute(handle, sql, args, flags)`: `NativeConnection.execute` for the
/// connection behind `handle` (from `NativeConnection.handle()`), without napi-rs's
/// per-call bookkeeping.
#[napi(catch_unwind, ts_return_type = "(handle: unknown, sql: string, args: unknown, flags: number) => [string[], string[], Record<string, unknown>[], number, bigint | undefined] | null")]
pub fn fast_execute_function(env: &Env) -> Result<Unknown<'_>> {
    let mut f = ptr::null_mut();
    // SAFETY: live env, a NUL-free name of the given length, a valid callback.
    let status = unsafe {
        sys::napi_create_function(env.raw(), c"fastExecute".as_ptr(), 11, Some(fast_execute), ptr::null_mut(), &mut f)
    };
    if status != sys::Status::napi_ok {
        return Err(Error::from_status(Status::from(status)));
    }
    // SAFETY: created in this call's environment.
    Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), f) })
}

unsafe extern "C" fn fast_execute(env: napi_env, info: napi_callback_info) -> napi_value {
    let js = Js::new(env);
    let outcome = catch_unwind(AssertUnwindSafe(|| run(js, info)));
    let error = match outcome {
        Ok(Ok(value)) => return value,
        Ok(Err(failure)) => failure.throw(js, None),
        Err(_) => Error::new(Status::GenericFailure, "internal error in fastExecute (a bug: please report it)".to_owned()),
    };
    // SAFETY: live env; a pending exception is left as it is.
    unsafe { JsError::from(error).throw_into(env) };
    ptr::null_mut()
}

fn run(js: Js, info: napi_callback_info) -> std::result::Result<napi_value, Failure> {
    let mut argv = [ptr::null_mut(); 4];
    let mut argc = argv.len();
    // SAFETY: live env and callback info; argv has room for argc values.
    check(unsafe { sys::napi_get_cb_info(js.env(), info, &mut argc, argv.as_mut_ptr(), ptr::null_mut(), ptr::null_mut()) })?;
    let mut tagged = false;
    if argc == 4 {
        // SAFETY: live env; argv[0] is a value of this call.
        check(unsafe { sys::napi_check_object_type_tag(js.env(), argv[0], &TAG, &mut tagged) })?;
    }
    if !tagged {
        return Err(Failure::Js(js.throw_type_error("fastExecute(handle, sql, args, flags) needs a handle from NativeConnection.handle()")));
    }
    let mut data = ptr::null_mut();
    // SAFETY: argv[0] carries our tag, so it is an external made by `handle`.
    check(unsafe { sys::napi_get_value_external(js.env(), argv[0], &mut data) })?;
    // SAFETY: the external holds a reference, so the connection outlives this call.
    let shared = unsafe { &*(data as *const Shared) };
    let mut flags = 0u32;
    // SAFETY: live env.
    check(unsafe { sys::napi_get_value_uint32(js.env(), argv[3], &mut flags) })?;
    let mut local = shared.enter()?;
    local.execute(js, argv[1], argv[2], flags)
}

fn check(status: sys::napi_status) -> std::result::Result<(), Failure> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(Failure::Js(Error::from_status(Status::from(status))))
    }
}

//! wildstat-reader

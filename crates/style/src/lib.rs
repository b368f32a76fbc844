//! wildstat-style

//! wildstat-stats

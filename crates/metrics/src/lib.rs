//! wildstat-metrics

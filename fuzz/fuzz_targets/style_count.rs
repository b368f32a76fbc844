//! `wildstat_style::count` must never panic, on any bytes (lossy UTF-8), and
//! the raw HTML scanner neither.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let c = wildstat_style::count(&text);
    assert_eq!(c.len, text.chars().count() as u64);
    let _ = wildstat_style::count_html_elements(&text);
});

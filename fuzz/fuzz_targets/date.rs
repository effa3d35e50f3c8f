//! The partial-date parser: never panics, and what it accepts round-trips through `iso()`.
#![no_main]

use kiji::date::PartialDate;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &str| {
    let Ok(d) = PartialDate::parse(data) else {
        return;
    };
    assert_eq!(PartialDate::parse(&d.iso()), Ok(d));
    let _ = d.human();
    let end = d.day_after_end();
    assert!(end > d.first_day());
});

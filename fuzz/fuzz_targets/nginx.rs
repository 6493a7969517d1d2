//! The nginx adapter on a tree of files: the input's first file is
//! `nginx.conf`, and a line `==> path <==` starts another (a module it calls,
//! a file it includes).
#![no_main]

use airworthy_fuzz::{Scratch, check_spans, files, load};
use libfuzzer_sys::fuzz_target;

thread_local! {
    static SCRATCH: Scratch = Scratch::default();
}

fuzz_target!(|data: &[u8]| {
    SCRATCH.with(|scratch| {
        let paths = scratch.write(&files(data, "nginx.conf"));
        let (sources, objects, diagnostics) = load(&paths);
        check_spans(&sources, &objects, &diagnostics);
    });
});

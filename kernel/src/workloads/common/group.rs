//! Starting Gs counted on a WaitGroup: Go's `sync.WaitGroup.Go`, so that
//! a workload does not hand every G a clone of the group and a `done()`.

use crate::prelude::*;

/// Go's `wg.Go(f)`: count one more G on `wg` and start `f` in it; the G
/// is done when `f` returns.
pub fn wg_go(wg: &Arc<WaitGroup>, f: impl FnOnce() + Send + 'static) {
    wg.add(1);
    let wg = wg.clone();
    go(move || {
        f();
        wg.done();
    });
}

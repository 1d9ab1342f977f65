//! Every lab's grade gives full marks on the reference code: this tree.

use gmp_metal::lab::catalog::LABS;

use super::{common, lab, repo};

#[test]
fn every_lab_gives_full_marks_on_the_reference_code() {
    for l in LABS {
        // The grade boots QEMU: one boot at a time, as every QEMU test.
        let _slot = common::qemu_slot();
        let (out, text) = lab(repo(), &["grade", l.name], &[]);
        let full = format!("score: {0}/{0}", l.total());
        assert!(
            out.status.success() && text.contains(&full),
            "lab grade {} on the reference code: expected {full} and status 0, got {}:\n{text}",
            l.name,
            out.status
        );
    }
}

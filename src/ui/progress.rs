//! Progress for steps with many items: done / total, failures, rate. Drawn
//! on stderr, only on a terminal, never with -q, and only when there are more
//! than a handful of items (a bar that flashes by helps no one).

use std::sync::atomic::{AtomicU64, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::Printer;

const SHOW_ABOVE: u64 = 5;

pub(crate) struct Progress {
    bar: ProgressBar,
    failed: AtomicU64,
}

pub(crate) fn bar(out: &Printer, total: u64, label: &str) -> Progress {
    let bar = if total > SHOW_ABOVE && out.shows_progress() {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{prefix:>16} [{bar:30}] {pos}/{len} {per_sec:>9} {msg}")
                .expect("a valid template")
                .progress_chars("=> "),
        );
        bar.set_prefix(label.to_string());
        bar
    } else {
        ProgressBar::hidden()
    };
    Progress {
        bar,
        failed: AtomicU64::new(0),
    }
}

impl Progress {
    pub(crate) fn inc(&self) {
        self.bar.inc(1);
    }

    pub(crate) fn failed(&self) {
        let n = self.failed.fetch_add(1, Ordering::Relaxed) + 1;
        self.bar.inc(1);
        self.bar.set_message(format!("{n} failed"));
    }

    pub(crate) fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

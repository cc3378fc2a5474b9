//! Checks applied to particle runs after they end, shared by `descend` and
//! `compare`:
//!
//! * **f32 artefacts**: a GPU particle that stopped because f or ∇f is not
//!   finite in f32 at its position while both are finite in f64 (the check
//!   `render` makes for its warning) did not diverge: f32 overflowed
//!   (Cross-in-tray's exp(|100 − r/π|) ≈ 1e43 at (1, 1)). Such particles are
//!   rerun from their start on the CPU in f64, so no f32 artefact is ever an
//!   answer; the caller says so once on stderr.
//! * **flat stops**: a run that "converged" because ∇f vanished where f is flat
//!   to rounding (an underflowed plateau) is [`Status::Flat`], not converged.

use super::Scale;
use crate::expr::Function;
use crate::optim::{iterate, Optimizer, State, Status, Stop};
use rayon::prelude::*;

/// True when f or ∇f is not finite in f32 at (x, y) but all three are finite in f64.
pub fn f32_artefact(func: &Function, x: f32, y: f32) -> bool {
    let tape = func.tape_value_grad();
    let mut out64 = [0.0f64; 3];
    let mut out32 = [0.0f32; 3];
    tape.eval_into::<f64>(x as f64, y as f64, &mut Vec::new(), &mut out64);
    tape.eval_into::<f32>(x, y, &mut Vec::new(), &mut out32);
    out64.iter().all(|v| v.is_finite()) && out32.iter().any(|v| !v.is_finite())
}

/// Whether a GPU run that ended with `status` at `end` (inside or outside the
/// divergence box) must be redone in f64: it diverged although f64 is finite there.
pub fn needs_f64(func: &Function, stop: &Stop, status: Status, end: [f32; 2]) -> bool {
    let b = &stop.bounds;
    let (x, y) = (end[0] as f64, end[1] as f64);
    let inside = x >= b.xmin && x <= b.xmax && y >= b.ymin && y <= b.ymax;
    status == Status::Diverged && inside && f32_artefact(func, end[0], end[1])
}

/// One run on the CPU in f64 from `start`, as particle number `index` (its noise stream).
pub fn run_f64(
    func: &Function,
    opt: &Optimizer,
    stop: &Stop,
    start: [f64; 2],
    index: u32,
) -> State {
    let mut st = State::new(start);
    st.index = index;
    while iterate(func, opt, stop, &mut st) {}
    st
}

/// Reruns, in f64 and in parallel, every start whose GPU end `needs_f64`;
/// `end_status(i)` gives run i's f32 end point and status, `put(i, state)`
/// stores the f64 result. Returns how many were rerun.
pub fn rerun_artefacts(
    func: &Function,
    opt: &Optimizer,
    stop: &Stop,
    starts: &[[f64; 2]],
    end_status: impl Fn(usize) -> ([f32; 2], Status) + Sync,
    mut put: impl FnMut(usize, State),
) -> usize {
    let redo: Vec<usize> = (0..starts.len())
        .into_par_iter()
        .filter(|&i| {
            let (end, status) = end_status(i);
            needs_f64(func, stop, status, end)
        })
        .collect();
    let states: Vec<State> = redo
        .par_iter()
        .map(|&i| run_f64(func, opt, stop, starts[i], i as u32))
        .collect();
    for (&i, st) in redo.iter().zip(states) {
        put(i, st);
    }
    redo.len()
}

/// The one warning line for `n` of `total` runs redone in f64.
pub fn rerun_warning(n: u64, total: u64) -> String {
    format!(
        "warning: f or ∇f overflows 32-bit floats where f64 is finite: {n} of {total} runs \
         stopped on the GPU for that alone and were rerun on the CPU in f64"
    )
}

/// Whether a run that converged at `end` stopped on a flat plateau instead.
pub fn is_flat_stop(func: &Function, scale: &Scale, status: Status, end: [f64; 2]) -> bool {
    status == Status::Converged && scale.is_flat(func, end[0], end[1])
}

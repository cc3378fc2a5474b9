//! `gradfield._gradfield`: the native half of the Python package. Thin: every
//! number comes from the `gradfield` library (its tapes, optimizers, GPU
//! engine, renderer); this file converts arrays and errors and releases the
//! GIL around the work. The Python half (`gradfield/__init__.py`) adds
//! broadcasting, keyword handling and the result dictionaries.

use gradfield::analysis::compare::{CompareReport, StartResult};
use gradfield::api::{self, Resolved};
use gradfield::expr::tape::{Block, LANES};
use gradfield::expr::Tape;
use gradfield::gpu::Context;
use gradfield::optim::{Optimizer, OptimizerKind, Status, Stop};
use gradfield::Domain;
use numpy::{PyArray1, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use rayon::prelude::*;
use std::mem::MaybeUninit;
use std::path::PathBuf;
use std::sync::OnceLock;

/// A library error as a Python exception: wrong input is a `ValueError`
/// (a parse error carries `.column`), the rest (GPU, I/O) a `RuntimeError`;
/// the message is the command line's one line.
fn to_py(e: gradfield::Error) -> PyErr {
    let msg = e.to_string();
    if !e.is_user_error() {
        return PyRuntimeError::new_err(msg);
    }
    let err = PyValueError::new_err(msg);
    if let gradfield::Error::Parse(p) = &e {
        Python::attach(|py| {
            let v = err.value(py);
            let _ = v.setattr("column", p.column);
            let _ = v.setattr("caret", p.caret());
        });
    }
    err
}

fn value_error(msg: impl Into<String>) -> PyErr {
    PyValueError::new_err(msg.into())
}

/// The GPU context, made once per process (a software adapter takes a while to start).
fn gpu() -> PyResult<&'static Context> {
    static CTX: OnceLock<Result<Context, String>> = OnceLock::new();
    CTX.get_or_init(|| Context::headless().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| PyRuntimeError::new_err(e.clone()))
}

fn device(py: Python<'_>, name: &str) -> PyResult<Option<&'static Context>> {
    match name {
        "gpu" => Ok(Some(py.detach(gpu)?)),
        "cpu" => Ok(None),
        other => Err(value_error(format!(
            "device '{other}' is unknown: use \"gpu\" (f32) or \"cpu\" (f64)"
        ))),
    }
}

fn domain_of(d: Option<(f64, f64, f64, f64)>) -> PyResult<Option<Domain>> {
    match d {
        None => Ok(None),
        Some((a, b, c, e)) => {
            let d = Domain::new(a, b, c, e);
            d.validate().map_err(to_py)?;
            Ok(Some(d))
        }
    }
}

/// A function of x and y: a built-in name or an expression.
#[pyclass(name = "_Function", module = "gradfield._gradfield", frozen)]
struct PyFunction {
    text: String,
    resolved: Resolved,
    grad: Tape,
    hess: Tape,
}

#[pymethods]
impl PyFunction {
    #[new]
    fn new(text: &str) -> PyResult<Self> {
        let resolved = api::resolve(text).map_err(to_py)?;
        let (g, r) = (resolved.func.graph(), resolved.func.roots());
        Ok(PyFunction {
            text: text.to_string(),
            grad: Tape::new(g, &[r.gx, r.gy]),
            hess: Tape::new(g, &[r.hxx, r.hxy, r.hyy]),
            resolved,
        })
    }

    /// The text it was made from (a name or an expression).
    #[getter]
    fn text(&self) -> &str {
        &self.text
    }

    /// The expression (a built-in's formula).
    #[getter]
    fn expr(&self) -> &str {
        self.resolved.func.source()
    }

    /// The built-in's name, or None.
    #[getter]
    fn name(&self) -> Option<&'static str> {
        self.resolved.entry.map(|e| e.name)
    }

    /// The built-in's title, or None.
    #[getter]
    fn title(&self) -> Option<&'static str> {
        self.resolved.entry.map(|e| e.title)
    }

    /// (xmin, xmax, ymin, ymax): the catalogue's domain, else (-5, 5, -5, 5).
    #[getter]
    fn domain(&self) -> (f64, f64, f64, f64) {
        let d = self.resolved.domain(api::DEFAULT_DOMAIN);
        (d.xmin, d.xmax, d.ymin, d.ymax)
    }

    /// The catalogue's learning rate for gd, else 0.01.
    #[getter]
    fn default_lr(&self) -> f64 {
        self.resolved.default_lr()
    }

    /// which: 0 value, 1 gradient, 2 Hessian; x and y 1-D contiguous float64
    /// of one length. Returns 1, 2 or 3 arrays of that length.
    fn _eval<'py>(
        &self,
        py: Python<'py>,
        which: u8,
        x: PyReadonlyArray1<'py, f64>,
        y: PyReadonlyArray1<'py, f64>,
    ) -> PyResult<Vec<Bound<'py, PyArray1<f64>>>> {
        let tape = match which {
            0 => self.resolved.func.tape_value(),
            1 => &self.grad,
            2 => &self.hess,
            _ => return Err(value_error("which must be 0, 1 or 2")),
        };
        let (xs, ys) = (x.as_slice()?, y.as_slice()?);
        if xs.len() != ys.len() {
            return Err(value_error(format!(
                "x has {} points and y {}",
                xs.len(),
                ys.len()
            )));
        }
        // The outputs come from numpy's allocator (it reuses freed memory and asks
        // for huge pages) and are left uninitialised until written: zeroing them
        // first would add their whole size to the memory traffic (the 10^6-point
        // case is memory-bound). 8 MB Vecs from the Rust allocator measured
        // 36 ms per call instead of 4 (page faults).
        let n = xs.len();
        // SAFETY: `new` leaves the elements uninitialised; they are only written
        // (through MaybeUninit), every one of them, before Python sees the arrays.
        let outs: Vec<Bound<'py, PyArray1<f64>>> = (0..tape.outputs())
            .map(|_| unsafe { PyArray1::<f64>::new(py, n, false) })
            .collect();
        let mut slices: Vec<&mut [MaybeUninit<f64>]> = outs
            .iter()
            // SAFETY: each array was just made here, is contiguous with n elements,
            // and nothing else refers to it.
            .map(|a| unsafe {
                std::slice::from_raw_parts_mut(a.data().cast::<MaybeUninit<f64>>(), n)
            })
            .collect();
        py.detach(|| eval_tape(tape, xs, ys, &mut slices));
        Ok(outs)
    }

    /// `critical --json` of this function over `domain` (default: its own) as JSON text.
    #[pyo3(signature = (domain=None, seeds=96))]
    fn _critical(
        &self,
        py: Python<'_>,
        domain: Option<(f64, f64, f64, f64)>,
        seeds: u32,
    ) -> PyResult<String> {
        let d = domain_of(domain)?.unwrap_or(self.resolved.domain(api::DEFAULT_DOMAIN));
        if !(2..=2048).contains(&seeds) {
            return Err(value_error(format!(
                "seeds {seeds} is out of range: use 2 to 2048 per side"
            )));
        }
        let opts = gradfield::analysis::critical::CriticalOptions {
            seeds,
            ..Default::default()
        };
        let func = &self.resolved.func;
        let rep = py.detach(|| gradfield::analysis::critical::analyze(func, &d, &opts));
        let points: Vec<serde_json::Value> = rep
            .points
            .iter()
            .map(|p| {
                let mut v = serde_json::json!({
                    "x": p.x, "y": p.y, "value": p.value, "kind": p.kind,
                    "eigenvalues": p.eigenvalues,
                });
                if let Some(c) = p.continuum {
                    v["continuum"] = c.into();
                }
                v
            })
            .collect();
        let j = serde_json::json!({
            "function": func.source(),
            "domain": [d.xmin, d.xmax, d.ymin, d.ymax],
            "critical_points": points,
            "continua": rep.continua,
            "flat_fraction": rep.flat_fraction,
            "extrema": rep.extrema,
        });
        Ok(j.to_string())
    }
}

/// Points per parallel task of [`eval_tape`].
const CHUNK: usize = 16 * LANES;

/// Every output of `tape` at every (x[i], y[i]) into `outs` (one slice of
/// x's length per output): blocks of `LANES` points (the vectorised
/// evaluation the benchmarks use), chunks in parallel.
fn eval_tape(tape: &Tape, xs: &[f64], ys: &[f64], outs: &mut [&mut [MaybeUninit<f64>]]) {
    let k = tape.outputs();
    let n = xs.len();
    if n == 0 {
        return;
    }
    let chunks = n.div_ceil(CHUNK);
    let mut per_chunk: Vec<Vec<&mut [MaybeUninit<f64>]>> =
        (0..chunks).map(|_| Vec::with_capacity(k)).collect();
    for o in outs.iter_mut() {
        for (c, s) in o[..n].chunks_mut(CHUNK).enumerate() {
            per_chunk[c].push(s);
        }
    }
    per_chunk.into_par_iter().enumerate().for_each_init(
        || (Vec::<Block<f64>>::new(), vec![[0.0f64; LANES]; k]),
        |(regs, block), (c, mut slices)| {
            let base = c * CHUNK;
            let len = slices[0].len();
            let mut i = 0;
            while i < len {
                let m = (len - i).min(LANES);
                let (x, y) = (&xs[base + i..base + i + m], &ys[base + i..base + i + m]);
                tape.eval_block(x, y, regs, block);
                for (s, b) in slices.iter_mut().zip(block.iter()) {
                    for (d, v) in s[i..i + m].iter_mut().zip(&b[..m]) {
                        d.write(*v);
                    }
                }
                i += m;
            }
        },
    );
}

/// The optimizer as `--optimizer NAME --lr … --momentum …` builds it.
#[allow(clippy::too_many_arguments)]
fn optimizer(
    name: &str,
    lr: f64,
    momentum: f64,
    beta1: f64,
    beta2: f64,
    alpha: f64,
    eps: Option<f64>,
    clip: Option<f64>,
) -> PyResult<Optimizer> {
    let kind = OptimizerKind::parse(name).map_err(to_py)?;
    if clip.is_some_and(|c| !(c > 0.0 && c.is_finite())) {
        return Err(value_error(format!(
            "clip {} is out of range: it must be a finite number > 0",
            clip.unwrap()
        )));
    }
    let opt = Optimizer {
        momentum,
        beta1,
        beta2,
        alpha,
        eps: eps.unwrap_or(kind.default_eps()),
        clip: clip.unwrap_or(0.0),
        ..Optimizer::new(kind, lr)
    };
    opt.validate().map_err(to_py)?;
    Ok(opt)
}

fn starts_of(starts: &PyReadonlyArray2<'_, f64>) -> PyResult<Vec<[f64; 2]>> {
    let a = starts.as_array();
    if a.shape()[1] != 2 {
        return Err(value_error(format!(
            "starts must be an (N, 2) array of (x, y), got shape {:?}",
            a.shape()
        )));
    }
    Ok(a.rows().into_iter().map(|r| [r[0], r[1]]).collect())
}

/// `descend`: (points flat, values flat, status codes, steps, reruns, device text, lr).
#[pyfunction]
#[pyo3(signature = (f, starts, optimizer_name, lr, steps, tol, device_name, domain, momentum, beta1, beta2, alpha, eps, clip))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
fn _descend<'py>(
    py: Python<'py>,
    f: &PyFunction,
    starts: PyReadonlyArray2<'py, f64>,
    optimizer_name: &str,
    lr: Option<f64>,
    steps: u32,
    tol: f64,
    device_name: &str,
    domain: Option<(f64, f64, f64, f64)>,
    momentum: f64,
    beta1: f64,
    beta2: f64,
    alpha: f64,
    eps: Option<f64>,
    clip: Option<f64>,
) -> PyResult<Bound<'py, PyDict>> {
    let starts = starts_of(&starts)?;
    let r = &f.resolved;
    let lr = lr.unwrap_or(r.default_lr());
    let opt = optimizer(optimizer_name, lr, momentum, beta1, beta2, alpha, eps, clip)?;
    api::check_tol(tol).map_err(to_py)?;
    let domain = api::descend_domain(r, domain_of(domain)?, &starts);
    let stop = Stop::for_domain(&domain, tol, steps);
    let ctx = device(py, device_name)?;
    let (trajs, reruns) = py
        .detach(|| api::descend(ctx, &r.func, &opt, &stop, &domain, &starts))
        .map_err(to_py)?;
    // Every run as steps + 1 rows: a run that stopped early stays where it stopped.
    let len = steps as usize + 1;
    let n = trajs.len();
    let mut points = Vec::with_capacity(n * len * 2);
    let mut values = Vec::with_capacity(n * len);
    for t in &trajs {
        for k in 0..len {
            let j = k.min(t.points.len() - 1);
            points.extend_from_slice(&t.points[j]);
            values.push(t.values[j]);
        }
    }
    let d = PyDict::new(py);
    d.set_item(
        "points",
        PyArray1::from_vec(py, points).reshape([n, len, 2])?,
    )?;
    d.set_item("values", PyArray1::from_vec(py, values).reshape([n, len])?)?;
    let codes: Vec<u8> = trajs.iter().map(|t| t.status as u8).collect();
    d.set_item("status", PyArray1::from_vec(py, codes))?;
    let st: Vec<i64> = trajs.iter().map(|t| t.steps as i64).collect();
    d.set_item("steps", PyArray1::from_vec(py, st))?;
    d.set_item("f64_reruns", reruns)?;
    d.set_item("lr", opt.lr)?;
    d.set_item("optimizer", opt.kind.name())?;
    d.set_item(
        "device",
        match ctx {
            Some(c) => format!("gpu (f32): {}", c.describe()),
            None => "cpu (f64)".into(),
        },
    )?;
    Ok(d)
}

/// Everything compare needs besides the starts.
struct CompareSetup {
    domain: Domain,
    optimizers: Vec<Optimizer>,
    stop: Stop,
}

#[allow(clippy::too_many_arguments)]
fn compare_setup(
    f: &PyFunction,
    optimizers: Vec<String>,
    lr: Option<f64>,
    max_steps: u32,
    tol: f64,
    domain: Option<(f64, f64, f64, f64)>,
    momentum: f64,
    beta1: f64,
    beta2: f64,
    alpha: f64,
    eps: Option<f64>,
    clip: Option<f64>,
) -> PyResult<CompareSetup> {
    let r = &f.resolved;
    let domain = domain_of(domain)?.unwrap_or(r.domain(api::DEFAULT_DOMAIN));
    api::check_tol(tol).map_err(to_py)?;
    if optimizers.is_empty() {
        return Err(value_error("no optimizer to compare: give at least one"));
    }
    let lr = lr.unwrap_or(r.default_lr());
    let optimizers = optimizers
        .iter()
        .map(|o| optimizer(o, lr, momentum, beta1, beta2, alpha, eps, clip))
        .collect::<PyResult<Vec<_>>>()?;
    Ok(CompareSetup {
        stop: Stop::for_domain(&domain, tol, max_steps),
        domain,
        optimizers,
    })
}

/// The report as (JSON text of `compare --json`, per optimizer a dict of per-start arrays).
fn report_out<'py>(
    py: Python<'py>,
    rep: &CompareReport,
) -> PyResult<(String, Vec<Bound<'py, PyDict>>)> {
    let mut per = Vec::with_capacity(rep.optimizers.len());
    for o in &rep.optimizers {
        let n = o.results.len();
        let d = PyDict::new(py);
        let end: Vec<f64> = o.results.iter().flat_map(|r| r.end).collect();
        d.set_item("end", PyArray1::from_vec(py, end).reshape([n, 2])?)?;
        let col =
            |g: &dyn Fn(&StartResult) -> f64| -> Vec<f64> { o.results.iter().map(g).collect() };
        d.set_item("value", PyArray1::from_vec(py, col(&|r| r.value)))?;
        let steps: Vec<i64> = o.results.iter().map(|r| r.steps as i64).collect();
        d.set_item("steps", PyArray1::from_vec(py, steps))?;
        let codes: Vec<u8> = o.results.iter().map(|r| r.status as u8).collect();
        d.set_item("status", PyArray1::from_vec(py, codes))?;
        let dest: Vec<i64> = o.results.iter().map(|r| r.destination as i64).collect();
        d.set_item("destination", PyArray1::from_vec(py, dest))?;
        per.push(d);
    }
    Ok((rep.to_json(), per))
}

/// `compare`: (JSON of `compare --json`, per optimizer a dict of per-start arrays).
#[pyfunction]
#[pyo3(signature = (f, starts, optimizers, lr, max_steps, tol, device_name, domain, momentum, beta1, beta2, alpha, eps, clip))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
fn _compare<'py>(
    py: Python<'py>,
    f: &PyFunction,
    starts: PyReadonlyArray2<'py, f64>,
    optimizers: Vec<String>,
    lr: Option<f64>,
    max_steps: u32,
    tol: f64,
    device_name: &str,
    domain: Option<(f64, f64, f64, f64)>,
    momentum: f64,
    beta1: f64,
    beta2: f64,
    alpha: f64,
    eps: Option<f64>,
    clip: Option<f64>,
) -> PyResult<(String, Vec<Bound<'py, PyDict>>)> {
    let starts = starts_of(&starts)?;
    let s = compare_setup(
        f, optimizers, lr, max_steps, tol, domain, momentum, beta1, beta2, alpha, eps, clip,
    )?;
    let ctx = device(py, device_name)?;
    let func = &f.resolved.func;
    let rep = py
        .detach(|| api::compare(ctx, func, &s.domain, &starts, &s.optimizers, &s.stop))
        .map_err(to_py)?;
    report_out(py, &rep)
}

/// One report from the parts of a comparison: `parts[k]` = optimizer k's
/// (end (N, 2), value, steps, status codes) over all starts in order,
/// `reruns[k]` its f64 reruns summed over the parts.
#[pyfunction]
#[pyo3(signature = (f, optimizers, lr, max_steps, tol, domain, momentum, beta1, beta2, alpha, eps, clip, parts, reruns))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
fn _merge_compare<'py>(
    py: Python<'py>,
    f: &PyFunction,
    optimizers: Vec<String>,
    lr: Option<f64>,
    max_steps: u32,
    tol: f64,
    domain: Option<(f64, f64, f64, f64)>,
    momentum: f64,
    beta1: f64,
    beta2: f64,
    alpha: f64,
    eps: Option<f64>,
    clip: Option<f64>,
    parts: Vec<(
        PyReadonlyArray2<'py, f64>,
        PyReadonlyArray1<'py, f64>,
        PyReadonlyArray1<'py, i64>,
        PyReadonlyArray1<'py, u8>,
    )>,
    reruns: Vec<u64>,
) -> PyResult<(String, Vec<Bound<'py, PyDict>>)> {
    let s = compare_setup(
        f, optimizers, lr, max_steps, tol, domain, momentum, beta1, beta2, alpha, eps, clip,
    )?;
    let mut results = Vec::with_capacity(parts.len());
    for (end, value, steps, status) in &parts {
        let end = starts_of(end)?;
        let (value, steps, status) = (value.as_slice()?, steps.as_slice()?, status.as_slice()?);
        if [value.len(), steps.len(), status.len()]
            .iter()
            .any(|&l| l != end.len())
        {
            return Err(value_error("merge: the per-start arrays differ in length"));
        }
        results.push(
            (0..end.len())
                .map(|i| StartResult {
                    end: end[i],
                    value: value[i],
                    steps: steps[i] as u32,
                    status: Status::from_u32(status[i] as u32),
                    destination: -1,
                })
                .collect::<Vec<_>>(),
        );
    }
    let func = &f.resolved.func;
    let rep = py
        .detach(|| api::merge_compare(func, &s.domain, &s.optimizers, &s.stop, results, &reruns))
        .map_err(to_py)?;
    report_out(py, &rep)
}

fn scene(target: &str, overrides: &str) -> PyResult<gradfield::scene::Scene> {
    let over: serde_json::Value =
        serde_json::from_str(overrides).map_err(|e| value_error(format!("scene options: {e}")))?;
    let base = api::scene_for(target).map_err(to_py)?;
    api::scene_with(&base, &over).map_err(to_py)
}

/// The scene for TARGET with OVERRIDES (JSON of scene keys) as TOML text.
#[pyfunction]
fn _scene_toml(target: &str, overrides: &str) -> PyResult<String> {
    scene(target, overrides)?.to_toml().map_err(to_py)
}

/// `render`: the frame as (H, W, 4) uint8 and the f32 overflow warning, if any.
#[pyfunction]
fn _render<'py>(
    py: Python<'py>,
    target: &str,
    overrides: &str,
) -> PyResult<(Bound<'py, PyAny>, Option<String>)> {
    let sc = scene(target, overrides)?;
    let ctx = py.detach(gpu)?;
    let (img, warning) = py.detach(|| api::render(ctx, &sc)).map_err(to_py)?;
    let (w, h) = (img.width as usize, img.height as usize);
    let arr = PyArray1::from_vec(py, img.data).reshape([h, w, 4])?;
    Ok((arr.into_any(), warning))
}

/// `record`: writes the animation; returns (frames, seconds, bytes written, fps of the output).
#[pyfunction]
#[pyo3(signature = (target, path, overrides, dither=false, crf=None))]
fn _record(
    py: Python<'_>,
    target: &str,
    path: PathBuf,
    overrides: &str,
    dither: bool,
    crf: Option<u32>,
) -> PyResult<(u32, f64, u64, f64)> {
    let sc = scene(target, overrides)?;
    let ctx = py.detach(gpu)?;
    let st = py
        .detach(|| api::record(ctx, &sc, &path, dither, crf))
        .map_err(to_py)?;
    Ok((st.frames, st.seconds, st.bytes_written, st.fps_output))
}

/// The GPU adapter in words (starts the GPU context).
#[pyfunction]
fn _adapter(py: Python<'_>) -> PyResult<String> {
    Ok(py.detach(gpu)?.describe())
}

/// Starts from a `compare --starts` spec (grid:WxH, random:N[:SEED] or a CSV file) over a domain, as (N, 2).
#[pyfunction]
fn _starts<'py>(
    py: Python<'py>,
    spec: &str,
    domain: (f64, f64, f64, f64),
) -> PyResult<Bound<'py, PyAny>> {
    let d = domain_of(Some(domain))?.expect("given");
    let pts = gradfield::analysis::compare::Starts::parse(spec)
        .map_err(to_py)?
        .points(&d);
    let n = pts.len();
    let flat: Vec<f64> = pts.into_iter().flatten().collect();
    Ok(PyArray1::from_vec(py, flat).reshape([n, 2])?.into_any())
}

/// An RGBA8 image (H, W, 4) as PNG bytes, written by the library's encoder.
#[pyfunction]
fn _png<'py>(
    py: Python<'py>,
    rgba: PyReadonlyArray1<'py, u8>,
    width: u32,
    height: u32,
) -> PyResult<Bound<'py, pyo3::types::PyBytes>> {
    let data = rgba.as_slice()?.to_vec();
    if data.len() != width as usize * height as usize * 4 {
        return Err(value_error("the image must be (H, W, 4) uint8"));
    }
    let img = gradfield::image::Image {
        width,
        height,
        data,
    };
    let png = img.encode_png().map_err(to_py)?;
    Ok(pyo3::types::PyBytes::new(py, &png))
}

/// Writes an RGBA8 image as a PNG file (atomically, like `render -o`).
#[pyfunction]
fn _save_png(
    rgba: PyReadonlyArray1<'_, u8>,
    width: u32,
    height: u32,
    path: PathBuf,
) -> PyResult<()> {
    let data = rgba.as_slice()?.to_vec();
    if data.len() != width as usize * height as usize * 4 {
        return Err(value_error("the image must be (H, W, 4) uint8"));
    }
    let img = gradfield::image::Image {
        width,
        height,
        data,
    };
    img.save_png(&path).map_err(to_py)
}

/// Every built-in name.
#[pyfunction]
fn _names() -> Vec<&'static str> {
    gradfield::catalog::names()
}

#[pymodule]
fn _gradfield(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyFunction>()?;
    m.add_function(wrap_pyfunction!(_descend, m)?)?;
    m.add_function(wrap_pyfunction!(_compare, m)?)?;
    m.add_function(wrap_pyfunction!(_merge_compare, m)?)?;
    m.add_function(wrap_pyfunction!(_scene_toml, m)?)?;
    m.add_function(wrap_pyfunction!(_render, m)?)?;
    m.add_function(wrap_pyfunction!(_record, m)?)?;
    m.add_function(wrap_pyfunction!(_adapter, m)?)?;
    m.add_function(wrap_pyfunction!(_names, m)?)?;
    m.add_function(wrap_pyfunction!(_starts, m)?)?;
    m.add_function(wrap_pyfunction!(_png, m)?)?;
    m.add_function(wrap_pyfunction!(_save_png, m)?)?;
    m.add("STATUS", ["running", "converged", "diverged", "flat"])?;
    Ok(())
}

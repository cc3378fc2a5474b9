//! Many-start comparison: run a grid or cloud of starts with several
//! optimizers to the end (on the GPU, or on the CPU in f64 as the reference),
//! find where the runs went (destinations: clustered end points, polished to
//! the exact critical point by Newton's method and classified), and report
//! counts, fractions and steps per optimizer as a table, JSON and a per-start
//! CSV. The basin map picture lives in [`super::basins`].
//!
//! Destination ids are shared by all optimizers of one report: id 0 is the
//! same point for `gd` and for `adam`, so their basin maps use one colour for
//! it. Ids are ordered by the total number of runs (all optimizers) that ended
//! there; each optimizer's list is sorted by its own count.
//!
//! One concern per module: [`starts`] (where runs start, the `--starts` spec
//! and its CSV), [`run`] (the GPU runs and the CPU f64 reference),
//! [`report`] (the report's types and counting), [`destinations`] (clustering
//! end points with union-find), [`polish`] (Newton's method onto the critical
//! point), [`table`] (the text table) and [`csv_out`] (the per-start CSV).

pub mod csv_out;
pub mod destinations;
pub mod polish;
pub mod report;
pub mod run;
pub mod starts;
pub mod table;

pub use csv_out::write_csv;
pub use destinations::CLUSTER_RADIUS;
pub use report::{
    build_report, step_stats, CompareReport, Destination, OptimizerReport, ProgressEvent,
    StartResult, StepStats,
};
pub use run::{run, run_cpu, ITERS_PER_DISPATCH};
pub use starts::{Starts, DEFAULT_SEED, MAX_STARTS};
pub use table::{display_order, format_table, LOWEST_FIRST};

//! The field pass: f, ∇f, |∇f| over a grid, tiled by rows so that a grid larger
//! than one storage binding (128 MiB on lavapipe) is split, not refused.

use super::Context;
use crate::domain::Grid;
use crate::error::{Error, Result};
use crate::expr::tape::{Real, LANES};
use crate::expr::Function;
use bytemuck::{Pod, Zeroable};
use rayon::prelude::*;

/// Uniforms of `shaders/field.wgsl` (`FieldParams`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
pub struct FieldParams {
    pub origin: [f32; 2],
    pub step: [f32; 2],
    pub width: u32,
    pub rows: u32,
    pub row_offset: u32,
    pub _pad: u32,
}
const _: () = assert!(std::mem::size_of::<FieldParams>() == 32);

pub const SHADER: &str = include_str!("../../shaders/field.wgsl");
const WORKGROUP: u32 = 64;
/// Bytes per grid point: vec4<f32>.
pub const POINT_BYTES: u64 = 16;

/// A grid of (f, fx, fy, |∇f|), row-major from row 0 (ymin).
#[derive(Clone, Debug)]
pub struct Field {
    pub grid: Grid,
    pub data: Vec<[f32; 4]>,
}

impl Field {
    pub fn at(&self, i: u32, j: u32) -> [f32; 4] {
        self.data[(j * self.grid.width + i) as usize]
    }
}

pub struct FieldPass {
    pipeline: wgpu::ComputePipeline,
    layout: wgpu::BindGroupLayout,
    tape: wgpu::Buffer,
}

impl FieldPass {
    pub fn new(ctx: &Context, func: &Function) -> Result<Self> {
        let src = super::compose(&[&super::expr::source(func, ctx.expr_code), SHADER]);
        super::validate_wgsl(func.source(), &src)?;
        let module = ctx.shader("field", &src)?;
        let layout = ctx
            .device
            .create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some("field::layout"),
                entries: &[
                    crate::gpu::sized_entry(
                        0,
                        wgpu::ShaderStages::COMPUTE,
                        wgpu::BufferBindingType::Uniform,
                        std::mem::size_of::<FieldParams>() as u64,
                    ),
                    crate::gpu::sized_entry(
                        1,
                        wgpu::ShaderStages::COMPUTE,
                        wgpu::BufferBindingType::Storage { read_only: false },
                        POINT_BYTES,
                    ),
                    super::expr::tape_entry(wgpu::ShaderStages::COMPUTE),
                ],
            });
        let pl = ctx
            .device
            .create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                label: Some("field::pipeline_layout"),
                bind_group_layouts: &[Some(&layout)],
                immediate_size: 0,
            });
        let pipeline = ctx
            .device
            .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some("field::main"),
                layout: Some(&pl),
                module: &module,
                entry_point: Some("main"),
                compilation_options: Default::default(),
                cache: None,
            });
        let tape = super::expr::tape_buffer(ctx, func);
        Ok(FieldPass {
            pipeline,
            layout,
            tape,
        })
    }

    /// Rows per tile so that one tile fits one storage binding.
    pub fn rows_per_tile(ctx: &Context, width: u32) -> u32 {
        let max = ctx.max_binding_bytes() / (width as u64 * POINT_BYTES);
        (max.min(u16::MAX as u64) as u32).max(1)
    }

    /// Evaluates the grid on the GPU and reads it back.
    pub fn compute(&self, ctx: &Context, grid: &Grid) -> Result<Field> {
        self.run(ctx, grid, true).map(|d| Field {
            grid: *grid,
            data: d,
        })
    }

    /// Evaluates the grid; reads it back only when `readback` (benchmarks time without it).
    pub fn run(&self, ctx: &Context, grid: &Grid, readback: bool) -> Result<Vec<[f32; 4]>> {
        let target = self.target(ctx, grid)?;
        self.run_into(ctx, &target, readback)
    }

    /// The output tile and uniforms for `grid`, made once and reused by
    /// [`FieldPass::run_into`] (a fresh 128 MiB tile is zero-filled by wgpu
    /// before first use, which costs as much as the pass itself on lavapipe).
    pub fn target(&self, ctx: &Context, grid: &Grid) -> Result<FieldTarget> {
        if grid.width == 0 || grid.height == 0 {
            return Err(Error::input("a field grid needs at least 1×1 points"));
        }
        if grid.width.div_ceil(WORKGROUP) > ctx.limits.max_compute_workgroups_per_dimension {
            return Err(Error::input(format!(
                "grid width {} exceeds what one dispatch covers ({} points)",
                grid.width,
                ctx.limits.max_compute_workgroups_per_dimension * WORKGROUP
            )));
        }
        let rows_per_tile = Self::rows_per_tile(ctx, grid.width);
        let tile_bytes = rows_per_tile.min(grid.height) as u64 * grid.width as u64 * POINT_BYTES;
        let out = ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("field::out"),
            size: tile_bytes,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        });
        let uniform = ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("field::params"),
            size: std::mem::size_of::<FieldParams>() as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let bind = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("field::bind"),
            layout: &self.layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: uniform.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: out.as_entire_binding(),
                },
                super::expr::tape_binding(&self.tape),
            ],
        });
        Ok(FieldTarget {
            grid: *grid,
            rows_per_tile,
            out,
            uniform,
            bind,
        })
    }

    /// Evaluates `target`'s grid tile by tile. With `readback` each tile is copied
    /// back before the next overwrites it; without, every tile is submitted
    /// back to back and waited for once (the compute-only figure).
    pub fn run_into(
        &self,
        ctx: &Context,
        target: &FieldTarget,
        readback: bool,
    ) -> Result<Vec<[f32; 4]>> {
        let grid = &target.grid;
        let step = grid.step();
        let mut data: Vec<[f32; 4]> = Vec::with_capacity(if readback { grid.len() } else { 0 });
        let mut row = 0;
        while row < grid.height {
            let rows = target.rows_per_tile.min(grid.height - row);
            let params = FieldParams {
                origin: [grid.domain.xmin as f32, grid.domain.ymin as f32],
                step: [step[0] as f32, step[1] as f32],
                width: grid.width,
                rows,
                row_offset: row,
                _pad: 0,
            };
            // Ordered before the next submit, so each tile sees its own params.
            ctx.queue
                .write_buffer(&target.uniform, 0, bytemuck::bytes_of(&params));
            let mut enc = ctx
                .device
                .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                    label: Some("field::encode"),
                });
            {
                let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor {
                    label: Some("field::pass"),
                    timestamp_writes: None,
                });
                pass.push_debug_group(&format!("field rows {row}..{}", row + rows));
                pass.set_pipeline(&self.pipeline);
                pass.set_bind_group(0, &target.bind, &[]);
                pass.dispatch_workgroups(grid.width.div_ceil(WORKGROUP), rows, 1);
                pass.pop_debug_group();
            }
            ctx.queue.submit([enc.finish()]);
            if readback {
                let bytes = ctx.read_buffer(
                    &target.out,
                    0,
                    rows as u64 * grid.width as u64 * POINT_BYTES,
                )?;
                data.extend_from_slice(bytemuck::cast_slice(&bytes));
            }
            row += rows;
        }
        if !readback {
            ctx.wait()?;
        }
        Ok(data)
    }
}

/// GPU buffers for one grid size: made by [`FieldPass::target`], reused across runs.
pub struct FieldTarget {
    pub grid: Grid,
    pub rows_per_tile: u32,
    out: wgpu::Buffer,
    uniform: wgpu::Buffer,
    bind: wgpu::BindGroup,
}

/// The f64 reference for the field pass, at the GPU's own f32 grid coordinates.
pub fn field_cpu_f64(func: &Function, grid: &Grid) -> Vec<[f64; 4]> {
    let mut out = vec![[0.0; 4]; grid.len()];
    field_cpu_into(func, grid, &mut out);
    out
}

/// The field pass's error metric, shared by the tests and the benchmark: per
/// component (f, fx, fy), the largest |gpu − f64| over the points where the
/// reference is finite, divided by that component's largest finite |value| on
/// the grid. A NaN on the GPU where the reference is finite counts as an
/// infinite error (`f64::max` would drop it); so does a length mismatch.
pub fn field_relative_errors(gpu: &[[f32; 4]], cpu: &[[f64; 4]]) -> [f64; 3] {
    if gpu.len() != cpu.len() {
        return [f64::INFINITY; 3];
    }
    let mut scale = [0.0f64; 3];
    for c in cpu {
        for k in 0..3 {
            if c[k].is_finite() {
                scale[k] = scale[k].max(c[k].abs());
            }
        }
    }
    let mut worst = [0.0f64; 3];
    for (g, c) in gpu.iter().zip(cpu) {
        for k in 0..3 {
            if c[k].is_finite() {
                let e = (g[k] as f64 - c[k]).abs() / scale[k].max(1e-30);
                worst[k] = if e.is_nan() {
                    f64::INFINITY
                } else {
                    worst[k].max(e)
                };
            }
        }
    }
    worst
}

/// The CPU field in precision `T` into `out` (grid.len() points, row-major):
/// rows in parallel (rayon), each row evaluated [`LANES`] points at a time by
/// the compiled tape, at the GPU's f32 coordinates.
pub fn field_cpu_into<T: Real>(func: &Function, grid: &Grid, out: &mut [[T; 4]]) {
    assert_eq!(out.len(), grid.len(), "field_cpu_into: output length");
    let tape = func.tape_value_grad();
    let w = grid.width as usize;
    out.par_chunks_mut(w).enumerate().for_each_init(
        || (Vec::new(), [[T::from_f64(0.0); LANES]; 3]),
        |(regs, res), (j, row)| {
            let mut xs = [T::from_f64(0.0); LANES];
            let mut ys = [T::from_f64(0.0); LANES];
            for (b, chunk) in row.chunks_mut(LANES).enumerate() {
                let n = chunk.len();
                for l in 0..n {
                    let p = grid.point_f32((b * LANES + l) as u32, j as u32);
                    xs[l] = T::from_f64(p[0] as f64);
                    ys[l] = T::from_f64(p[1] as f64);
                }
                tape.eval_block(&xs[..n], &ys[..n], regs, res);
                for (l, o) in chunk.iter_mut().enumerate() {
                    let (f, fx, fy) = (res[0][l], res[1][l], res[2][l]);
                    *o = [f, fx, fy, fx.norm(fy)];
                }
            }
        },
    );
}

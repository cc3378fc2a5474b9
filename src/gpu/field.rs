//! The field pass: f, ∇f, |∇f| over a grid, tiled by rows so that a grid larger
//! than one storage binding (128 MiB on lavapipe) is split, not refused.

use super::Context;
use crate::domain::Grid;
use crate::error::{Error, Result};
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
}

impl FieldPass {
    pub fn new(ctx: &Context, func: &Function) -> Result<Self> {
        let src = super::compose(&[&func.wgsl(), SHADER]);
        super::validate_wgsl(func.source(), &src)?;
        let module = ctx.shader("field", &src)?;
        let layout = ctx
            .device
            .create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some("field::layout"),
                entries: &[
                    wgpu::BindGroupLayoutEntry {
                        binding: 0,
                        visibility: wgpu::ShaderStages::COMPUTE,
                        ty: wgpu::BindingType::Buffer {
                            ty: wgpu::BufferBindingType::Uniform,
                            has_dynamic_offset: false,
                            min_binding_size: None,
                        },
                        count: None,
                    },
                    wgpu::BindGroupLayoutEntry {
                        binding: 1,
                        visibility: wgpu::ShaderStages::COMPUTE,
                        ty: wgpu::BindingType::Buffer {
                            ty: wgpu::BufferBindingType::Storage { read_only: false },
                            has_dynamic_offset: false,
                            min_binding_size: None,
                        },
                        count: None,
                    },
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
        Ok(FieldPass { pipeline, layout })
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
        let step = grid.step();
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
            ],
        });
        let mut data: Vec<[f32; 4]> = Vec::with_capacity(if readback { grid.len() } else { 0 });
        let mut row = 0;
        while row < grid.height {
            let rows = rows_per_tile.min(grid.height - row);
            let params = FieldParams {
                origin: [grid.domain.xmin as f32, grid.domain.ymin as f32],
                step: [step[0] as f32, step[1] as f32],
                width: grid.width,
                rows,
                row_offset: row,
                _pad: 0,
            };
            ctx.queue
                .write_buffer(&uniform, 0, bytemuck::bytes_of(&params));
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
                pass.set_pipeline(&self.pipeline);
                pass.set_bind_group(0, &bind, &[]);
                pass.dispatch_workgroups(grid.width.div_ceil(WORKGROUP), rows, 1);
            }
            ctx.queue.submit([enc.finish()]);
            if readback {
                let bytes =
                    ctx.read_buffer(&out, 0, rows as u64 * grid.width as u64 * POINT_BYTES)?;
                data.extend_from_slice(bytemuck::cast_slice(&bytes));
            } else {
                ctx.wait()?;
            }
            row += rows;
        }
        Ok(data)
    }
}

/// The f64 reference for the field pass, at the GPU's own f32 grid coordinates.
pub fn field_cpu_f64(func: &Function, grid: &Grid) -> Vec<[f64; 4]> {
    let tape = func.tape_value_grad();
    (0..grid.height)
        .into_par_iter()
        .flat_map_iter(|j| {
            let mut regs = Vec::new();
            (0..grid.width)
                .map(|i| {
                    let p = grid.point_f32(i, j);
                    let mut o = [0.0f64; 3];
                    tape.eval_into(p[0] as f64, p[1] as f64, &mut regs, &mut o);
                    [o[0], o[1], o[2], o[1].hypot(o[2])]
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The f32 CPU path over the same grid (what a fast CPU implementation would do).
pub fn field_cpu_f32(func: &Function, grid: &Grid) -> Vec<[f32; 4]> {
    let tape = func.tape_value_grad();
    (0..grid.height)
        .into_par_iter()
        .flat_map_iter(|j| {
            let mut regs = Vec::new();
            (0..grid.width)
                .map(|i| {
                    let p = grid.point_f32(i, j);
                    let mut o = [0.0f32; 3];
                    tape.eval_into(p[0], p[1], &mut regs, &mut o);
                    [o[0], o[1], o[2], o[1].hypot(o[2])]
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

//! Colormaps as 256-entry RGBA8 tables, built once from published fits:
//! viridis, magma and inferno from Matt Zucker's degree-6 polynomial fits of
//! matplotlib's tables, turbo from Google's polynomial approximation, cividis
//! from d3-scale-chromatic's fit, and the diverging coolwarm from Kenneth
//! Moreland's table (9 anchors, linear between them). The GPU gets the same
//! bytes (as a uniform array), so a pixel of the offscreen Rgba8Unorm target
//! equals a table entry exactly.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Colormap {
    #[default]
    Viridis,
    Magma,
    Inferno,
    Cividis,
    Turbo,
    /// Diverging blue–grey–red, centred on `map.center` (default 0).
    Coolwarm,
}

impl Colormap {
    pub const ALL: [Colormap; 6] = [
        Colormap::Viridis,
        Colormap::Magma,
        Colormap::Inferno,
        Colormap::Cividis,
        Colormap::Turbo,
        Colormap::Coolwarm,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Colormap::Viridis => "viridis",
            Colormap::Magma => "magma",
            Colormap::Inferno => "inferno",
            Colormap::Cividis => "cividis",
            Colormap::Turbo => "turbo",
            Colormap::Coolwarm => "coolwarm",
        }
    }

    pub fn parse(s: &str) -> Result<Colormap> {
        let l = s.trim().to_ascii_lowercase();
        Colormap::ALL
            .into_iter()
            .find(|c| c.name() == l || (l == "rdbu" && *c == Colormap::Coolwarm))
            .ok_or_else(|| {
                let names: Vec<_> = Colormap::ALL.iter().map(|c| c.name()).collect();
                Error::input(format!(
                    "unknown colormap `{s}`: expected one of {}",
                    names.join(", ")
                ))
            })
    }

    /// True for maps whose middle is neutral and whose range is centred on a value.
    pub fn is_diverging(self) -> bool {
        self == Colormap::Coolwarm
    }

    /// The 256-entry table (alpha 255).
    pub fn table(self) -> &'static [[u8; 4]; 256] {
        static TABLES: OnceLock<Vec<[[u8; 4]; 256]>> = OnceLock::new();
        let all = TABLES.get_or_init(|| Colormap::ALL.iter().map(|c| build(*c)).collect());
        &all[Colormap::ALL.iter().position(|c| *c == self).unwrap_or(0)]
    }

    /// Colour at t in [0, 1] (clamped), nearest table entry, as the shader does.
    pub fn at(self, t: f64) -> [u8; 4] {
        let i = (t.clamp(0.0, 1.0) * 255.0 + 0.5).floor() as usize;
        self.table()[i.min(255)]
    }
}

fn poly6(c: &[[f64; 3]; 7], t: f64) -> [f64; 3] {
    let mut out = [0.0; 3];
    for (k, o) in out.iter_mut().enumerate() {
        let mut v = 0.0;
        for i in (0..7).rev() {
            v = v * t + c[i][k];
        }
        *o = v;
    }
    out
}

const VIRIDIS: [[f64; 3]; 7] = [
    [
        0.277_727_327_223_417_7,
        0.005_407_344_544_966_578,
        0.334_099_805_335_306_1,
    ],
    [
        0.105_093_043_108_577_4,
        1.404_613_529_898_575,
        1.384_590_162_594_685,
    ],
    [
        -0.330_861_828_725_556_3,
        0.214_847_559_468_213,
        0.095_095_163_028_236_59,
    ],
    [
        -4.634_230_498_983_486,
        -5.799_100_973_351_585,
        -19.332_440_956_279_87,
    ],
    [
        6.228_269_936_347_081,
        14.179_933_366_805_09,
        56.690_552_600_681_05,
    ],
    [
        4.776_384_997_670_288,
        -13.745_145_377_746_01,
        -65.353_032_633_372_34,
    ],
    [
        -5.435_455_855_934_631,
        4.645_852_612_178_535,
        26.312_435_249_583_2,
    ],
];
const MAGMA: [[f64; 3]; 7] = [
    [
        -0.002_136_485_053_939_582,
        -0.000_749_655_052_795_221,
        -0.005_386_127_855_323_933,
    ],
    [
        0.251_660_540_737_164_2,
        0.677_523_243_683_766_8,
        2.494_026_599_312_351,
    ],
    [
        8.353_717_279_216_625,
        -3.577_719_514_958_484,
        0.314_467_903_013_257_3,
    ],
    [
        -27.668_733_085_768_66,
        14.264_730_780_965_33,
        -13.649_213_188_139_22,
    ],
    [
        52.176_139_812_340_68,
        -27.943_606_071_683_51,
        12.944_169_442_383_94,
    ],
    [
        -50.768_525_364_735_88,
        29.046_582_821_272_91,
        4.234_152_993_845_98,
    ],
    [
        18.655_705_065_918_83,
        -11.489_773_519_977_11,
        -5.601_961_508_734_096,
    ],
];
const INFERNO: [[f64; 3]; 7] = [
    [
        0.000_218_940_369_119_226_5,
        0.001_651_004_631_001_012,
        -0.019_480_898_437_091_84,
    ],
    [
        0.106_513_419_485_611_6,
        0.563_956_436_788_409_1,
        3.932_712_388_889_277,
    ],
    [
        11.602_493_082_471_87,
        -3.972_853_965_665_698,
        -15.942_394_106_291_4,
    ],
    [
        -41.703_996_131_394_59,
        17.436_398_882_053_13,
        44.354_145_198_728_13,
    ],
    [
        77.162_935_699_427,
        -33.402_358_942_100_92,
        -81.807_309_257_389_93,
    ],
    [
        -71.319_428_244_992_14,
        32.626_064_263_977_23,
        73.209_519_858_032_02,
    ],
    [
        25.131_126_224_773_41,
        -12.242_668_952_385_67,
        -23.070_325_002_871_72,
    ],
];

fn turbo(t: f64) -> [f64; 3] {
    let r = 0.135_721_38
        + t * (4.615_392_6
            + t * (-42.660_322_58
                + t * (132.131_082_34 + t * (-152.942_393_96 + t * 59.286_379_43))));
    let g = 0.091_402_61
        + t * (2.194_188_39
            + t * (4.842_966_58 + t * (-14.185_033_33 + t * (4.277_298_57 + t * 2.829_566_04))));
    let b = 0.106_673_3
        + t * (12.641_946_08
            + t * (-60.582_048_36
                + t * (110.362_767_71 + t * (-89.903_109_12 + t * 27.348_249_73))));
    [r, g, b]
}

fn cividis(t: f64) -> [f64; 3] {
    let r = -4.54 - t * (35.34 - t * (2381.73 - t * (6402.7 - t * (7024.72 - t * 2710.57))));
    let g = 32.49 + t * (170.73 + t * (52.82 - t * (131.46 - t * (176.58 - t * 67.37))));
    let b = 81.24 + t * (442.36 - t * (2482.43 - t * (6167.24 - t * (6614.94 - t * 2475.67))));
    [r / 255.0, g / 255.0, b / 255.0]
}

const COOLWARM: [[f64; 3]; 9] = [
    [59.0, 76.0, 192.0],
    [98.0, 130.0, 234.0],
    [141.0, 176.0, 254.0],
    [184.0, 208.0, 249.0],
    [221.0, 221.0, 221.0],
    [245.0, 196.0, 173.0],
    [244.0, 154.0, 123.0],
    [222.0, 96.0, 77.0],
    [180.0, 4.0, 38.0],
];

fn coolwarm(t: f64) -> [f64; 3] {
    let x = t * 8.0;
    let i = (x.floor() as usize).min(7);
    let u = x - i as f64;
    let (a, b) = (COOLWARM[i], COOLWARM[i + 1]);
    [0, 1, 2].map(|k| (a[k] + (b[k] - a[k]) * u) / 255.0)
}

fn build(c: Colormap) -> [[u8; 4]; 256] {
    let mut out = [[0u8; 4]; 256];
    for (i, o) in out.iter_mut().enumerate() {
        let t = i as f64 / 255.0;
        let rgb = match c {
            Colormap::Viridis => poly6(&VIRIDIS, t),
            Colormap::Magma => poly6(&MAGMA, t),
            Colormap::Inferno => poly6(&INFERNO, t),
            Colormap::Cividis => cividis(t),
            Colormap::Turbo => turbo(t),
            Colormap::Coolwarm => coolwarm(t),
        };
        let b = rgb.map(|v| (v.clamp(0.0, 1.0) * 255.0).round() as u8);
        *o = [b[0], b[1], b[2], 255];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ends_match_the_published_tables() {
        // matplotlib: viridis[0] = (68, 1, 84), viridis[255] = (253, 231, 37);
        // magma[255] = (252, 253, 191). The fits are within a few units. (Google's turbo
        // polynomial is looser at the ends: (35, 23, 27) against the table's (48, 18, 59).)
        let close = |a: [u8; 4], b: [u8; 3], tol: i32| {
            (0..3).all(|k| (a[k] as i32 - b[k] as i32).abs() <= tol)
        };
        assert!(
            close(Colormap::Viridis.table()[0], [68, 1, 84], 4),
            "{:?}",
            Colormap::Viridis.table()[0]
        );
        assert!(
            close(Colormap::Viridis.table()[255], [253, 231, 37], 4),
            "{:?}",
            Colormap::Viridis.table()[255]
        );
        assert!(
            close(Colormap::Magma.table()[255], [252, 253, 191], 6),
            "{:?}",
            Colormap::Magma.table()[255]
        );
        assert!(close(Colormap::Coolwarm.table()[128], [221, 221, 221], 3));
        assert!(Colormap::parse("Magma").is_ok_and(|c| c == Colormap::Magma));
        assert!(Colormap::parse("jet").is_err());
    }

    #[test]
    fn sequential_maps_get_brighter() {
        for c in [
            Colormap::Viridis,
            Colormap::Magma,
            Colormap::Inferno,
            Colormap::Cividis,
        ] {
            let l = |p: [u8; 4]| 0.2126 * p[0] as f64 + 0.7152 * p[1] as f64 + 0.0722 * p[2] as f64;
            let t = c.table();
            for i in (16..256).step_by(16) {
                assert!(l(t[i]) > l(t[i - 16]), "{} not monotone at {i}", c.name());
            }
        }
    }
}

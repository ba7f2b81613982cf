//! Action and observation spaces: [`Discrete`] and [`BoxSpace`], with seeded
//! sampling and membership tests, and the [`Space`] enum that holds either.
//!
//! ```
//! use gymrec::env::space::{Discrete, SpaceRng};
//! use rand::SeedableRng;
//!
//! let space = Discrete::new(2);
//! let mut rng = SpaceRng::seed_from_u64(7);
//! let a = space.sample(&mut rng);
//! assert!(space.contains(a));
//! ```

use rand::Rng;
use std::fmt;

/// The random source used for seeded sampling: portable across platforms and
/// releases, so a seed always gives the same samples.
pub type SpaceRng = rand_chacha::ChaCha8Rng;

/// `n` integer choices `start, start + 1, …, start + n - 1` (Gymnasium's
/// `Discrete`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Discrete {
    /// How many choices there are; at least 1.
    pub n: u64,
    /// The smallest choice.
    pub start: i64,
}

impl Discrete {
    /// `n` choices starting at 0. `n` must be at least 1.
    pub fn new(n: u64) -> Self {
        Discrete {
            n: n.max(1),
            start: 0,
        }
    }

    /// A uniformly drawn choice.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> i64 {
        self.start + rng.random_range(0..self.n) as i64
    }

    /// Whether `x` is one of the choices.
    pub fn contains(&self, x: i64) -> bool {
        x >= self.start && ((x - self.start) as u64) < self.n
    }
}

impl fmt::Display for Discrete {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.start == 0 {
            write!(f, "Discrete({})", self.n)
        } else {
            write!(f, "Discrete({}, start={})", self.n, self.start)
        }
    }
}

/// A box of real vectors with per-dimension bounds (Gymnasium's `Box`).
#[derive(Debug, Clone, PartialEq)]
pub struct BoxSpace {
    /// Lower bounds, one per dimension; may be `-inf`.
    pub low: Vec<f32>,
    /// Upper bounds, one per dimension; may be `inf`.
    pub high: Vec<f32>,
}

impl BoxSpace {
    /// A box with the given bounds.
    ///
    /// # Panics
    /// When `low` and `high` differ in length or a lower bound exceeds its
    /// upper bound: both are programming errors in an env definition.
    pub fn new(low: Vec<f32>, high: Vec<f32>) -> Self {
        assert_eq!(low.len(), high.len(), "BoxSpace bounds differ in length");
        assert!(
            low.iter().zip(&high).all(|(l, h)| l <= h),
            "BoxSpace lower bound above upper bound"
        );
        BoxSpace { low, high }
    }

    /// A box of `dims` dimensions, each within `[low, high]`.
    pub fn uniform(dims: usize, low: f32, high: f32) -> Self {
        BoxSpace::new(vec![low; dims], vec![high; dims])
    }

    /// The number of dimensions.
    pub fn dims(&self) -> usize {
        self.low.len()
    }

    /// A drawn point, as Gymnasium samples: uniform where both bounds are
    /// finite, exponential beyond a single finite bound, normal where both
    /// are infinite.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Vec<f32> {
        self.low
            .iter()
            .zip(&self.high)
            .map(|(&l, &h)| sample_interval(rng, l, h))
            .collect()
    }

    /// Whether `x` has the right length and lies within the bounds (NaN never does).
    pub fn contains(&self, x: &[f32]) -> bool {
        x.len() == self.low.len()
            && x.iter()
                .zip(self.low.iter().zip(&self.high))
                .all(|(v, (l, h))| *v >= *l && *v <= *h)
    }
}

fn sample_interval<R: Rng + ?Sized>(rng: &mut R, low: f32, high: f32) -> f32 {
    let standard_normal = |rng: &mut R| {
        // Box–Muller: enough for sampling unbounded dimensions.
        let u1: f64 = 1.0 - rng.random::<f64>();
        let u2: f64 = rng.random::<f64>();
        ((-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()) as f32
    };
    let exponential = |rng: &mut R| -(1.0 - rng.random::<f64>()).ln() as f32;
    match (low.is_finite(), high.is_finite()) {
        (true, true) if low == high => low,
        (true, true) => rng.random_range(low..=high),
        (true, false) => low + exponential(rng),
        (false, true) => high - exponential(rng),
        (false, false) => standard_normal(rng),
    }
}

impl fmt::Display for BoxSpace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let same = |v: &[f32]| v.windows(2).all(|w| w[0] == w[1]);
        if same(&self.low) && same(&self.high) && !self.low.is_empty() {
            write!(
                f,
                "Box({}, {}, ({},))",
                self.low[0],
                self.high[0],
                self.dims()
            )
        } else {
            write!(f, "Box({:?}, {:?})", self.low, self.high)
        }
    }
}

/// Either kind of space, for code that handles envs of any type.
#[derive(Debug, Clone, PartialEq)]
pub enum Space {
    /// Integer choices.
    Discrete(Discrete),
    /// Real vectors in a box.
    Box(BoxSpace),
}

/// A point of a [`Space`]: an action or observation of any env.
#[derive(Debug, Clone, PartialEq)]
pub enum SpaceValue {
    /// A point of a [`Discrete`] space.
    Discrete(i64),
    /// A point of a [`BoxSpace`].
    Box(Vec<f32>),
}

impl Space {
    /// A drawn point.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> SpaceValue {
        match self {
            Space::Discrete(d) => SpaceValue::Discrete(d.sample(rng)),
            Space::Box(b) => SpaceValue::Box(b.sample(rng)),
        }
    }

    /// Whether `x` is a point of this space (of the same kind and in range).
    pub fn contains(&self, x: &SpaceValue) -> bool {
        match (self, x) {
            (Space::Discrete(d), SpaceValue::Discrete(v)) => d.contains(*v),
            (Space::Box(b), SpaceValue::Box(v)) => b.contains(v),
            _ => false,
        }
    }
}

impl fmt::Display for Space {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Space::Discrete(d) => d.fmt(f),
            Space::Box(b) => b.fmt(f),
        }
    }
}

impl fmt::Display for SpaceValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpaceValue::Discrete(v) => write!(f, "{v}"),
            SpaceValue::Box(v) => write!(f, "{v:?}"),
        }
    }
}

impl From<Discrete> for Space {
    fn from(d: Discrete) -> Self {
        Space::Discrete(d)
    }
}

impl From<BoxSpace> for Space {
    fn from(b: BoxSpace) -> Self {
        Space::Box(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn discrete_samples_cover_range_and_are_seeded() {
        let d = Discrete { n: 3, start: -1 };
        let mut a = SpaceRng::seed_from_u64(1);
        let mut b = SpaceRng::seed_from_u64(1);
        let xs: Vec<i64> = (0..200).map(|_| d.sample(&mut a)).collect();
        let ys: Vec<i64> = (0..200).map(|_| d.sample(&mut b)).collect();
        assert_eq!(xs, ys);
        for v in -1..=1 {
            assert!(xs.contains(&v), "{v} never sampled");
        }
        assert!(xs.iter().all(|&x| d.contains(x)));
        assert!(!d.contains(2) && !d.contains(-2));
    }

    #[test]
    fn box_samples_lie_inside_and_unbounded_dims_work() {
        let b = BoxSpace::new(
            vec![-2.0, f32::NEG_INFINITY, 0.0, f32::NEG_INFINITY],
            vec![2.0, 1.0, f32::INFINITY, f32::INFINITY],
        );
        let mut rng = SpaceRng::seed_from_u64(3);
        for _ in 0..500 {
            let x = b.sample(&mut rng);
            assert!(b.contains(&x), "{x:?} outside {b}");
        }
        assert!(!b.contains(&[0.0, 0.0, 0.0]));
        assert!(!b.contains(&[f32::NAN, 0.0, 0.0, 0.0]));
        assert!(!b.contains(&[3.0, 0.0, 0.0, 0.0]));
    }

    #[test]
    fn space_contains_checks_kind() {
        let s = Space::from(Discrete::new(2));
        assert!(s.contains(&SpaceValue::Discrete(1)));
        assert!(!s.contains(&SpaceValue::Box(vec![1.0])));
        assert_eq!(s.to_string(), "Discrete(2)");
        let b = Space::from(BoxSpace::uniform(1, -2.0, 2.0));
        assert_eq!(b.to_string(), "Box(-2, 2, (1,))");
    }
}

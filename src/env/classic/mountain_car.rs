//! PLACEHOLDER: replaced by the MountainCar implementation.
#![allow(missing_docs, unused)]
use super::PhysicalState;
use crate::env::*;
use crate::Result;

#[derive(Debug, Clone)]
pub struct MountainCar;
impl MountainCar {
    pub fn new(_mode: RenderMode) -> Self { MountainCar }
    pub fn set_last_u(&mut self, _u: Option<f64>) {}
}
impl Env for MountainCar {
    type Obs = [f32; 2];
    type Action = i64;
    fn reset(&mut self, seed: Option<u64>) -> Result<(Self::Obs, Info)> { todo!() }
    fn step(&mut self, action: i64) -> Result<Step<Self::Obs>> { todo!() }
    fn action_space(&self) -> &Space { todo!() }
    fn observation_space(&self) -> &Space { todo!() }
    fn render_mode(&self) -> RenderMode { todo!() }
    fn metadata(&self) -> &Metadata { todo!() }
    fn frame_size(&self) -> Option<(u32, u32)> { todo!() }
    fn render_into(&mut self, frame: &mut Frame) -> Result<()> { todo!() }
}
impl PhysicalState for MountainCar {
    fn state_names(&self) -> &'static [&'static str] { todo!() }
    fn state(&self) -> Option<Vec<f64>> { todo!() }
    fn set_state(&mut self, state: &[f64]) -> Result<()> { todo!() }
}

//! The built-in heuristic controllers do what their docs promise, on fixed seeds.

use gymrec::env::{Env, RenderMode};
use gymrec::policy::{Heuristic, Policy, PolicyKind};

/// Runs one episode; returns (return, steps, terminated, last observation).
fn episode(id: &str, seed: u64) -> (f64, u64, bool, Vec<f32>) {
    let mut env = gymrec::make(id, RenderMode::None).unwrap();
    let mut policy = Heuristic::for_env(id).unwrap();
    let (mut obs, _) = env.reset(Some(seed)).unwrap();
    let (mut ret, mut steps) = (0.0, 0);
    loop {
        let step = env.step(policy.act(&obs)).unwrap();
        ret += step.reward;
        steps += 1;
        let (terminated, done) = (step.terminated, step.done());
        obs = step.obs;
        if done {
            return (ret, steps, terminated, obs);
        }
    }
}

#[test]
fn cartpole_heuristic_balances_until_the_limit() {
    for seed in 0..5 {
        assert_eq!(episode("CartPole-v1", seed).0, 500.0, "seed {seed}");
    }
}

#[test]
fn mountain_car_heuristic_reaches_the_flag() {
    for seed in 0..5 {
        let (_, steps, terminated, _) = episode("MountainCar-v0", seed);
        assert!(terminated, "seed {seed}: no flag in {steps} steps");
    }
}

#[test]
fn pendulum_heuristic_swings_up_and_holds() {
    for seed in 0..5 {
        let (ret, _, _, obs) = episode("Pendulum-v1", seed);
        assert!(obs[0] > 0.99, "seed {seed}: ends at cos θ = {}", obs[0]);
        assert!(ret > -400.0, "seed {seed}: return {ret}");
    }
}

#[test]
fn acrobot_heuristic_swings_up() {
    for seed in 0..5 {
        let (_, steps, terminated, _) = episode("Acrobot-v1", seed);
        assert!(terminated && steps < 250, "seed {seed}: {steps} steps");
    }
}

#[test]
fn unknown_env_and_policy_names_are_errors() {
    let err = Heuristic::for_env("Pong-v5").unwrap_err().to_string();
    assert!(
        err.contains("Pong-v5") && err.contains("CartPole-v1"),
        "{err}"
    );
    let err = "greedy".parse::<PolicyKind>().unwrap_err().to_string();
    assert!(err.contains("greedy") && err.contains("heuristic"), "{err}");
}

//! The cross-entropy learner reaches CartPole-v1's bar (an average return
//! of 475) on a fixed seed, well within the time a test may take.

use gymrec::env::RenderMode;
use gymrec::train::{Agent, Cem, CemConfig, LinearPolicy, MetricsStore, Trainer, evaluate};
use std::time::{Duration, Instant};

const SEED: u64 = 0;

#[test]
fn cem_balances_cartpole_on_a_fixed_seed() {
    let env = gymrec::make("CartPole-v1", RenderMode::None).unwrap();
    let mut agent = Cem::for_env(
        &env,
        CemConfig {
            seed: SEED,
            ..CemConfig::default()
        },
    )
    .unwrap();
    let metrics = MetricsStore::in_memory().unwrap();
    let started = Instant::now();
    let summary = Trainer::new(env)
        .episodes(600)
        .seed(SEED)
        .run(&mut agent, &metrics)
        .unwrap();
    let trained_in = started.elapsed();

    // Before training ends, the first generation's candidates did badly.
    let rows = metrics.episodes(summary.experiment_id).unwrap();
    let first: f64 = rows[..20].iter().map(|r| r.reward).sum::<f64>() / 20.0;
    assert!(first < 200.0, "the first generation averaged {first}");

    let mut eval_env = gymrec::make("CartPole-v1", RenderMode::None).unwrap();
    let returns = evaluate(&mut agent, &mut eval_env, 20, 10_000).unwrap();
    let mean = returns.iter().sum::<f64>() / returns.len() as f64;
    println!(
        "CEM on CartPole-v1, seed {SEED}: 600 episodes ({} steps) in {trained_in:.2?}; \
         greedy average return {mean:.1} over 20 episodes",
        summary.steps
    );
    assert!(
        mean >= 475.0,
        "average return {mean} over 20 episodes: {returns:?}"
    );
    assert!(
        trained_in < Duration::from_secs(60),
        "600 episodes took {trained_in:?}"
    );

    // The learned policy, saved and loaded, plays the same.
    let path = std::env::temp_dir().join(format!("gymrec-cem-{}.json", std::process::id()));
    agent.policy().save(&path).unwrap();
    let loaded = LinearPolicy::load(&path).unwrap();
    std::fs::remove_file(&path).ok();
    assert_eq!(loaded, agent.policy());
    assert_eq!(loaded.env_id.as_deref(), Some("CartPole-v1"));
    let state = agent.state().unwrap();
    assert_eq!(state["generation"], 30);
}

#[test]
fn cem_refuses_what_it_cannot_learn() {
    let pendulum = gymrec::make("Pendulum-v1", RenderMode::None).unwrap();
    let err = Cem::for_env(&pendulum, CemConfig::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("discrete"), "{err}");
    let cartpole = gymrec::make("CartPole-v1", RenderMode::None).unwrap();
    for bad in [
        CemConfig {
            population: 1,
            ..CemConfig::default()
        },
        CemConfig {
            elite_frac: 0.0,
            ..CemConfig::default()
        },
        CemConfig {
            init_std: f64::NAN,
            ..CemConfig::default()
        },
    ] {
        assert!(Cem::for_env(&cartpole, bad).is_err());
    }
    let mut agent = Cem::for_env(&cartpole, CemConfig::default()).unwrap();
    let err = agent.act(&[0.0; 3]).unwrap_err().to_string();
    assert!(
        err.contains("3 values") && err.contains("made for 4"),
        "{err}"
    );
    assert!(agent.predict(&[0.0; 5]).is_err());
}

#[test]
fn cem_is_reproducible_from_its_seed() {
    let run = || {
        let env = gymrec::make("CartPole-v1", RenderMode::None).unwrap();
        let mut agent = Cem::for_env(&env, CemConfig::default()).unwrap();
        let metrics = MetricsStore::in_memory().unwrap();
        let summary = Trainer::new(env)
            .episodes(60)
            .seed(5)
            .run(&mut agent, &metrics)
            .unwrap();
        let returns: Vec<f64> = metrics
            .episodes(summary.experiment_id)
            .unwrap()
            .iter()
            .map(|r| r.reward)
            .collect();
        (agent.policy(), returns)
    };
    assert_eq!(run(), run());
}

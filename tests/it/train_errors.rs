//! Typed errors of the training side: each rule is its own variant
//! carrying the value and the allowed range, and the metrics store's and
//! JSON's errors are sources, not fields.

use crate::common::{NoSpec, temp_dir};
use gymrec::env::{DynEnv, RenderMode};
use gymrec::train::{
    Cem, CemConfig, LinearPolicy, MetricsStore, RecordVideos, TrainState, Trainer,
};
use gymrec::{Error, Setting};

fn cartpole() -> DynEnv {
    gymrec::make("CartPole-v1", RenderMode::None).unwrap()
}

#[test]
fn training_errors_are_typed() {
    let env = cartpole();
    let mut agent = Cem::for_env(&env, CemConfig::default()).unwrap();
    let metrics = MetricsStore::in_memory().unwrap();
    for (trainer, setting) in [
        (
            Trainer::new(cartpole()).episodes(0),
            Setting::TrainerEpisodes,
        ),
        (
            Trainer::new(cartpole()).log_freq(0),
            Setting::TrainerLogFreq,
        ),
        (Trainer::new(cartpole()).window(0), Setting::TrainerWindow),
        (
            Trainer::new(cartpole()).max_steps(0),
            Setting::TrainerMaxSteps,
        ),
    ] {
        let err = trainer.run(&mut agent, &metrics).unwrap_err();
        assert!(
            matches!(&err, Error::OutOfRange { setting: s, value: 0, allowed, .. }
                if *s == setting && *allowed.start() == 1),
            "{err:?}"
        );
        assert!(err.to_string().contains("it must be at least 1"), "{err}");
    }

    let root = temp_dir("errors-train");
    let err = RecordVideos::builder("run")
        .root(&root)
        .frequency(0)
        .build()
        .err()
        .unwrap();
    assert!(
        matches!(
            err,
            Error::OutOfRange {
                setting: Setting::RecordVideosFrequency,
                value: 0,
                ..
            }
        ),
        "{err:?}"
    );
    let err = RecordVideos::builder("a/b")
        .root(&root)
        .build()
        .err()
        .unwrap();
    assert!(
        matches!(&err, Error::InvalidDirname { dirname, sub, .. } if dirname == "a/b" && sub == "videos"),
        "{err:?}"
    );

    let id = metrics
        .start_experiment("CEM", "CartPole-v1", &serde_json::json!({}), 10)
        .unwrap();
    let mut state = TrainState::new(&mut agent, env, metrics.clone(), id);
    let err = state.analytics_update().unwrap_err();
    assert!(matches!(err, Error::NoAnalyticsState), "{err:?}");
    assert!(err.to_string().contains("AnalyticsState::new"), "{err}");

    // An env without a spec has no name.
    state.env = Box::new(NoSpec::cartpole());
    let err = state.env_name().unwrap_err();
    assert!(matches!(err, Error::NoEnvSpec { .. }), "{err:?}");
    assert!(err.to_string().contains("no spec"), "{err}");

    // A callback that fails to wrap the env loses it.
    let wrap_err = state.map_env(|_| Err(Error::NoSubEnvs)).unwrap_err();
    assert!(matches!(wrap_err, Error::NoSubEnvs), "{wrap_err:?}");
    let err = state.env.reset(None).unwrap_err();
    assert!(matches!(err, Error::EnvLost), "{err:?}");
    assert!(err.to_string().contains("was lost"), "{err}");
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn foreign_errors_are_sources_and_schema_versions_are_typed() {
    let dir = temp_dir("errors-foreign");
    std::fs::create_dir_all(&dir).unwrap();
    let newer = dir.join("newer.db");
    let conn = rusqlite::Connection::open(&newer).unwrap();
    conn.execute_batch("PRAGMA user_version = 99;").unwrap();
    drop(conn);
    let err = MetricsStore::open(&newer).err().unwrap();
    assert!(
        matches!(&err, Error::MetricsSchemaTooNew { path, version: 99, supported }
            if *path == newer && *supported < 99),
        "{err:?}"
    );
    assert!(err.to_string().contains("newer gymrec"), "{err}");

    let text = dir.join("notes.db");
    std::fs::write(&text, "not a database\n".repeat(200)).unwrap();
    let err = MetricsStore::open(&text).err().unwrap();
    assert!(matches!(err, Error::Metrics { .. }), "{err:?}");
    let source = std::error::Error::source(&err).unwrap();
    assert!(
        source.downcast_ref::<rusqlite::Error>().is_some(),
        "{source:?}"
    );

    let err = LinearPolicy::from_json("{ not json", "weights.json").unwrap_err();
    assert!(matches!(err, Error::Json { .. }), "{err:?}");
    let source = std::error::Error::source(&err).unwrap();
    assert!(
        source.downcast_ref::<serde_json::Error>().is_some(),
        "{source:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

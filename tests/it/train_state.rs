//! `TrainState::update` and `TrainState::analytics_update`: velora's rules,
//! and where gymrec departs from them on purpose.

use crate::common::NoSpec;
use gymrec::env::{DynEnv, RenderMode};
use gymrec::train::{
    AnalyticsState, Cem, CemConfig, LoggingType, MetricsStore, StateUpdate, Status, TrainState,
};

fn cartpole() -> DynEnv {
    gymrec::make("CartPole-v1", RenderMode::None).unwrap()
}

fn setup() -> (Cem, DynEnv, MetricsStore, i64) {
    let env = cartpole();
    let agent = Cem::for_env(&env, CemConfig::default()).unwrap();
    let metrics = MetricsStore::in_memory().unwrap();
    let id = metrics
        .start_experiment("CEM", "CartPole-v1", &serde_json::json!({}), 10)
        .unwrap();
    (agent, env, metrics, id)
}

#[test]
fn a_new_state_has_velora_defaults() {
    let (mut agent, env, metrics, id) = setup();
    let state = TrainState::new(&mut agent, env, metrics, id);
    assert_eq!(state.experiment_id, id);
    assert_eq!((state.total_episodes, state.total_steps), (0, 0));
    assert_eq!(state.status, Status::Start);
    assert_eq!(state.logging_type, LoggingType::Episode);
    assert_eq!(
        (state.current_ep, state.current_step, state.ep_reward),
        (0, 0, 0.0)
    );
    assert!(!state.stop_training && !state.saving_enabled);
    assert!(state.checkpoint_dir.is_none());
    assert!(state.record_state.is_none() && state.analytics_state.is_none());
}

#[test]
fn update_keeps_what_is_none_and_sets_what_is_some() {
    let (mut agent, env, metrics, id) = setup();
    let mut state = TrainState::new(&mut agent, env, metrics, id);
    state.update(StateUpdate {
        status: Some(Status::Logging),
        current_ep: Some(12),
        current_step: Some(40),
        ep_reward: Some(37.5),
        logging_type: Some(LoggingType::Step),
    });
    assert_eq!(state.status, Status::Logging);
    assert_eq!(
        (state.current_ep, state.current_step, state.ep_reward),
        (12, 40, 37.5)
    );
    assert_eq!(state.logging_type, LoggingType::Step);

    // Nothing given: nothing changes.
    state.update(StateUpdate::default());
    assert_eq!(state.status, Status::Logging);
    assert_eq!(
        (state.current_ep, state.current_step, state.ep_reward),
        (12, 40, 37.5)
    );
    assert_eq!(state.logging_type, LoggingType::Step);

    // One field at a time leaves the others alone.
    state.update(StateUpdate {
        current_step: Some(41),
        ..StateUpdate::default()
    });
    assert_eq!(
        (state.current_ep, state.current_step, state.ep_reward),
        (12, 41, 37.5)
    );
    assert_eq!(state.status, Status::Logging);
}

#[test]
fn update_with_zero_sets_zero_unlike_velora() {
    // velora's `x if x else old` keeps the old value for 0 and 0.0; a
    // return of 0 must be reported as 0.
    let (mut agent, env, metrics, id) = setup();
    let mut state = TrainState::new(&mut agent, env, metrics, id);
    state.update(StateUpdate {
        current_ep: Some(5),
        current_step: Some(9),
        ep_reward: Some(-3.0),
        ..StateUpdate::default()
    });
    state.update(StateUpdate {
        current_ep: Some(0),
        current_step: Some(0),
        ep_reward: Some(0.0),
        ..StateUpdate::default()
    });
    assert_eq!(
        (state.current_ep, state.current_step, state.ep_reward),
        (0, 0, 0.0)
    );
    // Status::Start is the default, and `Some` of it sets it too.
    state.update(StateUpdate {
        status: Some(Status::Complete),
        ..StateUpdate::default()
    });
    state.update(StateUpdate {
        status: Some(Status::Start),
        ..StateUpdate::default()
    });
    assert_eq!(state.status, Status::Start);
}

#[test]
fn analytics_update_fills_velora_defaults() {
    let (mut agent, env, metrics, id) = setup();
    let mut state = TrainState::new(&mut agent, env, metrics, id);
    state.total_episodes = 250;
    state.analytics_state = Some(AnalyticsState::new("gymrec"));
    state.analytics_update().unwrap();
    let a = state.analytics_state.clone().unwrap();
    assert_eq!(a.project_name, "gymrec");
    assert_eq!(a.experiment_name.as_deref(), Some("CEM_CartPole_250ep"));
    assert_eq!(
        a.tags,
        Some(vec!["CEM".to_string(), "CartPole".to_string()])
    );

    // Filled values now count as given: a second call keeps them even
    // after the totals change.
    state.total_episodes = 999;
    state.analytics_update().unwrap();
    assert_eq!(state.analytics_state.unwrap(), a);
}

#[test]
fn analytics_update_keeps_given_values() {
    let (mut agent, env, metrics, id) = setup();
    let mut state = TrainState::new(&mut agent, env, metrics, id);
    state.total_episodes = 10;

    state.analytics_state = Some(AnalyticsState::new("p").with_experiment_name("mine"));
    state.analytics_update().unwrap();
    let a = state.analytics_state.take().unwrap();
    assert_eq!(a.experiment_name.as_deref(), Some("mine"));
    assert_eq!(
        a.tags,
        Some(vec!["CEM".to_string(), "CartPole".to_string()])
    );

    state.analytics_state = Some(AnalyticsState::new("p").with_tags(["a", "b"]));
    state.analytics_update().unwrap();
    let a = state.analytics_state.take().unwrap();
    assert_eq!(a.experiment_name.as_deref(), Some("CEM_CartPole_10ep"));
    assert_eq!(a.tags, Some(vec!["a".to_string(), "b".to_string()]));
}

#[test]
fn analytics_update_treats_empty_values_as_missing_as_velora_does() {
    let (mut agent, env, metrics, id) = setup();
    let mut state = TrainState::new(&mut agent, env, metrics, id);
    state.analytics_state = Some(AnalyticsState {
        project_name: "p".into(),
        experiment_name: Some(String::new()),
        tags: Some(Vec::new()),
    });
    state.analytics_update().unwrap();
    let a = state.analytics_state.unwrap();
    assert_eq!(a.experiment_name.as_deref(), Some("CEM_CartPole_0ep"));
    assert_eq!(
        a.tags,
        Some(vec!["CEM".to_string(), "CartPole".to_string()])
    );
}

#[test]
fn analytics_update_without_a_state_is_an_error_that_says_what_to_set() {
    let (mut agent, env, metrics, id) = setup();
    let mut state = TrainState::new(&mut agent, env, metrics, id);
    let err = state.analytics_update().unwrap_err().to_string();
    assert!(err.contains("AnalyticsState::new"), "{err}");
    assert!(state.analytics_state.is_none());
}

#[test]
fn analytics_update_needs_an_env_name() {
    let (mut agent, _, metrics, id) = setup();
    let env: DynEnv = Box::new(NoSpec::cartpole());
    let mut state = TrainState::new(&mut agent, env, metrics, id);
    state.analytics_state = Some(AnalyticsState::new("p"));
    let err = state.analytics_update().unwrap_err().to_string();
    assert!(err.contains("no spec"), "{err}");
    // Nothing was half-filled.
    assert_eq!(state.analytics_state.unwrap().experiment_name, None);
}

#[test]
fn status_and_logging_type_print_as_velora_literals() {
    let names: Vec<String> = [
        Status::Start,
        Status::Episode,
        Status::Logging,
        Status::Step,
        Status::Complete,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(names, ["start", "episode", "logging", "step", "complete"]);
    assert_eq!(
        serde_json::to_string(&Status::Complete).unwrap(),
        "\"complete\""
    );
    assert_eq!(LoggingType::Step.to_string(), "step");
    assert_eq!(
        serde_json::from_str::<LoggingType>("\"episode\"").unwrap(),
        LoggingType::Episode
    );
}
